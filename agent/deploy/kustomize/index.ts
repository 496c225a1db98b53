import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { AgentFailure, agentError } from '../../../protocol';
import { nameHash } from './hash';
import { legacyCompare } from './order';
import { jsonPatch, strategicMerge } from './patch';
import { fixReferences } from './references';
import {
  type Res,
  applyAnnotations,
  applyImages,
  applyLabels,
  applyNamespace,
  applyReplicas,
} from './transforms';

export const KUSTOMIZATION_FILES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

export interface RenderedObject {
  object: Record<string, unknown>;
  file: string;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields of a kustomization Slipway renders; anything else is refused by name. */
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
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
]);

function kustomizationFile(dir: string): string | undefined {
  for (const f of KUSTOMIZATION_FILES) {
    const p = join(dir, f);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function isKustomizeDir(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && kustomizationFile(dir) !== undefined;
}

function invalid(message: string): AgentFailure {
  return new AgentFailure(agentError('INVALID', message));
}

/** Every YAML document of a file, with a file:line error for broken YAML. */
function readDocs(file: string): Json[] {
  if (!existsSync(file)) throw invalid(`${file} does not exist (listed in a kustomization). Fix the path.`);
  const text = readFileSync(file, 'utf8');
  const counter = new LineCounter();
  const out: Json[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: counter, prettyErrors: false })) {
    const e = doc.errors[0];
    if (e !== undefined) {
      throw invalid(
        `${file}:${counter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0] ?? 'YAML error'}. Fix the YAML.`,
      );
    }
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (!isRecord(v)) throw invalid(`${file}: a document is not a mapping.`);
    if (v['kind'] === 'List' && Array.isArray(v['items'])) out.push(...v['items'].filter(isRecord));
    else out.push(v);
  }
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function meta(o: Json): Json {
  if (!isRecord(o['metadata'])) o['metadata'] = {};
  return o['metadata'] as Json;
}

function nameOf(o: Json): string {
  return String(meta(o)['name'] ?? '');
}

function resOf(object: Json, file: string): Res {
  const name = nameOf(object);
  return { object, file, names: new Set([name]), originalName: name };
}

/** `KEY=VALUE` pairs of a literal or an env file line; surrounding quotes are dropped, as kustomize does. */
function pair(text: string, where: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw invalid(`${where}: "${text}" is not KEY=VALUE.`);
  let value = text.slice(i + 1);
  if (
    value.length >= 2 &&
    ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
  ) {
    value = value.slice(1, -1);
  }
  return [text.slice(0, i).trim(), value];
}

function generate(kind: 'ConfigMap' | 'Secret', g: Json, dir: string, file: string, options: Json): Res {
  const where = `${file} (${kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator'} ${String(g['name'])})`;
  const data: Record<string, string> = {};
  const add = (k: string, v: string): void => {
    data[k] = kind === 'Secret' ? Buffer.from(v).toString('base64') : v;
  };
  for (const lit of strings(g['literals'])) add(...pair(lit, where));
  for (const env of strings(g['envs'] ?? (g['env'] === undefined ? [] : [g['env']]))) {
    for (const line of readFileSync(resolve(dir, env), 'utf8').split('\n')) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      add(...pair(t, `${where} ${env}`));
    }
  }
  for (const f of strings(g['files'])) {
    const i = f.indexOf('=');
    const [key, path] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [basename(f), f];
    add(key, readFileSync(resolve(dir, path), 'utf8'));
  }
  const opts = { ...options, ...(isRecord(g['options']) ? g['options'] : {}) };
  const metadata: Json = { name: String(g['name']) };
  if (typeof g['namespace'] === 'string') metadata['namespace'] = g['namespace'];
  if (isRecord(opts['labels'])) metadata['labels'] = { ...opts['labels'] };
  if (isRecord(opts['annotations'])) metadata['annotations'] = { ...opts['annotations'] };
  const object: Json = { apiVersion: 'v1', kind, metadata };
  if (kind === 'Secret') object['type'] = typeof g['type'] === 'string' ? g['type'] : 'Opaque';
  if (Object.keys(data).length > 0) object['data'] = data;
  const res = resOf(object, file);
  res.hashed = opts['disableNameSuffixHash'] !== true;
  return res;
}

