import type { KubeObject } from '../kube/objects';

/** One object a plan will apply, with where it came from for error messages. */
export interface DesiredObject {
  object: KubeObject & Record<string, unknown>;
  /** The file (or kustomization) it was read from; undefined for objects Slipway built (set image). */
  file?: string;
  line?: number;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

export function isWorkload(o: KubeObject): o is KubeObject & { kind: (typeof WORKLOAD_KINDS)[number] } {
  return o.apiVersion === 'apps/v1' && (WORKLOAD_KINDS as readonly (string | undefined)[]).includes(o.kind);
}

/** "Deployment shop/gateway" for messages. */
export function describe(o: KubeObject): string {
  return `${o.kind ?? 'object'} ${o.metadata.namespace === undefined ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`;
}

export function objectId(o: KubeObject): string {
  return `${o.apiVersion ?? ''}|${o.kind ?? ''}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

export function where(d: DesiredObject): string {
  if (d.file === undefined) return describe(d.object.metadata === undefined ? d.object : d.object);
  return `${d.file}${d.line === undefined ? '' : `:${d.line}`} (${describe(d.object)})`;
}

/**
 * The order objects are applied in: what others depend on first (namespaces, CRDs, accounts, config),
 * workloads after their config, as kubectl and Helm order installs. Stable within a kind.
 */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

export function applyOrder(objects: DesiredObject[]): DesiredObject[] {
  const rank = (d: DesiredObject): number => {
    const i = KIND_ORDER.indexOf(d.object.kind ?? '');
    return i < 0 ? KIND_ORDER.length : i;
  };
  return objects
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map((x) => x.d);
}
