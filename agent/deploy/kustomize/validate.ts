import { AgentFailure, agentError } from '../../../protocol';
import { type Json, isRecord } from './shared';

/** The fields of a kustomization Slipway renders; anything else is refused by name. */
const TOP = [
  'apiVersion',
  'kind',
  // `metadata` names the kustomization for tools; it changes nothing in the output.
  'metadata',
  'resources',
  'bases',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
];

const GENERATOR = ['name', 'namespace', 'behavior', 'literals', 'files', 'envs', 'env', 'options', 'type'];
const OPTIONS = ['labels', 'annotations', 'disableNameSuffixHash', 'immutable'];

/**
 * The fields inside list entries matter as much as the top-level ones: a `labels` entry with `fields`, or a
 * patch with `options`, would otherwise render silently different from kustomize.
 */
const ENTRIES: Record<string, readonly string[]> = {
  labels: ['pairs', 'includeSelectors', 'includeTemplates'],
  images: ['name', 'newName', 'newTag', 'digest'],
  replicas: ['name', 'count'],
  patches: ['path', 'patch', 'target'],
  patchesJson6902: ['path', 'patch', 'target'],
  configMapGenerator: GENERATOR,
  secretGenerator: GENERATOR,
};

const TARGET = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'];

/** Every field Slipway would ignore or get wrong, as `field` paths (e.g. `labels[0].fields`). */
function unsupported(k: Json): string[] {
  const out = Object.keys(k).filter((key) => !TOP.includes(key));
  for (const [field, allowed] of Object.entries(ENTRIES)) {
    const list = k[field];
    if (!Array.isArray(list)) continue;
    list.forEach((entry: unknown, i) => {
      if (!isRecord(entry)) return;
      for (const key of Object.keys(entry)) if (!allowed.includes(key)) out.push(`${field}[${i}].${key}`);
      const target = entry['target'];
      if (isRecord(target)) {
        for (const key of Object.keys(target)) {
          if (!TARGET.includes(key)) out.push(`${field}[${i}].target.${key}`);
        }
      }
      const options = entry['options'];
      if (isRecord(options)) {
        for (const key of Object.keys(options)) {
          if (!OPTIONS.includes(key)) out.push(`${field}[${i}].options.${key}`);
        }
      }
    });
  }
  const global = k['generatorOptions'];
  if (isRecord(global)) {
    for (const key of Object.keys(global)) if (!OPTIONS.includes(key)) out.push(`generatorOptions.${key}`);
  }
  return out;
}

/**
 * Fields kustomize reads as strings: YAML numbers and booleans there (`newTag: 1.10`, `version: 1.0`)
 * fail in kustomize, and would lose digits here, so both refuse them.
 */
function mistyped(k: Json): string[] {
  const out: string[] = [];
  const scalar = (v: unknown, path: string): void => {
    if (v !== undefined && typeof v !== 'string') out.push(path);
  };
  const stringMap = (v: unknown, path: string): void => {
    if (isRecord(v)) for (const [key, value] of Object.entries(v)) scalar(value, `${path}.${key}`);
  };
  for (const field of ['namespace', 'namePrefix', 'nameSuffix']) scalar(k[field], field);
  stringMap(k['commonLabels'], 'commonLabels');
  stringMap(k['commonAnnotations'], 'commonAnnotations');
  const entries = (field: string): Json[] => {
    const v = k[field];
    return Array.isArray(v) ? v.filter(isRecord) : [];
  };
  entries('labels').forEach((l, i) => stringMap(l['pairs'], `labels[${i}].pairs`));
  entries('images').forEach((img, i) => {
    for (const f of ['name', 'newName', 'newTag', 'digest']) scalar(img[f], `images[${i}].${f}`);
  });
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    entries(field).forEach((g, i) => {
      const options = g['options'];
      if (!isRecord(options)) return;
      stringMap(options['labels'], `${field}[${i}].options.labels`);
      stringMap(options['annotations'], `${field}[${i}].options.annotations`);
    });
  }
  const global = k['generatorOptions'];
  if (isRecord(global)) {
    stringMap(global['labels'], 'generatorOptions.labels');
    stringMap(global['annotations'], 'generatorOptions.annotations');
  }
  return out;
}

/** Refuses, by name, whatever in a kustomization Slipway cannot render exactly as kustomize does. */
export function checkKustomization(k: Json, file: string): void {
  if (k['kind'] !== undefined && k['kind'] !== 'Kustomization') {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `${file}: kind ${String(k['kind'])} (kustomize components) is not supported; nothing was rendered. Fold it into the kustomization that uses it, or render with kustomize and deploy the output.`,
      ),
    );
  }
  const wrong = mistyped(k);
  if (wrong.length > 0) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `${file}: ${wrong.map((w) => `"${w}"`).join(', ')} must be ${wrong.length === 1 ? 'a string' : 'strings'}, as kustomize requires. Quote ${wrong.length === 1 ? 'it' : 'them'} (e.g. newTag: "1.10").`,
      ),
    );
  }
  const bad = unsupported(k);
  if (bad.length === 0) return;
  throw new AgentFailure(
    agentError(
      'INVALID',
      `${file}: Slipway's kustomize does not support ${bad.map((u) => `"${u}"`).join(', ')}; nothing was rendered. Remove ${bad.length === 1 ? 'it' : 'them'} or render with kustomize and deploy the output.`,
    ),
  );
}

/**
 * A target's label or annotation selector: equality terms (`k=v`, `k==v`, `k!=v`) and existence (`k`,
 * `!k`). Set-based terms (`k in (a,b)`) are refused rather than guessed.
 */
export function selectorMatches(text: string, values: Json, where: string): boolean {
  if (text.includes('(')) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `${where}: the set-based selector "${text}" is not supported. Use key=value terms separated by commas.`,
      ),
    );
  }
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .every((term) => {
      const ne = term.indexOf('!=');
      if (ne > 0) return values[term.slice(0, ne).trim()] !== term.slice(ne + 2).trim();
      const eq = term.indexOf('=');
      if (eq > 0) {
        const value = term.slice(term.startsWith('=', eq + 1) ? eq + 2 : eq + 1).trim();
        return values[term.slice(0, eq).trim()] === value;
      }
      if (term.startsWith('!')) return !(term.slice(1).trim() in values);
      return term in values;
    });
}
