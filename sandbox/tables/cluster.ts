/** Printers for core configuration, storage, node, event, RBAC and coordination kinds. */
import type { KObject } from '../types';
import { AGE, NAME, column, nameOf, wide, type Cell, type Printer } from './columns';
import { DOC } from './docs';
import { compareStrings, get, keyCount, list, nonEmpty, num, record, str } from './json';
import { parseTime, humanDuration, quantity, since, sortedSet } from './format';

function age(obj: KObject, now: number): string {
  return since(obj.metadata.creationTimestamp, now);
}

export const NAMESPACE: Printer = {
  columns: [NAME, column('Status', 'string', 'The status of the namespace'), AGE],
  // Defaulting marks every namespace Active until deletion starts, so an unset phase reads Active.
  cells: (obj, now) => [nameOf(obj), nonEmpty(obj, 'status', 'phase') ?? 'Active', age(obj, now)],
};

export const CONFIG_MAP: Printer = {
  columns: [NAME, column('Data', 'string', DOC['core/v1.ConfigMap.data']), AGE],
  cells: (obj, now) => [nameOf(obj), keyCount(obj, 'data') + keyCount(obj, 'binaryData'), age(obj, now)],
};

export const SECRET: Printer = {
  columns: [
    NAME,
    column('Type', 'string', DOC['core/v1.Secret.type']),
    column('Data', 'string', DOC['core/v1.Secret.data']),
    AGE,
  ],
  cells: (obj, now) => [nameOf(obj), nonEmpty(obj, 'type') ?? 'Opaque', keyCount(obj, 'data'), age(obj, now)],
};

export const SERVICE_ACCOUNT: Printer = {
  columns: [NAME, column('Secrets', 'string', DOC['core/v1.ServiceAccount.secrets']), AGE],
  cells: (obj, now) => [nameOf(obj), list(obj, 'secrets').length, age(obj, now)],
};

