/**
 * Naming rules of the real server's OpenAPI documents: schema names are Go package paths plus the type
 * name (io.k8s.api.apps.v1.Deployment), operation ids glue verb, group, version and kind together
 * (patchAppsV1NamespacedDeployment). kubectl only cares that names are consistent, but people reading the
 * documents (and tools that diff them against a real cluster) expect the real spelling.
 */

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Pseudo group of the apimachinery meta types (ObjectMeta, Status, ...). */
export const META_GROUP = 'meta.apimachinery';

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

const PACKAGE_ROOTS: Readonly<Record<string, string>> = {
  [META_GROUP]: 'io.k8s.apimachinery.pkg.apis.meta',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
  'metrics.k8s.io': 'io.k8s.metrics.pkg.apis.metrics',
  '': 'io.k8s.api.core',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
  'flowcontrol.apiserver.k8s.io': 'io.k8s.api.flowcontrol',
  'internal.apiserver.k8s.io': 'io.k8s.api.apiserverinternal',
};

/** Go package of a built-in group version, e.g. ('apps', 'v1') → 'io.k8s.api.apps.v1'. */
export function packageName(group: string, version: string): string {
  const root = PACKAGE_ROOTS[group] ?? `io.k8s.api.${group.split('.')[0] ?? group}`;
  return `${root}.${version}`;
}

/**
 * Schema name the real server gives a custom resource: the group's domain reversed, then version and
 * kind ('stable.example.com', 'v1', 'CronTab' → 'com.example.stable.v1.CronTab').
 */
export function customSchemaName(gvk: Gvk): string {
  return `${gvk.group.split('.').reverse().join('.')}.${gvk.version}.${gvk.kind}`;
}

/** Well-known apimachinery schemas that have no client-node model class of their own. */
export const WELL_KNOWN = {
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  time: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  microTime: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
  fieldsV1: 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  patch: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  rawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  objectMeta: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  listMeta: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  deleteOptions: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  status: 'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  watchEvent: 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
} as const;

export function schemaRef(schemaName: string): string {
  return `${SCHEMA_REF_PREFIX}${schemaName}`;
}

/** 'v1beta1' → 'V1beta1', the version prefix of client-node class names. */
export function versionPrefix(version: string): string {
  return version.charAt(0).toUpperCase() + version.slice(1);
}

const CLASS_PREFIX_GROUPS: Readonly<Record<string, string>> = {
  Core: '',
  Admissionregistration: 'admissionregistration.k8s.io',
  Apiextensions: 'apiextensions.k8s.io',
  Apiregistration: 'apiregistration.k8s.io',
  Authentication: 'authentication.k8s.io',
  Discovery: 'discovery.k8s.io',
  Events: 'events.k8s.io',
  Flowcontrol: 'flowcontrol.apiserver.k8s.io',
  Rbac: 'rbac.authorization.k8s.io',
  Resource: 'resource.k8s.io',
  Storage: 'storage.k8s.io',
};

export interface ParsedClassName {
  /** Set when the class name spells its group (CoreV1Event, DiscoveryV1EndpointPort). */
  group: string | undefined;
  version: string;
  typeName: string;
}

const CLASS_NAME = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

/**
 * Splits a client-node class name into group hint, version and Go type name. The generator prefixes a
 * group only where two groups define the same type name, so most classes carry just the version.
 */
export function parseClassName(className: string): ParsedClassName | undefined {
  const m = CLASS_NAME.exec(className);
  if (m === null) return undefined;
  const [, prefix, version, typeName] = m;
  if (version === undefined || typeName === undefined) return undefined;
  const group = prefix === undefined ? undefined : CLASS_PREFIX_GROUPS[prefix];
  if (prefix !== undefined && group === undefined) return undefined;
  return { group, version: version.charAt(0).toLowerCase() + version.slice(1), typeName };
}

/** Candidate client-node class names of a kind, the group-prefixed spelling first. */
export function modelClassCandidates(gvk: Gvk): string[] {
  const version = versionPrefix(gvk.version);
  const prefix = Object.entries(CLASS_PREFIX_GROUPS).find(([, g]) => g === gvk.group)?.[0];
  const plain = `${version}${gvk.kind}`;
  return prefix === undefined ? [plain] : [`${prefix}${plain}`, plain];
}

/**
 * The group-version part of operation ids: 'apps','v1' → 'AppsV1'; '' → 'CoreV1';
 * 'rbac.authorization.k8s.io' → 'RbacAuthorizationV1'; 'stable.example.com' → 'StableExampleComV1'.
 */
export function operationGroupVersion(group: string, version: string): string {
  const base = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  const words = base.split(/[.-]/).filter((w) => w !== '');
  return words.map(capitalize).join('') + versionPrefix(version);
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Path key of a group version in the v3 index: 'api/v1', 'apis/apps/v1'. */
export function v3PathKey(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** URL prefix of a group version's resources: '/api/v1', '/apis/apps/v1'. */
export function apiPrefix(group: string, version: string): string {
  return `/${v3PathKey(group, version)}`;
}
