import type { Registry, ResourceType } from '../registry';

/** The built-in types the controllers read and write, looked up once from the registry. */
export interface Resources {
  namespaces: ResourceType;
  nodes: ResourceType;
  pods: ResourceType;
  services: ResourceType;
  endpoints: ResourceType;
  pvcs: ResourceType;
  deployments: ResourceType;
  replicaSets: ResourceType;
  statefulSets: ResourceType;
  daemonSets: ResourceType;
  controllerRevisions: ResourceType;
  jobs: ResourceType;
  cronJobs: ResourceType;
  hpas: ResourceType;
  endpointSlices: ResourceType;
}

function need(registry: Registry, group: string, version: string, plural: string): ResourceType {
  const t = registry.lookup(group, version, plural);
  if (t === undefined)
    throw new Error(`the controllers need ${plural}.${group || 'core'}/${version} in the registry`);
  return t;
}

export function resolveResources(registry: Registry): Resources {
  return {
    namespaces: need(registry, '', 'v1', 'namespaces'),
    nodes: need(registry, '', 'v1', 'nodes'),
    pods: need(registry, '', 'v1', 'pods'),
    services: need(registry, '', 'v1', 'services'),
    endpoints: need(registry, '', 'v1', 'endpoints'),
    pvcs: need(registry, '', 'v1', 'persistentvolumeclaims'),
    deployments: need(registry, 'apps', 'v1', 'deployments'),
    replicaSets: need(registry, 'apps', 'v1', 'replicasets'),
    statefulSets: need(registry, 'apps', 'v1', 'statefulsets'),
    daemonSets: need(registry, 'apps', 'v1', 'daemonsets'),
    controllerRevisions: need(registry, 'apps', 'v1', 'controllerrevisions'),
    jobs: need(registry, 'batch', 'v1', 'jobs'),
    cronJobs: need(registry, 'batch', 'v1', 'cronjobs'),
    hpas: need(registry, 'autoscaling', 'v2', 'horizontalpodautoscalers'),
    endpointSlices: need(registry, 'discovery.k8s.io', 'v1', 'endpointslices'),
  };
}