/** Only the Ready condition counts: Ready, NotReady or Unknown, plus SchedulingDisabled when cordoned. */
function nodeStatus(node: KObject): string {
  const ready = list(node, 'status', 'conditions').findLast((c) => str(c, 'type') === 'Ready');
  const status = [ready === undefined ? 'Unknown' : str(ready, 'status') === 'True' ? 'Ready' : 'NotReady'];
  if (get(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** Roles from node-role.kubernetes.io/<role> label keys and the legacy kubernetes.io/role value. */
function nodeRoles(node: KObject): string {
  const roles: string[] = [];
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length)
      roles.push(key.slice(ROLE_PREFIX.length));
    else if (key === 'kubernetes.io/role' && value !== '') roles.push(value);
  }
  return sortedSet(roles).join(',') || '<none>';
}

function nodeAddress(node: KObject, type: string): string {
  const found = list(node, 'status', 'addresses').find((a) => str(a, 'type') === type);
  return str(found, 'address') ?? '<none>';
}

function nodeInfo(node: KObject, field: string): string {
  return nonEmpty(node, 'status', 'nodeInfo', field) ?? '<unknown>';
}

export const NODE: Printer = {
  columns: [
    NAME,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    AGE,
    column('Version', 'string', DOC['core/v1.NodeSystemInfo.kubeletVersion']),
    wide('Internal-IP', 'string', DOC['core/v1.NodeStatus.addresses']),
    wide('External-IP', 'string', DOC['core/v1.NodeStatus.addresses']),
    wide('OS-Image', 'string', DOC['core/v1.NodeSystemInfo.osImage']),
    wide('Kernel-Version', 'string', DOC['core/v1.NodeSystemInfo.kernelVersion']),
    wide('Container-Runtime', 'string', DOC['core/v1.NodeSystemInfo.containerRuntimeVersion']),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    nodeStatus(obj),
    nodeRoles(obj),
    age(obj, now),
    str(obj, 'status', 'nodeInfo', 'kubeletVersion') ?? '',
    nodeAddress(obj, 'InternalIP'),
    nodeAddress(obj, 'ExternalIP'),
    nodeInfo(obj, 'osImage'),
    nodeInfo(obj, 'kernelVersion'),
    nodeInfo(obj, 'containerRuntimeVersion'),
  ],
};

/** An age, or "<unknown>" for a zero time; events mix second-precision and micro-precision stamps. */
function eventAge(timestamp: unknown, now: number): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

interface EventTiming {
  first: string;
  last: string;
  count: number;
}

/**
 * FIRST SEEN falls back to eventTime for events written through the new events API; LAST SEEN falls back to
 * FIRST SEEN; a series overrides both LAST SEEN and COUNT; singleton events have no count and show 1.
 */
function eventTiming(ev: KObject, now: number): EventTiming {
  const firstStamp = get(ev, 'firstTimestamp');
  const first = eventAge(parseTime(firstStamp) === undefined ? get(ev, 'eventTime') : firstStamp, now);
  const lastStamp = get(ev, 'lastTimestamp');
  let last = parseTime(lastStamp) === undefined ? first : eventAge(lastStamp, now);
  let count = num(ev, 'count') ?? 0;
  const series = record(ev, 'series');
  if (series !== undefined) {
    last = eventAge(get(series, 'lastObservedTime'), now);
    count = num(series, 'count') ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  return { first, last, count };
}

/** "kind/name" of the involved object, lower-casing the kind. */
function eventTarget(ev: KObject): string {
  const kind = (str(ev, 'involvedObject', 'kind') ?? '').toLowerCase();
  const name = nonEmpty(ev, 'involvedObject', 'name');
  return name === undefined ? kind : `${kind}/${name}`;
}

/** "component, host", preferring the legacy source and falling back to the reporting fields. */
function eventSource(ev: KObject): string {
  const component = nonEmpty(ev, 'source', 'component') ?? str(ev, 'reportingComponent') ?? '';
  const instance = nonEmpty(ev, 'source', 'host') ?? str(ev, 'reportingInstance') ?? '';
  return instance === '' ? component : `${component}, ${instance}`;
}

export const EVENT: Printer = {
  columns: [
    column('Last Seen', 'string', DOC['core/v1.Event.lastTimestamp']),
    column('Type', 'string', DOC['core/v1.Event.type']),
    column('Reason', 'string', DOC['core/v1.Event.reason']),
    column('Object', 'string', DOC['core/v1.Event.involvedObject']),
    wide('Subobject', 'string', DOC['core/v1.ObjectReference.fieldPath']),
    wide('Source', 'string', DOC['core/v1.Event.source']),
    column('Message', 'string', DOC['core/v1.Event.message']),
    wide('First Seen', 'string', DOC['core/v1.Event.firstTimestamp']),
    wide('Count', 'string', DOC['core/v1.Event.count']),
    column('Name', 'string', DOC['meta/v1.ObjectMeta.name'], { priority: 1, format: 'name' }),
  ],
  cells: (obj, now): Cell[] => {
    const timing = eventTiming(obj, now);
    return [
      timing.last,
      str(obj, 'type') ?? '',
      str(obj, 'reason') ?? '',
      eventTarget(obj),
      str(obj, 'involvedObject', 'fieldPath') ?? '',
      eventSource(obj),
      (str(obj, 'message') ?? '').trim(),
      timing.first,
      timing.count,
      nameOf(obj),
    ];
  },
};

const ACCESS_MODES: readonly [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** Abbreviated access modes in a fixed order regardless of how they were listed. */
function accessModes(modes: readonly unknown[]): string {
  return ACCESS_MODES.filter(([mode]) => modes.includes(mode))
    .map(([, short]) => short)
    .join(',');
}

const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** The storage class, where the legacy beta annotation still wins over the spec field. */
function storageClass(obj: KObject): string {
  return obj.metadata.annotations?.[BETA_CLASS_ANNOTATION] ?? str(obj, 'spec', 'storageClassName') ?? '';
}

/** PV/PVC phase, which reads Terminating once deletion has begun; unset phases are the default Pending. */
function volumePhase(obj: KObject): string {
  if (obj.metadata.deletionTimestamp !== undefined) return 'Terminating';
  return nonEmpty(obj, 'status', 'phase') ?? 'Pending';
}

function claimRef(pv: KObject): string {
  const ref = record(pv, 'spec', 'claimRef');
  return ref === undefined ? '' : `${str(ref, 'namespace') ?? ''}/${str(ref, 'name') ?? ''}`;
}

export const PERSISTENT_VOLUME: Printer = {
  columns: [
    NAME,
    column('Capacity', 'string', DOC['core/v1.PersistentVolumeSpec.capacity']),
    column('Access Modes', 'string', DOC['core/v1.PersistentVolumeSpec.accessModes']),
    column('Reclaim Policy', 'string', DOC['core/v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy']),
    column('Status', 'string', DOC['core/v1.PersistentVolumeStatus.phase']),
    column('Claim', 'string', DOC['core/v1.PersistentVolumeSpec.claimRef']),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', DOC['core/v1.PersistentVolumeStatus.reason']),
    AGE,
    wide('VolumeMode', 'string', DOC['core/v1.PersistentVolumeSpec.volumeMode']),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    quantity(get(obj, 'spec', 'capacity', 'storage'), '0'),
    accessModes(list(obj, 'spec', 'accessModes')),
    nonEmpty(obj, 'spec', 'persistentVolumeReclaimPolicy') ?? 'Retain',
    volumePhase(obj),
    claimRef(obj),
    storageClass(obj),
    str(obj, 'spec', 'volumeAttributesClassName') ?? '<unset>',
    str(obj, 'status', 'reason') ?? '',
    age(obj, now),
    str(obj, 'spec', 'volumeMode') ?? '<unset>',
  ],
};

/** Capacity and access modes come from status, and only once the claim is bound to a volume. */
function boundClaimCells(pvc: KObject): [capacity: string, modes: string] {
  if (nonEmpty(pvc, 'spec', 'volumeName') === undefined) return ['', ''];
  return [
    quantity(get(pvc, 'status', 'capacity', 'storage'), '0'),
    accessModes(list(pvc, 'status', 'accessModes')),
  ];
}

export const PERSISTENT_VOLUME_CLAIM: Printer = {
  columns: [
    NAME,
    column('Status', 'string', DOC['core/v1.PersistentVolumeClaimStatus.phase']),
    column('Volume', 'string', DOC['core/v1.PersistentVolumeClaimSpec.volumeName']),
    column('Capacity', 'string', DOC['core/v1.PersistentVolumeClaimStatus.capacity']),
    column('Access Modes', 'string', DOC['core/v1.PersistentVolumeClaimStatus.accessModes']),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    wide('VolumeMode', 'string', DOC['core/v1.PersistentVolumeClaimSpec.volumeMode']),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    volumePhase(obj),
    str(obj, 'spec', 'volumeName') ?? '',
    ...boundClaimCells(obj),
    storageClass(obj),
    str(obj, 'spec', 'volumeAttributesClassName') ?? '<unset>',
    age(obj, now),
    str(obj, 'spec', 'volumeMode') ?? '<unset>',
  ],
};

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

export const STORAGE_CLASS: Printer = {
  columns: [
    NAME,
    column('Provisioner', 'string', DOC['storage/v1.StorageClass.provisioner']),
    column('ReclaimPolicy', 'string', DOC['storage/v1.StorageClass.reclaimPolicy']),
    column('VolumeBindingMode', 'string', DOC['storage/v1.StorageClass.volumeBindingMode']),
    column('AllowVolumeExpansion', 'string', DOC['storage/v1.StorageClass.allowVolumeExpansion']),
    AGE,
  ],
  cells: (obj, now) => {
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => obj.metadata.annotations?.[a] === 'true');
    return [
      isDefault ? `${nameOf(obj)} (default)` : nameOf(obj),
      str(obj, 'provisioner') ?? '',
      str(obj, 'reclaimPolicy') ?? 'Delete',
      str(obj, 'volumeBindingMode') ?? 'Immediate',
      get(obj, 'allowVolumeExpansion') === true,
      age(obj, now),
    ];
  },
};

export const LEASE: Printer = {
  columns: [NAME, column('Holder', 'string', DOC['coordination/v1.LeaseSpec.holderIdentity']), AGE],
  cells: (obj, now) => [nameOf(obj), str(obj, 'spec', 'holderIdentity') ?? '', age(obj, now)],
};

/** Users, groups and "namespace/name" service accounts, each joined with ", ". */
function subjectColumns(binding: KObject): [users: string, groups: string, serviceAccounts: string] {
  const users: string[] = [];
  const groups: string[] = [];
  const accounts: string[] = [];
  for (const subject of list(binding, 'subjects')) {
    const name = str(subject, 'name') ?? '';
    const kind = str(subject, 'kind');
    if (kind === 'User') users.push(name);
    else if (kind === 'Group') groups.push(name);
    else if (kind === 'ServiceAccount') accounts.push(`${str(subject, 'namespace') ?? ''}/${name}`);
  }
  return [users.join(', '), groups.join(', '), accounts.join(', ')];
}

function bindingPrinter(scope: 'roleBinding' | 'clusterRoleBinding', roleDoc: string): Printer {
  return {
    columns: [
      NAME,
      column('Role', 'string', roleDoc),
      AGE,
      wide('Users', 'string', `Users in the ${scope}`),
      wide('Groups', 'string', `Groups in the ${scope}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${scope}`),
    ],
    cells: (obj, now) => [
      nameOf(obj),
      `${str(obj, 'roleRef', 'kind') ?? ''}/${str(obj, 'roleRef', 'name') ?? ''}`,
      age(obj, now),
      ...subjectColumns(obj),
    ],
  };
}

export const ROLE_BINDING = bindingPrinter('roleBinding', DOC['rbac/v1beta1.RoleBinding.roleRef']);
export const CLUSTER_ROLE_BINDING = bindingPrinter(
  'clusterRoleBinding',
  DOC['rbac/v1beta1.ClusterRoleBinding.roleRef'],
);

/**
 * "resource: used/hard" for every hard limit, sorted by resource name; "limits.*" resources go to the LIMIT
 * column and everything else to REQUEST.
 */
function quotaColumns(quota: KObject): [request: string, limit: string] {
  const hard = record(quota, 'status', 'hard') ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const resource of Object.keys(hard).sort(compareStrings)) {
    const used = quantity(get(quota, 'status', 'used', resource), '0');
    const pieces = resource.split('.');
    const target = pieces.length > 1 && pieces[0] === 'limits' ? limit : request;
    target.push(`${resource}: ${used}/${quantity(hard[resource], '0')}`);
  }
  return [request.join(', '), limit.join(', ')];
}

export const RESOURCE_QUOTA: Printer = {
  columns: [
    NAME,
    column(
      'Request',
      'string',
      'Request represents a minimum amount of cpu/memory that a container may consume.',
    ),
    column(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
    AGE,
  ],
  cells: (obj, now) => [nameOf(obj), ...quotaColumns(obj), age(obj, now)],
};
