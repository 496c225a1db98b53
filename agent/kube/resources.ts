import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  HorizontalPodAutoscaler,
  Ingress,
  Namespace,
  Pod,
  ReplicaSet,
  Secret,
  Service,
  StatefulSet,
} from './objects';

/** One collection the agent lists and watches. */
export interface ResourceDescriptor {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Narrows what is stored, e.g. only Helm's release Secrets rather than every Secret. */
  labelSelector?: string;
}

export const RESOURCES = {
  namespaces: { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  pods: { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  services: { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  deployments: { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  statefulsets: { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  daemonsets: { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  replicasets: { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  controllerrevisions: {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    namespaced: true,
  },
  ingresses: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', namespaced: true },
  horizontalpodautoscalers: {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  },
  // Helm 3 labels its storage Secrets owner=helm; selecting on it keeps every other Secret out of memory.
  helmreleases: {
    apiVersion: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    labelSelector: 'owner=helm',
  },
} as const satisfies Record<string, ResourceDescriptor>;

export type ResourceName = keyof typeof RESOURCES;

/** The object type each resource's informer holds. */
export interface ResourceObjects {
  namespaces: Namespace;
  pods: Pod;
  services: Service;
  deployments: Deployment;
  statefulsets: StatefulSet;
  daemonsets: DaemonSet;
  replicasets: ReplicaSet;
  controllerrevisions: ControllerRevision;
  ingresses: Ingress;
  horizontalpodautoscalers: HorizontalPodAutoscaler;
  helmreleases: Secret;
}

/** The collection's URL path, e.g. /apis/apps/v1/namespaces/shop/deployments or /api/v1/pods. */
export function collectionPath(r: ResourceDescriptor, namespace?: string): string {
  const root = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  if (r.namespaced && namespace !== undefined) {
    return `${root}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
  }
  return `${root}/${r.plural}`;
}
