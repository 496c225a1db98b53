import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { jsonPatch, strategicMerge } from './patch';
import { type Json, invalid, isRecord, meta } from './shared';
import type { Res } from './transforms';
import { selectorMatches } from './validate';
import { parseDocs } from './yaml-docs';

function matchesTarget(o: Json, t: Json, where: string): boolean {
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
  const selector = (text: unknown, values: unknown): boolean =>
    typeof text !== 'string' || selectorMatches(text, isRecord(values) ? values : {}, where);
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

export function applyPatchTo(resources: Res[], body: unknown, target: Json | undefined, where: string): void {
  const isJson6902 = Array.isArray(body);
  if (target === undefined) {
    if (isJson6902 || !isRecord(body)) throw invalid(`${where}: a JSON 6902 patch needs a target.`);
    mergeInto(resources, findByPatch(resources, body, where), body);
    return;
  }
  const matched = resources.filter((r) => matchesTarget(r.object, target, where));
  for (const r of matched) {
    if (isJson6902) r.object = jsonPatch(r.object, body, where) as Json;
    else if (isRecord(body)) mergeInto(resources, r, body);
  }
}

/** Kubernetes' own API groups, whose kinds kustomize knows the schema (and the list merge keys) of. */
const BUILTIN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'extensions',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'certificates.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
]);

function hasSchema(o: Json): boolean {
  const av = String(o['apiVersion'] ?? '');
  return BUILTIN_GROUPS.has(av.includes('/') ? (av.split('/')[0] ?? '') : '');
}

/** A strategic merge patch on one resource; a top-level `$patch: delete` drops the resource. */
function mergeInto(resources: Res[], r: Res, body: Json): void {
  // The patch's name only chose its target; it must not rename it.
  const patch = { ...body, metadata: { ...meta(body) } };
  delete (patch['metadata'] as Json)['name'];
  const merged = strategicMerge(r.object, patch, '', hasSchema(r.object));
  if (isRecord(merged)) r.object = merged;
  else resources.splice(resources.indexOf(r), 1);
}

/** One patch file or inline patch: YAML of an object (strategic merge) or of a list (JSON 6902). */
export function patchBodies(p: Json | string, dir: string, file: string): { body: unknown; where: string }[] {
  if (typeof p === 'string') {
    const path = resolve(dir, p);
    if (existsSync(path)) return readPatchFile(path);
    return parseDocs(p, `${file} (inline patch)`).map((body) => ({ body, where: `${file} (inline patch)` }));
  }
  if (typeof p['path'] === 'string') return readPatchFile(resolve(dir, p['path']));
  if (typeof p['patch'] === 'string') {
    return parseDocs(p['patch'], `${file} (inline patch)`).map((body) => ({
      body,
      where: `${file} (inline patch)`,
    }));
  }
  throw invalid(`${file}: a patch has neither path nor patch.`);
}

function readPatchFile(path: string): { body: unknown; where: string }[] {
  if (!existsSync(path)) throw invalid(`${path} does not exist (listed as a patch). Fix the path.`);
  return parseDocs(readFileSync(path, 'utf8'), path).map((body) => ({ body, where: path }));
}
