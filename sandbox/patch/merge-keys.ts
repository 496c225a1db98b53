/**
 * How lists of built-in kinds merge. Strategic merge patch and server-side apply both need to know
 * whether a list is a map keyed by some fields, a set of primitives, or atomic (replaced whole). The real
 * server reads this from Go struct tags; we keep the table for the fields manifests actually use.
 */
export type ListStrategy =
  | {
      kind: 'map';
      /** SSA key fields. */ keys: readonly string[];
      /** SMP patchMergeKey. */ mergeKey: string;
    }
  | { kind: 'set' }
  | { kind: 'atomic' };

const ATOMIC: ListStrategy = { kind: 'atomic' };
const SET: ListStrategy = { kind: 'set' };

function map(mergeKey: string, keys: readonly string[] = [mergeKey]): ListStrategy {
  return { kind: 'map', keys, mergeKey };
}

const BY_FIELD: Readonly<Record<string, ListStrategy>> = {
  containers: map('name'),
  initContainers: map('name'),
  ephemeralContainers: map('name'),
  env: map('name'),
  volumes: map('name'),
  volumeMounts: map('mountPath'),
  volumeDevices: map('devicePath'),
  imagePullSecrets: map('name'),
  hostAliases: map('ip'),
  conditions: map('type'),
  ownerReferences: map('uid'),
  topologySpreadConstraints: map('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  resourceClaims: map('name'),
  addresses: map('type'),
  finalizers: SET,
};

/**
 * The merge strategy of the list at `path` (field names from the object root, array indices left out)
 * in an object of `kind`. Unknown kinds (custom resources) get atomic lists, as the real server does
 * for CRDs without x-kubernetes-list-type.
 */
export function listStrategy(kind: string, path: readonly string[]): ListStrategy {
  const field = path[path.length - 1];
  if (field === undefined) return ATOMIC;
  if (field === 'ports') {
    const parent = path[path.length - 2];
    if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') {
      return map('containerPort', ['containerPort', 'protocol']);
    }
    if (kind === 'Service' && path.length === 2 && path[0] === 'spec')
      return map('port', ['port', 'protocol']);
    return ATOMIC;
  }
  if (field === 'finalizers' && path.length !== 2) return ATOMIC;
  return BY_FIELD[field] ?? ATOMIC;
}
