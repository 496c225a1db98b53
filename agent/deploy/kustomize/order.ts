import type { Json } from './shared';

/** kustomize's legacy output order (its default): these kinds first, in this order... */
const FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
/** ...these last, and everything else between, by group, version and kind. */
const LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function gvk(o: Json): { group: string; version: string; kind: string } {
  const av = String(o['apiVersion'] ?? '');
  const [group, version] = av.includes('/') ? av.split('/') : ['', av];
  return { group: group ?? '', version: version ?? '', kind: String(o['kind'] ?? '') };
}

/** kustomize's Gvk.String(): an empty part is spelled "~G", "~V" or "~K", so the core group sorts last. */
function gvkString(g: { group: string; version: string; kind: string }): string {
  return `${g.group === '' ? '~G' : g.group}_${g.version === '' ? '~V' : g.version}_${g.kind === '' ? '~K' : g.kind}`;
}

function rank(kind: string): number {
  const f = FIRST.indexOf(kind);
  if (f >= 0) return f;
  const l = LAST.indexOf(kind);
  return l >= 0 ? FIRST.length + 1 + l : FIRST.length;
}

function id(o: Json): string {
  const meta = (o['metadata'] ?? {}) as Json;
  // An object without a namespace sorts after namespaced ones, as kustomize's resource ids do.
  const ns = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : '~X';
  return `${ns}|${String(meta['name'] ?? '')}`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function legacyCompare(a: Json, b: Json): number {
  const ga = gvk(a);
  const gb = gvk(b);
  const ra = rank(ga.kind);
  const rb = rank(gb.kind);
  if (ra !== rb) return ra - rb;
  if (ra === FIRST.length) {
    const g = cmp(gvkString(ga), gvkString(gb));
    if (g !== 0) return g;
  }
  return cmp(id(a), id(b));
}
