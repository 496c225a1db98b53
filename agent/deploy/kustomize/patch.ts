import { AgentFailure, agentError } from '../../../protocol';
import { type Json, isRecord } from './shared';

/** Merge keys of the lists kustomize merges by key in a strategic merge patch (the common ones). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  conditions: 'type',
  ports: 'containerPort',
};

/** Service ports merge by port, container ports by containerPort. */
function mergeKey(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') {
    const first = items.find(isRecord);
    if (first !== undefined && 'port' in first && !('containerPort' in first)) return 'port';
  }
  return MERGE_KEYS[field];
}

/**
 * A strategic merge patch as kustomize applies it: maps merge, keyed lists merge by key. `keyed` is false
 * for kinds outside Kubernetes' own API groups: kustomize has no schema for them, so their lists are
 * replaced whole.
 */
export function strategicMerge(base: unknown, patch: unknown, field = '', keyed = true): unknown {
  if (!isRecord(patch)) {
    if (Array.isArray(patch) && Array.isArray(base) && keyed) return mergeList(base, patch, field);
    return patch;
  }
  if (patch['$patch'] === 'delete') return undefined;
  if (patch['$patch'] === 'replace') {
    const rest = { ...patch };
    delete rest['$patch'];
    return rest;
  }
  const out: Json = isRecord(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      Reflect.deleteProperty(out, k);
      continue;
    }
    const merged = strategicMerge(out[k], v, k, keyed);
    if (merged === undefined) Reflect.deleteProperty(out, k);
    else out[k] = merged;
  }
  return out;
}

function mergeList(base: unknown[], patch: unknown[], field: string): unknown[] {
  const key = mergeKey(field, [...patch, ...base]);
  if (key === undefined || !patch.every(isRecord)) {
    if (patch.some((p) => isRecord(p) && p['$patch'] === 'replace'))
      return patch.filter((p) => !(isRecord(p) && p['$patch']));
    return patch;
  }
  if (field === 'ports' && [...base, ...patch].some((x) => isRecord(x) && x['protocol'] !== undefined)) {
    return mergePorts(base, patch, key);
  }
  // kustomize (kyaml) puts the patch's elements first, in patch order, then the base's others.
  const out: unknown[] = [];
  const touched = new Set<unknown>();
  for (const p of patch) {
    if (!isRecord(p)) continue;
    if (p['$patch'] === 'replace') return patch.filter((x) => !(isRecord(x) && x['$patch'] === 'replace'));
    const match = base.find((b) => isRecord(b) && b[key] === p[key]);
    if (match !== undefined) touched.add(match);
    if (p['$patch'] === 'delete') continue;
    out.push(strategicMerge(match, p));
  }
  for (const b of base) if (!touched.has(b)) out.push(b);
  return out;
}

/**
 * Ports once any of them names a protocol: kustomize 5.5 keys them by number and protocol, puts the patch's
 * new ports first and keeps the base's in place (merged with their patch port). A patch port whose number
 * matches but whose protocol is set on one side only is dropped, as kustomize drops it.
 */
function mergePorts(base: unknown[], patch: Json[], key: string): unknown[] {
  const merged = new Map<unknown, Json | undefined>();
  const added: unknown[] = [];
  for (const p of patch) {
    const same = base.filter((b): b is Json => isRecord(b) && b[key] === p[key]);
    const exact = same.find((b) => b['protocol'] === p['protocol']);
    if (exact !== undefined) merged.set(exact, p);
    else if (same.length > 0 && same.some((b) => b['protocol'] === undefined || p['protocol'] === undefined))
      continue;
    else if (p['$patch'] !== 'delete') added.push(strategicMerge(undefined, p));
  }
  const kept = base.flatMap((b) => {
    if (!merged.has(b)) return [b];
    const p = merged.get(b);
    return p === undefined || p['$patch'] === 'delete' ? [] : [strategicMerge(b, p)];
  });
  return [...added, ...kept];
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function fail(message: string): never {
  throw new AgentFailure(agentError('INVALID', message));
}

/** RFC 6902 JSON patch operations on a copy of the object. */
export function jsonPatch(doc: unknown, ops: unknown[], where: string): unknown {
  let root = JSON.parse(JSON.stringify(doc)) as unknown;
  const parentOf = (path: string): { parent: Json | unknown[]; key: string } => {
    const parts = path.split('/').slice(1).map(unescape);
    const key = parts.pop();
    if (key === undefined) fail(`${where}: the JSON patch path "${path}" is empty.`);
    let cur: unknown = root;
    for (const p of parts) {
      cur = Array.isArray(cur) ? cur[Number(p)] : isRecord(cur) ? cur[p] : undefined;
      if (cur === undefined) fail(`${where}: the JSON patch path "${path}" does not exist in the target.`);
    }
    if (!isRecord(cur) && !Array.isArray(cur))
      fail(`${where}: the JSON patch path "${path}" does not exist.`);
    return { parent: cur, key };
  };
  const get = (path: string): unknown => {
    if (path === '') return root;
    const { parent, key } = parentOf(path);
    return Array.isArray(parent) ? parent[Number(key)] : parent[key];
  };
  const put = (path: string, value: unknown, insert: boolean): void => {
    if (path === '') {
      root = value;
      return;
    }
    const { parent, key } = parentOf(path);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (insert) parent.splice(i, 0, value);
      else parent[i] = value;
    } else parent[key] = value;
  };
  const remove = (path: string): unknown => {
    const { parent, key } = parentOf(path);
    if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
    const v = parent[key];
    if (v === undefined) fail(`${where}: cannot remove "${path}": it does not exist.`);
    Reflect.deleteProperty(parent, key);
    return v;
  };
  for (const raw of ops) {
    if (!isRecord(raw)) fail(`${where}: a JSON patch operation is not an object.`);
    const op = String(raw['op']);
    const path = String(raw['path'] ?? '');
    switch (op) {
      case 'add':
        put(path, raw['value'], true);
        break;
      case 'replace':
        if (get(path) === undefined) fail(`${where}: cannot replace "${path}": it does not exist.`);
        put(path, raw['value'], false);
        break;
      case 'remove':
        remove(path);
        break;
      case 'move':
        put(path, remove(String(raw['from'])), true);
        break;
      case 'copy':
        put(path, JSON.parse(JSON.stringify(get(String(raw['from'])))) as unknown, true);
        break;
      case 'test':
        if (JSON.stringify(get(path)) !== JSON.stringify(raw['value']))
          fail(`${where}: JSON patch test failed at "${path}".`);
        break;
      default:
        fail(`${where}: unknown JSON patch op "${op}".`);
    }
  }
  return root;
}
