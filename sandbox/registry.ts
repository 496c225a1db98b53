/**
 * The resource types the sandbox serves: built-in kinds plus the ones CRDs register at run time.
 * Discovery, routing, tables and OpenAPI all read this one table.
 */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural, the URL segment. */
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames: readonly string[];
  categories: readonly string[];
  /** Subresources served under the object, e.g. 'status', 'scale', 'log'. */
  subresources: readonly string[];
  /** For CRDs: the printer columns and schema of the served version. */
  crd?: CrdVersionInfo;
}

export interface CrdPrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface CrdVersionInfo {
  printerColumns: CrdPrinterColumn[];
  schema?: unknown;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const READ_VERBS = ['get', 'list'];

interface Spec {
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  verbs?: string[];
}

function groupTypes(group: string, version: string, specs: Spec[]): ResourceType[] {
  return specs.map((s) => ({
    group,
    version,
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    namespaced: s.namespaced,
    verbs: s.verbs ?? ALL_VERBS,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    subresources: s.subresources ?? [],
  }));
}

const ALL = ['all'];

export const BUILTIN_TYPES: readonly ResourceType[] = [
  ...groupTypes('', 'v1', [
    {
      kind: 'Namespace',
      plural: 'namespaces',
      namespaced: false,
      shortNames: ['ns'],
      subresources: ['status', 'finalize'],
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
    {
      kind: 'Node',
      plural: 'nodes',
      namespaced: false,
      shortNames: ['no'],
      subresources: ['status', 'proxy'],
    },
    {
      kind: 'Pod',
      plural: 'pods',
      namespaced: true,
      shortNames: ['po'],
      categories: ALL,
      subresources: [
        'status',
        'log',
        'portforward',
        'proxy',
        'exec',
        'attach',
        'eviction',
        'binding',
        'ephemeralcontainers',
      ],
    },
    {
      kind: 'Service',
      plural: 'services',
      namespaced: true,
      shortNames: ['svc'],
      categories: ALL,
      subresources: ['status', 'proxy'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    },
    { kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
    { kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
    { kind: 'Secret', plural: 'secrets', namespaced: true },
    {
      kind: 'ServiceAccount',
      plural: 'serviceaccounts',
      namespaced: true,
      shortNames: ['sa'],
      subresources: ['token'],
    },
    { kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
    {
      kind: 'PersistentVolumeClaim',
      plural: 'persistentvolumeclaims',
      namespaced: true,
      shortNames: ['pvc'],
      subresources: ['status'],
    },
    {
      kind: 'PersistentVolume',
      plural: 'persistentvolumes',
      namespaced: false,
      shortNames: ['pv'],
      subresources: ['status'],
    },
    {
      kind: 'ReplicationController',
      plural: 'replicationcontrollers',
      namespaced: true,
      shortNames: ['rc'],
      categories: ALL,
      subresources: ['status', 'scale'],
    },
    {
      kind: 'ResourceQuota',
      plural: 'resourcequotas',
      namespaced: true,
      shortNames: ['quota'],
      subresources: ['status'],
    },
    { kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
  ]),
  ...groupTypes('apps', 'v1', [
    {
      kind: 'Deployment',
      plural: 'deployments',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ALL,
      subresources: ['status', 'scale'],
    },
    {
      kind: 'ReplicaSet',
      plural: 'replicasets',
      namespaced: true,
      shortNames: ['rs'],
      categories: ALL,
      subresources: ['status', 'scale'],
    },
    {
      kind: 'StatefulSet',
      plural: 'statefulsets',
      namespaced: true,
      shortNames: ['sts'],
      categories: ALL,
      subresources: ['status', 'scale'],
    },
    {
      kind: 'DaemonSet',
      plural: 'daemonsets',
      namespaced: true,
      shortNames: ['ds'],
      categories: ALL,
      subresources: ['status'],
    },
    { kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
  ]),
  ...groupTypes('batch', 'v1', [
    { kind: 'Job', plural: 'jobs', namespaced: true, categories: ALL, subresources: ['status'] },
    {
      kind: 'CronJob',
      plural: 'cronjobs',
      namespaced: true,
      shortNames: ['cj'],
      categories: ALL,
      subresources: ['status'],
    },
  ]),
  ...groupTypes('autoscaling', 'v2', [
    {
      kind: 'HorizontalPodAutoscaler',
      plural: 'horizontalpodautoscalers',
      namespaced: true,
      shortNames: ['hpa'],
      categories: ALL,
      subresources: ['status'],
    },
  ]),
  ...groupTypes('networking.k8s.io', 'v1', [
    { kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: ['status'] },
    { kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
    { kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'] },
  ]),
  ...groupTypes('discovery.k8s.io', 'v1', [
    { kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
  ]),
  ...groupTypes('policy', 'v1', [
    {
      kind: 'PodDisruptionBudget',
      plural: 'poddisruptionbudgets',
      namespaced: true,
      shortNames: ['pdb'],
      subresources: ['status'],
    },
  ]),
  ...groupTypes('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role', plural: 'roles', namespaced: true },
    { kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
    { kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
    { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  ]),
  ...groupTypes('apiextensions.k8s.io', 'v1', [
    {
      kind: 'CustomResourceDefinition',
      plural: 'customresourcedefinitions',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      subresources: ['status'],
    },
  ]),
  ...groupTypes('storage.k8s.io', 'v1', [
    { kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'] },
  ]),
  ...groupTypes('coordination.k8s.io', 'v1', [{ kind: 'Lease', plural: 'leases', namespaced: true }]),
  ...groupTypes('authorization.k8s.io', 'v1', [
    {
      kind: 'SelfSubjectAccessReview',
      plural: 'selfsubjectaccessreviews',
      namespaced: false,
      verbs: ['create'],
    },
    {
      kind: 'SelfSubjectRulesReview',
      plural: 'selfsubjectrulesreviews',
      namespaced: false,
      verbs: ['create'],
    },
  ]),
  ...groupTypes('metrics.k8s.io', 'v1beta1', [
    { kind: 'PodMetrics', plural: 'pods', namespaced: true, verbs: READ_VERBS },
    { kind: 'NodeMetrics', plural: 'nodes', namespaced: false, verbs: READ_VERBS },
  ]),
];

export function groupVersion(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** Store key of a type: 'apps/deployments', 'core/pods'. Versions of one group share storage. */
export function typeKey(t: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${t.group === '' ? 'core' : t.group}/${t.plural}`;
}

/** Mutable table: CRDs add and remove types while the server runs. */
export class Registry {
  private readonly types = new Map<string, ResourceType>();
  private readonly changeListeners = new Set<() => void>();

  constructor(initial: readonly ResourceType[] = BUILTIN_TYPES) {
    for (const t of initial) this.types.set(this.key(t.group, t.version, t.plural), t);
  }

  private key(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(this.key(group, version, plural));
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.all().find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** Group versions in discovery order, each group's preferred version first. */
  groups(): { group: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const versions = out.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      out.set(t.group, versions);
    }
    return [...out.entries()].map(([group, versions]) => ({ group, versions }));
  }

  add(t: ResourceType): void {
    this.types.set(this.key(t.group, t.version, t.plural), t);
    this.emitChange();
  }

  remove(group: string, plural: string): void {
    for (const [k, t] of this.types) if (t.group === group && t.plural === plural) this.types.delete(k);
    this.emitChange();
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private emitChange(): void {
    for (const l of this.changeListeners) l();
  }
}
