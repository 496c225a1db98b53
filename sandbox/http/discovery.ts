import { type Registry, type ResourceType, groupVersion } from '../registry';
import type { JsonObject } from '../types';

/** The server version we claim: kubectl 1.32 on the machine is within the supported skew. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-slipway-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

interface SubresourceInfo {
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

function subresourceInfo(t: ResourceType, sub: string): SubresourceInfo {
  switch (sub) {
    case 'status':
      return { kind: t.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };
    case 'log':
      return { kind: 'Pod', verbs: ['get'] };
    case 'portforward':
      return { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'proxy':
      return { kind: `${t.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'exec':
      return { kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach':
      return { kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'eviction':
      return { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] };
    case 'binding':
      return { kind: 'Binding', verbs: ['create'] };
    case 'token':
      return { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] };
    case 'finalize':
      return { kind: t.kind, verbs: ['update'] };
    default:
      return { kind: t.kind, verbs: ['get', 'patch', 'update'] };
  }
}

/** A stable fingerprint so clients caching discovery notice when a type changes. */
function storageVersionHash(t: ResourceType): string {
  let h = 2166136261;
  for (const ch of `${t.group}/${t.version}/${t.kind}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Buffer.from(h.toString(16).padStart(8, '0')).toString('base64').slice(0, 11) + '=';
}

export function resourceList(registry: Registry, group: string, version: string): JsonObject | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of types) {
    const entry: JsonObject = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: [...t.verbs],
    };
    if (t.shortNames.length > 0) entry['shortNames'] = [...t.shortNames];
    if (t.categories.length > 0) entry['categories'] = [...t.categories];
    if (t.verbs.includes('list')) entry['storageVersionHash'] = storageVersionHash(t);
    resources.push(entry);
    for (const sub of t.subresources) {
      const info = subresourceInfo(t, sub);
      const s: JsonObject = {
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        kind: info.kind,
        verbs: info.verbs,
      };
      if (info.group !== undefined) s['group'] = info.group;
      if (info.version !== undefined) s['version'] = info.version;
      resources.push(s);
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources,
  };
}

function groupEntry(group: string, versions: string[]): JsonObject {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0]! };
}

export function groupList(registry: Registry): JsonObject {
  const groups = registry.groups().filter((g) => g.group !== '');
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((g) => groupEntry(g.group, g.versions)),
  };
}

export function group(registry: Registry, name: string): JsonObject | undefined {
  const g = registry.groups().find((x) => x.group === name);
  if (g === undefined || name === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.group, g.versions) };
}

export function coreVersions(address: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }],
  };
}