function matchesTarget(o: Json, t: Json): boolean {
  const av = String(o['apiVersion'] ?? '');
  const [group, version] = av.includes('/') ? av.split('/') : ['', av];
  const m = meta(o);
  const re = (pattern: unknown, value: string): boolean =>
    pattern === undefined || new RegExp(`^(?:${String(pattern)})$`).test(value);
  if (!re(t['kind'], String(o['kind'] ?? ''))) return false;
  if (!re(t['name'], String(m['name'] ?? ''))) return false;
  if (!re(t['namespace'], String(m['namespace'] ?? ''))) return false;
  if (t['group'] !== undefined && t['group'] !== group) return false;
  if (t['version'] !== undefined && t['version'] !== version) return false;
  const selector = (text: unknown, values: unknown): boolean => {
    if (typeof text !== 'string') return true;
    const have = isRecord(values) ? values : {};
    return text.split(',').every((term) => {
      const [k, v] = term.split('=');
      return v === undefined ? k !== undefined && k in have : have[(k ?? '').trim()] === v.trim();
    });
  };
  return selector(t['labelSelector'], m['labels']) && selector(t['annotationSelector'], m['annotations']);
}

function findByPatch(resources: Res[], patch: Json, where: string): Res {
  const kind = patch['kind'];
  const name = meta(patch)['name'];
  const found = resources.find((r) => r.object['kind'] === kind && r.names.has(String(name)));
  if (found === undefined) {
    throw invalid(
      `${where}: the patch targets ${String(kind)} ${String(name)}, which is not among the resources.`,
    );
  }
  return found;
}

function applyPatchTo(resources: Res[], body: unknown, target: Json | undefined, where: string): void {
  const isJson6902 = Array.isArray(body);
  if (target === undefined) {
    if (isJson6902 || !isRecord(body)) throw invalid(`${where}: a JSON 6902 patch needs a target.`);
    const r = findByPatch(resources, body, where);
    const patch = { ...body, metadata: { ...meta(body) } };
    delete (patch['metadata'] as Json)['name'];
    r.object = strategicMerge(r.object, patch) as Json;
    return;
  }
  const matched = resources.filter((r) => matchesTarget(r.object, target));
  for (const r of matched) {
    if (isJson6902) r.object = jsonPatch(r.object, body, where) as Json;
    else if (isRecord(body)) {
      const patch = { ...body, metadata: { ...meta(body) } };
      delete (patch['metadata'] as Json)['name'];
      r.object = strategicMerge(r.object, patch) as Json;
    }
  }
}

/** One patch file or inline patch: YAML of an object (strategic merge) or of a list (JSON 6902). */
function patchBodies(p: Json | string, dir: string, file: string): { body: unknown; where: string }[] {
  if (typeof p === 'string') {
    const path = resolve(dir, p);
    if (existsSync(path)) return readPatchFile(path);
    return parseAllDocuments(p).map((d) => ({ body: d.toJS() as unknown, where: `${file} (inline patch)` }));
  }
  if (typeof p['path'] === 'string') return readPatchFile(resolve(dir, p['path']));
  if (typeof p['patch'] === 'string') {
    return parseAllDocuments(p['patch']).map((d) => ({
      body: d.toJS() as unknown,
      where: `${file} (inline patch)`,
    }));
  }
  throw invalid(`${file}: a patch has neither path nor patch.`);
}

function readPatchFile(path: string): { body: unknown; where: string }[] {
  if (!existsSync(path)) throw invalid(`${path} does not exist (listed as a patch). Fix the path.`);
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => ({
    body: d.toJS() as unknown,
    where: path,
  }));
}

