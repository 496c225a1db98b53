/**
 * Server-side Table conversion (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), so that kubectl
 * prints the sandbox's objects exactly as it prints a real cluster's. Columns and cells follow the real
 * kube-apiserver 1.32: its built-in printers, the CRD additionalPrinterColumns convertor, and the generic
 * NAME / CREATED AT table for everything else.
 */
import type { ResourceType } from './registry';
import type { JsonObject, KObject } from './types';
import { toJsonObject } from './tables/json';
import type { Printer, RowCondition } from './tables/columns';
import { HORIZONTAL_POD_AUTOSCALER } from './tables/autoscaling';
import {
  CLUSTER_ROLE_BINDING,
  CONFIG_MAP,
  EVENT,
  LEASE,
  NAMESPACE,
  NODE,
  PERSISTENT_VOLUME,
  PERSISTENT_VOLUME_CLAIM,
  RESOURCE_QUOTA,
  ROLE_BINDING,
  SECRET,
  SERVICE_ACCOUNT,
  STORAGE_CLASS,
} from './tables/cluster';
import { DEFAULT_PRINTER, customResourcePrinter } from './tables/custom';
import { metricsPrinter } from './tables/metrics';
import { ENDPOINTS, ENDPOINT_SLICE, INGRESS, INGRESS_CLASS, NETWORK_POLICY, SERVICE } from './tables/network';
import { POD } from './tables/pod';
import {
  CONTROLLER_REVISION,
  CRON_JOB,
  DAEMON_SET,
  DEPLOYMENT,
  JOB,
  POD_DISRUPTION_BUDGET,
  REPLICA_SET,
  REPLICATION_CONTROLLER,
  STATEFUL_SET,
} from './tables/workloads';

export { humanDuration } from './tables/format';
export type { Cell, ColumnDefinition, Printer, RowCondition } from './tables/columns';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** Wall-clock milliseconds that ages are measured against. */
  now: number;
  /** What each row carries besides its cells; kubectl asks for Metadata unless it must sort by a field. */
  includeObject: IncludeObject;
  /** For list requests; omitted for a single-object get, whose own resourceVersion is used instead. */
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

/**
 * Built-in printers by "group/Kind". Roles, ClusterRoles, LimitRanges and CustomResourceDefinitions are
 * absent on purpose: the real server has no printer for them and serves the generic table.
 */
const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ['/Pod', POD],
  ['/Service', SERVICE],
  ['/Endpoints', ENDPOINTS],
  ['/Node', NODE],
  ['/Namespace', NAMESPACE],
  ['/Event', EVENT],
  ['/ConfigMap', CONFIG_MAP],
  ['/Secret', SECRET],
  ['/ServiceAccount', SERVICE_ACCOUNT],
  ['/PersistentVolume', PERSISTENT_VOLUME],
  ['/PersistentVolumeClaim', PERSISTENT_VOLUME_CLAIM],
  ['/ReplicationController', REPLICATION_CONTROLLER],
  ['/ResourceQuota', RESOURCE_QUOTA],
  ['apps/Deployment', DEPLOYMENT],
  ['apps/ReplicaSet', REPLICA_SET],
  ['apps/StatefulSet', STATEFUL_SET],
  ['apps/DaemonSet', DAEMON_SET],
  ['apps/ControllerRevision', CONTROLLER_REVISION],
  ['batch/Job', JOB],
  ['batch/CronJob', CRON_JOB],
  ['autoscaling/HorizontalPodAutoscaler', HORIZONTAL_POD_AUTOSCALER],
  ['networking.k8s.io/Ingress', INGRESS],
  ['networking.k8s.io/IngressClass', INGRESS_CLASS],
  ['networking.k8s.io/NetworkPolicy', NETWORK_POLICY],
  ['discovery.k8s.io/EndpointSlice', ENDPOINT_SLICE],
  ['policy/PodDisruptionBudget', POD_DISRUPTION_BUDGET],
  ['rbac.authorization.k8s.io/RoleBinding', ROLE_BINDING],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', CLUSTER_ROLE_BINDING],
  ['storage.k8s.io/StorageClass', STORAGE_CLASS],
  ['coordination.k8s.io/Lease', LEASE],
]);

/**
 * The printer serving a resource type: its CRD's columns, metrics-server's layout for resource metrics (whose
 * columns depend on the objects listed), a built-in printer, or the generic table.
 */
export function printerFor(type: ResourceType, objects: readonly KObject[] = []): Printer {
  if (type.crd !== undefined) return customResourcePrinter(type.crd.printerColumns);
  if (type.group === 'metrics.k8s.io' && (type.kind === 'PodMetrics' || type.kind === 'NodeMetrics')) {
    return metricsPrinter(type.kind, objects);
  }
  return PRINTERS.get(`${type.group}/${type.kind}`) ?? DEFAULT_PRINTER;
}

/** Converts objects of one type into a meta.k8s.io/v1 Table. */
export function toTable(type: ResourceType, objects: KObject[], opts: TableOptions): JsonObject {
  const printer = printerFor(type, objects);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: tableMeta(objects, opts),
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows: objects.map((obj) => tableRow(printer, obj, opts)),
  };
}

/** ListMeta of the table; like Go's omitempty, empty fields are left out. */
function tableMeta(objects: readonly KObject[], opts: TableOptions): JsonObject {
  const meta: JsonObject = {};
  const single = objects.length === 1 ? objects[0] : undefined;
  const resourceVersion = opts.listMeta ? opts.listMeta.resourceVersion : single?.metadata.resourceVersion;
  if (resourceVersion) meta['resourceVersion'] = resourceVersion;
  if (opts.listMeta?.continue) meta['continue'] = opts.listMeta.continue;
  if (opts.listMeta?.remainingItemCount !== undefined)
    meta['remainingItemCount'] = opts.listMeta.remainingItemCount;
  return meta;
}

function tableRow(printer: Printer, obj: KObject, opts: TableOptions): JsonObject {
  const row: JsonObject = { cells: printer.cells(obj, opts.now) };
  const conditions: RowCondition[] | undefined = printer.conditions?.(obj);
  if (conditions !== undefined) row['conditions'] = conditions.map((c) => ({ ...c }));
  const object = rowObject(obj, opts.includeObject);
  if (object !== undefined) row['object'] = object;
  return row;
}

/**
 * The row's object: the whole object, just its metadata wrapped as PartialObjectMetadata (the default), or
 * nothing. Copies are returned so that callers can never mutate the store through a table.
 */
function rowObject(obj: KObject, include: IncludeObject): JsonObject | undefined {
  switch (include) {
    case 'None':
      return undefined;
    case 'Object':
      return toJsonObject(obj);
    case 'Metadata':
      return {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: toJsonObject(obj.metadata),
      };
  }
}
