import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyPatchTo, patchBodies } from './apply-patches';
import { applyGenerators } from './generators';
import { nameHash } from './hash';
import { legacyCompare } from './order';
import { fixReferences } from './references';
import { type Json, invalid, isRecord, meta, resOf, strings } from './shared';
import {
  type Res,
  applyAnnotations,
  applyImages,
  applyLabels,
  applyNamespace,
  applyReplicas,
} from './transforms';
import { checkKustomization } from './validate';
import { parseDocs } from './yaml-docs';

export const KUSTOMIZATION_FILES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

export interface RenderedObject {
  object: Record<string, unknown>;
  file: string;
}

/** Kinds whose names are API names (`<plural>.<group>`, `<version>.<group>`) or the namespace itself. */
const UNPREFIXED = new Set(['Namespace', 'CustomResourceDefinition', 'APIService']);

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

/** Every YAML document of a file, with a file:line error for broken YAML. */
function readDocs(file: string): Json[] {
  if (!existsSync(file)) throw invalid(`${file} does not exist (listed in a kustomization). Fix the path.`);
  const out: Json[] = [];
  for (const v of parseDocs(readFileSync(file, 'utf8'), file)) {
    if (!isRecord(v)) throw invalid(`${file}: a document is not a mapping.`);
    if (v['kind'] === 'List' && Array.isArray(v['items'])) out.push(...v['items'].filter(isRecord));
    else out.push(v);
  }
  return out;
}

/** kustomize refuses two objects with the same kind, namespace and name in one kustomization. */
function refuseDuplicates(resources: Res[], file: string): void {
  const seen = new Set<string>();
  for (const r of resources) {
    const m = meta(r.object);
    const group = String(r.object['apiVersion'] ?? '')
      .split('/')
      .slice(0, -1)
      .join('/');
    const id = `${String(r.object['kind'])}.${group}/${String(m['name'])}.${String(m['namespace'] ?? '')}`;
    if (seen.has(id)) {
      throw invalid(
        `${file}: ${String(r.object['kind'])} ${String(m['name'])} is listed twice (again in ${r.file}). Keep one, or give one a different name.`,
      );
    }
    seen.add(id);
  }
}

/** One kustomization: resources and bases, generators, then its transformers in kustomize's order. */
function accumulate(dir: string, ancestors: readonly string[]): Res[] {
  const file = kustomizationFile(dir);
  if (file === undefined) {
    throw invalid(
      `${dir} has no kustomization file (kustomization.yaml, kustomization.yml or Kustomization). Add one, or list the folder's files instead.`,
    );
  }
  // kustomize's loader refuses a folder that is, or contains, one of the folders that led to it.
  const cycle = ancestors.find((a) => a === dir || a.startsWith(`${dir}/`));
  if (cycle !== undefined) {
    throw invalid(
      `${file} is reached again from ${cycle} (a cycle; kustomize refuses a folder that contains the kustomization listing it). List a sibling folder such as a base instead.`,
    );
  }
  const chain = [...ancestors, dir];
  const docs = readDocs(file);
  const k = docs[0] ?? {};
  checkKustomization(k, file);
  const resources: Res[] = [];
  for (const entry of [...strings(k['resources']), ...strings(k['bases'])]) {
    if (/^(https?:\/\/|github\.com\/|git@|ssh:\/\/)/.test(entry) || entry.includes('?ref=')) {
      throw invalid(
        `${file}: the remote resource "${entry}" is not supported; vendor it into the repository.`,
      );
    }
    const target = resolve(dir, entry);
    if (existsSync(target) && statSync(target).isDirectory()) resources.push(...accumulate(target, chain));
    else {
      // kustomize's load restrictor: a file must sit in or below its kustomization's folder.
      if (!target.startsWith(`${dir}/`)) {
        throw invalid(
          `${file}: the file ${entry} is outside the kustomization's folder, which kustomize refuses. List its folder (with a kustomization) instead.`,
        );
      }
      for (const o of readDocs(target)) resources.push(resOf(o, target));
    }
  }

  refuseDuplicates(resources, file);
  applyGenerators(k, dir, file, resources);
  for (const r of resources) r.scopes.push(dir);

  // Transformers, in the order kustomize runs its builtins.
  for (const p of strings(k['patchesStrategicMerge'])) {
    for (const { body, where } of patchBodies(p, dir, file)) applyPatchTo(resources, body, undefined, where);
  }
  for (const p of Array.isArray(k['patches']) ? k['patches'] : []) {
    if (!isRecord(p) && typeof p !== 'string') continue;
    const target = isRecord(p) && isRecord(p['target']) ? p['target'] : undefined;
    for (const { body, where } of patchBodies(p, dir, file)) applyPatchTo(resources, body, target, where);
  }
  if (typeof k['namespace'] === 'string') {
    if (resources.filter((r) => r.object['kind'] === 'Namespace').length > 1) {
      throw invalid(
        `${file}: namespace "${k['namespace']}" would rename every Namespace object to it, and there are several. Keep one Namespace object in this kustomization.`,
      );
    }
    applyNamespace(resources, k['namespace']);
  }
  const prefix = typeof k['namePrefix'] === 'string' ? k['namePrefix'] : '';
  const suffix = typeof k['nameSuffix'] === 'string' ? k['nameSuffix'] : '';
  if (prefix !== '' || suffix !== '') {
    for (const r of resources) {
      // kustomize's prefix/suffix field specs leave out the objects whose names carry meaning.
      if (UNPREFIXED.has(String(r.object['kind']))) continue;
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
  const resources = accumulate(root, []);
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