/** One kustomization: resources and bases, generators, then its transformers in kustomize's order. */
function accumulate(dir: string, seen: Set<string>): Res[] {
  const file = kustomizationFile(dir);
  if (file === undefined) {
    throw invalid(
      `${dir} is listed as a kustomize resource but has no kustomization.yaml. Add one or list its files.`,
    );
  }
  if (seen.has(file)) throw invalid(`${file} includes itself through its resources (a cycle).`);
  seen.add(file);
  const docs = readDocs(file);
  const k = docs[0] ?? {};
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) {
    throw invalid(
      `${file}: Slipway's kustomize does not support ${unknown.map((u) => `"${u}"`).join(', ')}; nothing was rendered. Remove ${unknown.length === 1 ? 'it' : 'them'} or render with kustomize and deploy the output.`,
    );
  }
  const resources: Res[] = [];
  for (const entry of [...strings(k['resources']), ...strings(k['bases'])]) {
    if (/^(https?:\/\/|github\.com\/|git@|ssh:\/\/)/.test(entry) || entry.includes('?ref=')) {
      throw invalid(
        `${file}: the remote resource "${entry}" is not supported; vendor it into the repository.`,
      );
    }
    const path = resolve(dir, entry);
    if (existsSync(path) && statSync(path).isDirectory()) resources.push(...accumulate(path, seen));
    else {
      // kustomize's load restrictor: a file must sit in or below its kustomization's folder.
      if (!path.startsWith(`${dir}/`)) {
        throw invalid(
          `${file}: the file ${entry} is outside the kustomization's folder, which kustomize refuses. List its folder (with a kustomization) instead.`,
        );
      }
      for (const o of readDocs(path)) resources.push(resOf(o, path));
    }
  }

  const options = isRecord(k['generatorOptions']) ? k['generatorOptions'] : {};
  for (const [field, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    for (const g of Array.isArray(k[field]) ? k[field].filter(isRecord) : []) {
      const made = generate(kind, g, dir, file, options);
      const behavior = String(g['behavior'] ?? 'create');
      const existing = resources.find(
        (r) => r.object['kind'] === kind && r.originalName === nameOf(made.object),
      );
      if (behavior === 'create') {
        if (existing !== undefined)
          throw invalid(
            `${file}: ${field} ${nameOf(made.object)} already exists; use behavior: merge or replace.`,
          );
        resources.push(made);
      } else if (existing === undefined) {
        throw invalid(
          `${file}: ${field} ${nameOf(made.object)} has behavior ${behavior} but no base generates it.`,
        );
      } else if (behavior === 'merge') {
        const data = {
          ...(isRecord(existing.object['data']) ? existing.object['data'] : {}),
          ...(isRecord(made.object['data']) ? made.object['data'] : {}),
        };
        existing.object['data'] = data;
        const m = meta(existing.object);
        const mm = meta(made.object);
        if (isRecord(mm['labels']))
          m['labels'] = { ...(isRecord(m['labels']) ? m['labels'] : {}), ...mm['labels'] };
        if (isRecord(mm['annotations']))
          m['annotations'] = {
            ...(isRecord(m['annotations']) ? m['annotations'] : {}),
            ...mm['annotations'],
          };
        existing.hashed = existing.hashed === true && made.hashed === true;
      } else {
        existing.object = made.object;
        existing.hashed = made.hashed === true;
      }
    }
  }

  // Transformers, in the order kustomize runs its builtins.
  for (const p of strings(k['patchesStrategicMerge'])) {
    for (const { body, where } of patchBodies(p, dir, file)) applyPatchTo(resources, body, undefined, where);
  }
  for (const p of Array.isArray(k['patches']) ? k['patches'] : []) {
    if (!isRecord(p) && typeof p !== 'string') continue;
    const target = isRecord(p) && isRecord(p['target']) ? p['target'] : undefined;
    for (const { body, where } of patchBodies(p, dir, file)) applyPatchTo(resources, body, target, where);
  }
  if (typeof k['namespace'] === 'string') applyNamespace(resources, k['namespace']);
  const prefix = typeof k['namePrefix'] === 'string' ? k['namePrefix'] : '';
  const suffix = typeof k['nameSuffix'] === 'string' ? k['nameSuffix'] : '';
  if (prefix !== '' || suffix !== '') {
    for (const r of resources) {
      if (r.object['kind'] === 'Namespace' || r.object['kind'] === 'CustomResourceDefinition') continue;
      const m = meta(r.object);
      m['name'] = `${prefix}${String(m['name'])}${suffix}`;
      r.names.add(String(m['name']));
    }
  }
  if (isRecord(k['commonLabels']))
    applyLabels(resources, k['commonLabels'] as Record<string, string>, true, true);
  for (const l of Array.isArray(k['labels']) ? k['labels'].filter(isRecord) : []) {
    const pairs = isRecord(l['pairs']) ? (l['pairs'] as Record<string, string>) : {};
    applyLabels(
      resources,
      pairs,
      l['includeSelectors'] === true,
      l['includeSelectors'] === true || l['includeTemplates'] === true,
    );
  }
  if (isRecord(k['commonAnnotations']))
    applyAnnotations(resources, k['commonAnnotations'] as Record<string, string>);
  for (const p of Array.isArray(k['patchesJson6902']) ? k['patchesJson6902'].filter(isRecord) : []) {
    const target = isRecord(p['target']) ? p['target'] : {};
    for (const { body, where } of patchBodies(p, dir, file)) applyPatchTo(resources, body, target, where);
  }
  if (Array.isArray(k['replicas'])) applyReplicas(resources, k['replicas'].filter(isRecord));
  if (Array.isArray(k['images'])) applyImages(resources, k['images'].filter(isRecord));
  return resources;
}

/**
 * `kustomize build DIR` for the subset of kustomize real overlays use, producing what `kubectl kustomize`
 * produces (same objects, same order). Unsupported fields are refused by name: never a partial render.
 */
export function renderKustomization(dir: string): RenderedObject[] {
  const root = resolve(dir);
  const resources = accumulate(root, new Set());
  // As kustomize does last: hash suffixes on generated names, then every reference to a renamed object.
  for (const r of resources) {
    if (r.hashed !== true) continue;
    const m = meta(r.object);
    m['name'] = `${String(m['name'])}-${nameHash(r.object)}`;
    r.names.add(String(m['name']));
  }
  fixReferences(resources);
  return resources
    .map((r) => ({ object: r.object, file: r.file }))
    .sort((a, b) => legacyCompare(a.object, b.object));
}
