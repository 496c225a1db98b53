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
  finalizers: SET,
};

/** Kinds whose merge rules come from Go struct tags; everything else is a custom resource. */
const BUILTIN_KINDS = new Set([
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'Endpoints',
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Event',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'ReplicationController',
  'ResourceQuota',
  'LimitRange',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'ControllerRevision',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'Ingress',
  'IngressClass',
  'NetworkPolicy',
  'EndpointSlice',
  'PodDisruptionBudget',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'Lease',
  'Scale',
]);

/**
 * The merge strategy of the list at `path` (field names from the object root, array indices left out)
 * in an object of `kind`. Unknown kinds (custom resources) get atomic lists, as the real server does
 * for CRDs without x-kubernetes-list-type.
 */
export function listStrategy(kind: string, path: readonly string[]): ListStrategy {
  const field = path[path.length - 1];
  if (field === undefined || !BUILTIN_KINDS.has(kind)) return ATOMIC;
  // Only a node's status addresses are keyed; Endpoints and EndpointSlice addresses are atomic.
  if (field === 'addresses') return kind === 'Node' && path[0] === 'status' ? map('type') : ATOMIC;
  if (field === 'podIPs' || field === 'hostIPs') return map('ip');
  if (field === 'schedulingGates') return map('name');
  if (kind === 'ServiceAccount' && path.length === 1) return field === 'secrets' ? map('name') : ATOMIC;
  if (field === 'ports') {
    const parent = path[path.length - 2];
    if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') {
      return map('containerPort', ['containerPort', 'protocol']);
    }
    if (kind === 'Service' && path.length === 2 && path[0] === 'spec')
      return map('port', ['port', 'protocol']);
    return ATOMIC;
  }
  // Namespace spec.finalizers is replaced whole; metadata.finalizers is a set.
  if (field === 'finalizers' && !(path.length === 2 && path[0] === 'metadata')) return ATOMIC;
  return BY_FIELD[field] ?? ATOMIC;
}
