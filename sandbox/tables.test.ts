import { strict as assert } from 'node:assert';
import { BUILTIN_TYPES, type CrdPrinterColumn, type ResourceType } from './registry';
import { humanDuration, toTable, type TableOptions } from './tables';
import { get, list, str } from './tables/json';
import { JsonPath, JsonPathError } from './tables/jsonpath';
import { formatGoDuration, parseGoDuration } from './tables/metrics';
import { formatQuantity, parseQuantity } from './quantity';
import type { JsonObject, KObject, ObjectMeta } from './types';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An RFC 3339 timestamp `ms` before NOW, at the second precision the API uses. */
function ago(ms: number): string {
  return new Date(NOW - ms).toISOString().replace('.000Z', 'Z');
}

function typeOf(kind: string): ResourceType {
  const found = BUILTIN_TYPES.find((t) => t.kind === kind);
  assert.ok(found, `no built-in type ${kind}`);
  return found;
}

function obj(
  apiVersion: string,
  kind: string,
  name: string,
  body: Record<string, unknown> = {},
  meta: Partial<ObjectMeta> = {},
): KObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: ago(5 * MINUTE),
      resourceVersion: '7',
      ...meta,
    },
    ...body,
  };
}

function table(type: ResourceType, objects: KObject[], opts: Partial<TableOptions> = {}): JsonObject {
  return toTable(type, objects, {
    now: NOW,
    includeObject: 'Metadata',
    listMeta: { resourceVersion: '42' },
    ...opts,
  });
}

function columnNames(t: JsonObject): (string | undefined)[] {
  return list(t, 'columnDefinitions').map((c) => str(c, 'name'));
}

/** Column names kubectl shows without -o wide (priority 0). */
function narrowNames(t: JsonObject): (string | undefined)[] {
  return list(t, 'columnDefinitions')
    .filter((c) => get(c, 'priority') === 0)
    .map((c) => str(c, 'name'));
}

function cells(t: JsonObject, row = 0): unknown[] {
  return [...list(t, 'rows', row, 'cells')];
}

/** The cell of the first row under the named column. */
function cell(t: JsonObject, name: string, row = 0): unknown {
  const index = columnNames(t).indexOf(name);
  assert.ok(index >= 0, `no column ${name} in ${columnNames(t).join(', ')}`);
  return cells(t, row)[index];
}

function printRow(kind: string, o: KObject): unknown[] {
  return cells(table(typeOf(kind), [o]));
}

describe('humanDuration', () => {
  it('follows HumanDuration unit boundaries (s below 2m, m+s below 10m, h+m below 8h, d+h below 8d, y+d below 8y)', () => {
    const cases: [number, string][] = [
      [-2 * SECOND, '<invalid>'],
      [-1500, '0s'],
      [0, '0s'],
      [5 * SECOND, '5s'],
      [119 * SECOND, '119s'],
      [2 * MINUTE, '2m'],
      [3 * MINUTE + 20 * SECOND, '3m20s'],
      [9 * MINUTE + 59 * SECOND, '9m59s'],
      [10 * MINUTE + 30 * SECOND, '10m'],
      [179 * MINUTE, '179m'],
      [3 * HOUR, '3h'],
      [3 * HOUR + 5 * MINUTE, '3h5m'],
      [8 * HOUR + 30 * MINUTE, '8h'],
      [47 * HOUR, '47h'],
      [2 * DAY + 3 * HOUR, '2d3h'],
      [3 * DAY, '3d'],
      [8 * DAY + 5 * HOUR, '8d'],
      [45 * DAY, '45d'],
      [729 * DAY, '729d'],
      [730 * DAY, '2y'],
      [740 * DAY, '2y10d'],
      [8 * 365 * DAY + 100 * DAY, '8y'],
    ];
    for (const [ms, expected] of cases) assert.equal(humanDuration(ms), expected, `${ms}ms`);
  });
});

describe('toTable envelope', () => {
  const cm = obj('v1', 'ConfigMap', 'settings', { data: { a: '1' } });

  it('is a meta.k8s.io/v1 Table carrying the list resourceVersion and continue token', () => {
    const t = table(typeOf('ConfigMap'), [cm], { listMeta: { resourceVersion: '42', continue: 'abc' } });
    assert.equal(t['kind'], 'Table');
    assert.equal(t['apiVersion'], 'meta.k8s.io/v1');
    assert.deepEqual(t['metadata'], { resourceVersion: '42', continue: 'abc' });
  });

  it('uses the object resourceVersion for a single-object get without list metadata', () => {
    const t = toTable(typeOf('ConfigMap'), [cm], { now: NOW, includeObject: 'None' });
    assert.deepEqual(t['metadata'], { resourceVersion: '7' });
  });

  it('writes every column definition field, including empty format and zero priority', () => {
    const t = table(typeOf('ConfigMap'), [cm]);
    const first = list(t, 'columnDefinitions')[0];
    assert.deepEqual(Object.keys(first as object).sort(), [
      'description',
      'format',
      'name',
      'priority',
      'type',
    ]);
    assert.equal(get(t, 'columnDefinitions', 1, 'format'), '');
    assert.equal(get(t, 'columnDefinitions', 1, 'priority'), 0);
  });

  it('wraps metadata as PartialObjectMetadata for includeObject=Metadata', () => {
    const row = get(table(typeOf('ConfigMap'), [cm]), 'rows', 0, 'object');
    assert.deepEqual(row, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: cm.metadata,
    });
  });

  it('embeds a copy of the full object for includeObject=Object', () => {
    const t = table(typeOf('ConfigMap'), [cm], { includeObject: 'Object' });
    const row = get(t, 'rows', 0, 'object');
    assert.deepEqual(row, cm);
    assert.notEqual(row, cm);
  });

  it('omits the row object for includeObject=None', () => {
    const t = table(typeOf('ConfigMap'), [cm], { includeObject: 'None' });
    assert.equal(get(t, 'rows', 0, 'object'), undefined);
  });

  it('gives an empty list a table with headers and no rows', () => {
    const t = table(typeOf('Pod'), []);
    assert.deepEqual(list(t, 'rows'), []);
    assert.equal(columnNames(t)[0], 'Name');
  });
});

function podObject(
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  meta: Partial<ObjectMeta> = {},
) {
  return obj(
    'v1',
    'Pod',
    'web-1',
    { spec: { containers: [{ name: 'app', image: 'web:1' }], nodeName: 'node-a', ...spec }, status },
    meta,
  );
}

const RUNNING = { running: { startedAt: ago(4 * MINUTE) } };

describe('Pod table', () => {
  it('has NAME READY STATUS RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES at priority 1', () => {
    const t = table(typeOf('Pod'), []);
    assert.deepEqual(narrowNames(t), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    assert.deepEqual(columnNames(t).slice(5), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.equal(get(t, 'columnDefinitions', 3, 'type'), 'string');
  });

  it('shows a running ready pod with its IP and node', () => {
    const pod = podObject({
      phase: 'Running',
      podIP: '10.1.0.5',
      podIPs: [{ ip: '10.1.0.5' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: RUNNING }],
    });
    assert.deepEqual(printRow('Pod', pod), [
      'web-1',
      '1/1',
      'Running',
      '0',
      '5m',
      '10.1.0.5',
      'node-a',
      '<none>',
      '<none>',
    ]);
  });

  it('a crash-looping pod shows CrashLoopBackOff and restarts with last restart age', () => {
    const pod = podObject({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(20 * SECOND) } },
        },
      ],
    });
    const row = printRow('Pod', pod);
    assert.deepEqual(row.slice(1, 4), ['0/1', 'CrashLoopBackOff', '3 (20s ago)']);
  });

  it('reports a terminated container without a reason by exit code or signal', () => {
    const exit = podObject({
      phase: 'Running',
      containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 137 } } }],
    });
    const signal = podObject({
      phase: 'Running',
      containerStatuses: [{ name: 'app', state: { terminated: { signal: 9 } } }],
    });
    assert.equal(printRow('Pod', exit)[2], 'ExitCode:137');
    assert.equal(printRow('Pod', signal)[2], 'Signal:9');
  });

  it('a pod still running its init containers shows Init:done/total', () => {
    const pod = podObject(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'migrate', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'seed', state: RUNNING },
        ],
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
      },
      { initContainers: [{ name: 'migrate' }, { name: 'seed' }] },
    );
    assert.deepEqual(printRow('Pod', pod).slice(1, 4), ['0/1', 'Init:1/2', '0']);
  });

  it('a failing init container shows Init: plus its waiting or terminated reason', () => {
    const spec = { initContainers: [{ name: 'migrate' }] };
    const waiting = podObject(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'migrate', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
      spec,
    );
    const failed = podObject(
      {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 2, reason: 'Error' } } }],
      },
      spec,
    );
    const noReason = podObject(
      {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 3 } } }],
      },
      spec,
    );
    assert.deepEqual(printRow('Pod', waiting).slice(2, 4), ['Init:CrashLoopBackOff', '2']);
    assert.equal(printRow('Pod', failed)[2], 'Init:Error');
    assert.equal(printRow('Pod', noReason)[2], 'Init:ExitCode:3');
  });

  it('counts a started sidecar (restartable init container) towards READY and its restarts', () => {
    const pod = podObject(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          { name: 'proxy', ready: true, started: true, restartCount: 1, state: RUNNING },
        ],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: RUNNING }],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    assert.deepEqual(printRow('Pod', pod).slice(1, 4), ['2/2', 'Running', '1']);
  });

  it('a finished pod shows Completed and carries a Completed row condition', () => {
    const pod = podObject({
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
    const t = table(typeOf('Pod'), [pod]);
    assert.equal(cell(t, 'Status'), 'Completed');
    assert.deepEqual(get(t, 'rows', 0, 'conditions'), [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
  });

  it('a pod whose other container still runs reads Running or NotReady rather than Completed', () => {
    const statuses = [
      { name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'side', ready: true, state: RUNNING },
    ];
    const ready = podObject({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: statuses,
    });
    const notReady = podObject({ phase: 'Running', containerStatuses: statuses });
    assert.equal(printRow('Pod', ready)[2], 'Running');
    assert.equal(printRow('Pod', notReady)[2], 'NotReady');
  });

  it('a deleted pod shows Terminating, or Unknown when its node was lost', () => {
    const deleting = { deletionTimestamp: ago(SECOND) };
    const running = { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: RUNNING }] };
    assert.equal(printRow('Pod', podObject(running, {}, deleting))[2], 'Terminating');
    assert.equal(printRow('Pod', podObject({ ...running, reason: 'NodeLost' }, {}, deleting))[2], 'Unknown');
    const done = {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', state: { terminated: { reason: 'Completed' } } }],
    };
    assert.equal(printRow('Pod', podObject(done, {}, deleting))[2], 'Completed');
  });

  it('a pod held by scheduling gates shows SchedulingGated', () => {
    const pod = podObject({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
    });
    assert.equal(printRow('Pod', pod)[2], 'SchedulingGated');
  });

  it('counts passing readiness gates and shows the nominated node', () => {
    const pod = podObject(
      {
        phase: 'Running',
        nominatedNodeName: 'node-b',
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
      },
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    );
    assert.deepEqual(printRow('Pod', pod).slice(7), ['node-b', '1/2']);
  });
});

describe('Service table', () => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
    obj('v1', 'Service', 'web', { spec: { selector: { app: 'web', tier: 'fe' }, ...spec }, status });

  it('has NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE and a wide SELECTOR', () => {
    const t = table(typeOf('Service'), []);
    assert.deepEqual(narrowNames(t), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
    assert.deepEqual(columnNames(t).slice(6), ['Selector']);
  });

  it('prints ports as port[:nodePort]/protocol and the selector as sorted labels', () => {
    const row = printRow(
      'Service',
      svc({
        type: 'NodePort',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 443, nodePort: 30443, protocol: 'TCP' },
        ],
      }),
    );
    assert.deepEqual(row, [
      'web',
      'NodePort',
      '10.96.0.10',
      '<none>',
      '80/TCP,443:30443/TCP',
      '5m',
      'app=web,tier=fe',
    ]);
  });

  it('shows <pending> for a load balancer without ingress, then its addresses and external IPs', () => {
    assert.equal(printRow('Service', svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }))[3], '<pending>');
    const ready = svc(
      { type: 'LoadBalancer', externalIPs: ['192.0.2.9'] },
      { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }, { ip: '192.0.2.1' }] } },
    );
    assert.equal(printRow('Service', ready)[3], '192.0.2.1,lb.example.com,192.0.2.9');
  });

  it('shows a headless service as None, an ExternalName target, and <none> for no ports', () => {
    assert.equal(printRow('Service', svc({ clusterIP: 'None', clusterIPs: ['None'] }))[2], 'None');
    const external = printRow('Service', svc({ type: 'ExternalName', externalName: 'db.example.com' }));
    assert.deepEqual([external[1], external[3], external[4]], ['ExternalName', 'db.example.com', '<none>']);
  });
});

const TEMPLATE = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'app', image: 'web:2' },
      { name: 'proxy', image: 'envoy:1' },
    ],
  },
};

describe('workload tables', () => {
  it('Deployment shows READY ready/desired, UP-TO-DATE, AVAILABLE and wide CONTAINERS IMAGES SELECTOR', () => {
    const deploy = obj('apps/v1', 'Deployment', 'web', {
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }],
        },
        template: TEMPLATE,
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    const t = table(typeOf('Deployment'), [deploy]);
    assert.deepEqual(narrowNames(t), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    assert.deepEqual(cells(t), [
      'web',
      '2/3',
      3,
      2,
      '5m',
      'app,proxy',
      'web:2,envoy:1',
      'app=web,tier in (api,web)',
    ]);
  });

  it('ReplicaSet shows DESIRED CURRENT READY as integers, defaulting desired to one', () => {
    const rs = obj('apps/v1', 'ReplicaSet', 'web-abc', {
      spec: { selector: { matchLabels: { app: 'web' } }, template: TEMPLATE },
      status: { replicas: 1 },
    });
    const t = table(typeOf('ReplicaSet'), [rs]);
    assert.deepEqual(narrowNames(t), ['Name', 'Desired', 'Current', 'Ready', 'Age']);
    assert.deepEqual(cells(t), ['web-abc', 1, 1, 0, '5m', 'app,proxy', 'web:2,envoy:1', 'app=web']);
  });

  it('StatefulSet shows READY ready/desired and wide CONTAINERS IMAGES', () => {
    const sts = obj('apps/v1', 'StatefulSet', 'db', {
      spec: { replicas: 3, template: TEMPLATE },
      status: { readyReplicas: 1 },
    });
    const t = table(typeOf('StatefulSet'), [sts]);
    assert.deepEqual(columnNames(t), ['Name', 'Ready', 'Age', 'Containers', 'Images']);
    assert.deepEqual(cells(t).slice(0, 3), ['db', '1/3', '5m']);
  });

  it('DaemonSet shows scheduling counts, the node selector, and <none> for a missing selector', () => {
    const ds = obj('apps/v1', 'DaemonSet', 'agent', {
      spec: {
        template: {
          spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'a:1' }] },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    });
    const t = table(typeOf('DaemonSet'), [ds]);
    assert.deepEqual(narrowNames(t), [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
    ]);
    assert.deepEqual(cells(t), [
      'agent',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux',
      '5m',
      'a',
      'a:1',
      '<none>',
    ]);
  });

  it('ReplicationController prints its map selector', () => {
    const rc = obj('v1', 'ReplicationController', 'old', {
      spec: { replicas: 2, selector: { app: 'old' }, template: TEMPLATE },
    });
    assert.deepEqual(printRow('ReplicationController', rc).slice(1, 3), [2, 0]);
    assert.equal(printRow('ReplicationController', rc)[7], 'app=old');
  });

  it('ControllerRevision names its controller as kind.group/name', () => {
    const rev = obj(
      'apps/v1',
      'ControllerRevision',
      'web-7d9',
      { revision: 3 },
      {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true },
        ],
      },
    );
    assert.deepEqual(printRow('ControllerRevision', rev), ['web-7d9', 'statefulset.apps/web', 3, '5m']);
  });
});

describe('Job and CronJob tables', () => {
  const job = (
    spec: Record<string, unknown>,
    status: Record<string, unknown>,
    meta: Partial<ObjectMeta> = {},
  ) => obj('batch/v1', 'Job', 'migrate', { spec: { template: TEMPLATE, ...spec }, status }, meta);

  it('Job has NAME STATUS COMPLETIONS DURATION AGE and wide CONTAINERS IMAGES SELECTOR', () => {
    const t = table(typeOf('Job'), []);
    assert.deepEqual(narrowNames(t), ['Name', 'Status', 'Completions', 'Duration', 'Age']);
    assert.deepEqual(columnNames(t).slice(5), ['Containers', 'Images', 'Selector']);
  });

  it('a complete job shows Complete, succeeded/completions and start-to-completion duration', () => {
    const done = job(
      { completions: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } } },
      {
        succeeded: 1,
        startTime: ago(4 * MINUTE),
        completionTime: ago(4 * MINUTE - 45 * SECOND),
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    );
    assert.deepEqual(printRow('Job', done), [
      'migrate',
      'Complete',
      '1/1',
      '45s',
      '5m',
      'app,proxy',
      'web:2,envoy:1',
      'batch.kubernetes.io/controller-uid=u1',
    ]);
  });

  it('a running work-queue job counts against 1 with its parallelism, timed until now', () => {
    const running = job({ parallelism: 3 }, { startTime: ago(90 * SECOND), active: 3 });
    assert.deepEqual(printRow('Job', running).slice(1, 4), ['Running', '0/1 of 3', '90s']);
    assert.deepEqual(printRow('Job', job({}, {})).slice(1, 4), ['Running', '0/1', '']);
  });

  it('shows Failed, Suspended and Terminating in the real precedence', () => {
    const failed = job(
      {},
      { conditions: [{ type: 'Failed', status: 'True' }] },
      { deletionTimestamp: ago(SECOND) },
    );
    const suspended = job({}, { conditions: [{ type: 'Suspended', status: 'True' }] });
    const terminating = job(
      {},
      { conditions: [{ type: 'Suspended', status: 'True' }] },
      { deletionTimestamp: ago(SECOND) },
    );
    assert.equal(printRow('Job', failed)[1], 'Failed');
    assert.equal(printRow('Job', suspended)[1], 'Suspended');
    assert.equal(printRow('Job', terminating)[1], 'Terminating');
  });

  it('CronJob shows schedule, timezone, suspend text, active count and last schedule age', () => {
    const cj = obj('batch/v1', 'CronJob', 'nightly', {
      spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template: TEMPLATE } } },
      status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(2 * HOUR) },
    });
    const t = table(typeOf('CronJob'), [cj]);
    assert.deepEqual(narrowNames(t), [
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
    ]);
    assert.deepEqual(cells(t), [
      'nightly',
      '0 3 * * *',
      '<none>',
      'False',
      1,
      '120m',
      '5m',
      'app,proxy',
      'web:2,envoy:1',
      '<none>',
    ]);
  });
});

describe('HorizontalPodAutoscaler table', () => {
  const hpa = (metrics: unknown[], currentMetrics: unknown[], minReplicas?: number) =>
    obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 10,
        metrics,
        ...(minReplicas === undefined ? {} : { minReplicas }),
      },
      status: { currentReplicas: 2, currentMetrics },
    });
  const cpu = {
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
  };

  it('has NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE', () => {
    const row = printRow(
      'HorizontalPodAutoscaler',
      hpa([cpu], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45 } } }], 2),
    );
    assert.deepEqual(columnNames(table(typeOf('HorizontalPodAutoscaler'), [])), [
      'Name',
      'Reference',
      'Targets',
      'MinPods',
      'MaxPods',
      'Replicas',
      'Age',
    ]);
    assert.deepEqual(row, ['web', 'Deployment/web', 'cpu: 45%/70%', '2', 10, 2, '5m']);
  });

  it('shows <unknown> before metrics arrive and lists at most two targets', () => {
    const memory = {
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } },
    };
    const pods = {
      type: 'Pods',
      pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } },
    };
    assert.equal(printRow('HorizontalPodAutoscaler', hpa([cpu], []))[2], 'cpu: <unknown>/70%');
    assert.equal(printRow('HorizontalPodAutoscaler', hpa([cpu], []))[3], '<unset>');
    const three = printRow('HorizontalPodAutoscaler', hpa([cpu, memory, pods], []));
    assert.equal(three[2], 'cpu: <unknown>/70%, memory: <unknown>/500Mi + 1 more...');
    assert.equal(printRow('HorizontalPodAutoscaler', hpa([], []))[2], '<none>');
  });
});

describe('networking tables', () => {
  it('Ingress has NAME CLASS HOSTS ADDRESS PORTS AGE', () => {
    const ing = obj('networking.k8s.io/v1', 'Ingress', 'web', {
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }],
        tls: [{ hosts: ['a.example.com'] }],
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    });
    const t = table(typeOf('Ingress'), [ing]);
    assert.deepEqual(columnNames(t), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(cells(t), ['web', 'nginx', 'a.example.com,b.example.com', '192.0.2.1', '80, 443', '5m']);
  });

  it('Ingress shows * without hosts and a "+ N more..." tail beyond three rules', () => {
    const rules = ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.example.com` }));
    const many = obj('networking.k8s.io/v1', 'Ingress', 'many', { spec: { rules } });
    const none = obj('networking.k8s.io/v1', 'Ingress', 'none', { spec: { defaultBackend: {} } });
    assert.deepEqual(printRow('Ingress', many).slice(1, 5), [
      '<none>',
      'a.example.com,b.example.com,c.example.com + 2 more...',
      '',
      '80',
    ]);
    assert.equal(printRow('Ingress', none)[2], '*');
  });

  it('IngressClass prints its controller and Kind.group/name parameters', () => {
    const cls = obj('networking.k8s.io/v1', 'IngressClass', 'nginx', {
      spec: {
        controller: 'k8s.io/ingress-nginx',
        parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' },
      },
    });
    assert.deepEqual(printRow('IngressClass', cls), [
      'nginx',
      'k8s.io/ingress-nginx',
      'IngressParameters.k8s.example.com/p',
      '5m',
    ]);
  });

  it('Endpoints lists ip:port pairs, at most three, and <none> without subsets', () => {
    const ep = obj('v1', 'Endpoints', 'web', {
      subsets: [
        {
          addresses: ['10.0.0.1', '10.0.0.2', 'fd00::3', '10.0.0.4'].map((ip) => ({ ip })),
          ports: [{ port: 8080 }],
        },
      ],
    });
    assert.deepEqual(printRow('Endpoints', ep), [
      'web',
      '10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 1 more...',
      '5m',
    ]);
    assert.equal(printRow('Endpoints', obj('v1', 'Endpoints', 'empty'))[1], '<none>');
  });

  it('EndpointSlice shows address type, ports and endpoint addresses', () => {
    const slice = obj('discovery.k8s.io/v1', 'EndpointSlice', 'web-x', {
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'metrics' }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
    });
    assert.deepEqual(printRow('EndpointSlice', slice), [
      'web-x',
      'IPv4',
      '80,metrics',
      '10.0.0.1,10.0.0.2',
      '5m',
    ]);
    assert.deepEqual(
      printRow(
        'EndpointSlice',
        obj('discovery.k8s.io/v1', 'EndpointSlice', 'e', { addressType: 'IPv4' }),
      ).slice(2, 4),
      ['<unset>', '<unset>'],
    );
  });

  it('NetworkPolicy prints its pod selector, <none> when it selects everything', () => {
    const all = obj('networking.k8s.io/v1', 'NetworkPolicy', 'deny', { spec: { podSelector: {} } });
    const db = obj('networking.k8s.io/v1', 'NetworkPolicy', 'db', {
      spec: { podSelector: { matchLabels: { app: 'db' } } },
    });
    assert.deepEqual(printRow('NetworkPolicy', all), ['deny', '<none>', '5m']);
    assert.equal(printRow('NetworkPolicy', db)[1], 'app=db');
  });
});

describe('cluster and configuration tables', () => {
  it('Namespace shows its phase', () => {
    const ns = obj('v1', 'Namespace', 'team', { status: { phase: 'Terminating' } });
    assert.deepEqual(printRow('Namespace', ns), ['team', 'Terminating', '5m']);
  });

  it('Node shows Ready/SchedulingDisabled, sorted roles, kubelet version and wide system info', () => {
    const node = obj(
      'v1',
      'Node',
      'node-a',
      {
        spec: { unschedulable: true },
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
          nodeInfo: {
            kubeletVersion: 'v1.32.0',
            osImage: 'Debian GNU/Linux 12',
            kernelVersion: '6.1.0',
            containerRuntimeVersion: 'containerd://1.7',
          },
        },
      },
      { labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' } },
    );
    const t = table(typeOf('Node'), [node]);
    assert.deepEqual(narrowNames(t), ['Name', 'Status', 'Roles', 'Age', 'Version']);
    assert.deepEqual(cells(t), [
      'node-a',
      'Ready,SchedulingDisabled',
      'control-plane,worker',
      '5m',
      'v1.32.0',
      '172.18.0.2',
      '<none>',
      'Debian GNU/Linux 12',
      '6.1.0',
      'containerd://1.7',
    ]);
    assert.deepEqual(printRow('Node', obj('v1', 'Node', 'new')).slice(1, 3), ['Unknown', '<none>']);
  });

  it('ConfigMap counts data and binaryData keys; Secret shows its type and data count', () => {
    const cm = obj('v1', 'ConfigMap', 'cfg', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } });
    const secret = obj('v1', 'Secret', 'tls', {
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'x', 'tls.key': 'y' },
    });
    assert.deepEqual(printRow('ConfigMap', cm), ['cfg', 3, '5m']);
    assert.deepEqual(columnNames(table(typeOf('Secret'), [])), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(printRow('Secret', secret), ['tls', 'kubernetes.io/tls', 2, '5m']);
  });

  it('ServiceAccount counts its secrets', () => {
    assert.deepEqual(printRow('ServiceAccount', obj('v1', 'ServiceAccount', 'default')), [
      'default',
      0,
      '5m',
    ]);
  });

  it('Event has LAST SEEN TYPE REASON OBJECT MESSAGE, with subobject, source, first seen, count and name wide', () => {
    const ev = obj('v1', 'Event', 'web-1.17f', {
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      source: { component: 'kubelet', host: 'node-a' },
      firstTimestamp: ago(10 * MINUTE),
      lastTimestamp: ago(30 * SECOND),
      count: 4,
    });
    const t = table(typeOf('Event'), [ev]);
    assert.deepEqual(narrowNames(t), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    assert.deepEqual(
      columnNames(t).filter((n) => !narrowNames(t).includes(n)),
      ['Subobject', 'Source', 'First Seen', 'Count', 'Name'],
    );
    assert.deepEqual(cells(t), [
      '30s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{app}',
      'kubelet, node-a',
      'Back-off restarting failed container',
      '10m',
      4,
      'web-1.17f',
    ]);
  });

  it('an events.k8s.io-style Event falls back to eventTime, the series and a count of one', () => {
    const single = obj('v1', 'Event', 'e1', {
      involvedObject: { kind: 'Node' },
      eventTime: '2025-12-31T23:59:00.000000Z',
      reportingComponent: 'scheduler',
    });
    const row = printRow('Event', single);
    assert.deepEqual([row[0], row[3], row[5], row[7], row[8]], ['60s', 'node', 'scheduler', '60s', 1]);
    const series = obj('v1', 'Event', 'e2', {
      involvedObject: { kind: 'Pod', name: 'p' },
      eventTime: ago(HOUR),
      series: { count: 7, lastObservedTime: ago(15 * SECOND) },
    });
    const seriesRow = printRow('Event', series);
    assert.deepEqual([seriesRow[0], seriesRow[7], seriesRow[8]], ['15s', '60m', 7]);
  });

  it('PersistentVolumeClaim shows capacity and access modes only once bound', () => {
    const bound = obj('v1', 'PersistentVolumeClaim', 'data', {
      spec: { volumeName: 'pv-1', storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } },
      status: {
        phase: 'Bound',
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
      },
    });
    const pending = obj('v1', 'PersistentVolumeClaim', 'new', {
      spec: { storageClassName: 'standard' },
      status: { phase: 'Pending' },
    });
    const t = table(typeOf('PersistentVolumeClaim'), [bound, pending]);
    assert.deepEqual(narrowNames(t), [
      'Name',
      'Status',
      'Volume',
      'Capacity',
      'Access Modes',
      'StorageClass',
      'VolumeAttributesClass',
      'Age',
    ]);
    assert.deepEqual(cells(t, 0), [
      'data',
      'Bound',
      'pv-1',
      '10Gi',
      'RWO,RWX',
      'standard',
      '<unset>',
      '5m',
      '<unset>',
    ]);
    assert.deepEqual(cells(t, 1).slice(1, 5), ['Pending', '', '', '']);
  });

  it('PersistentVolume shows capacity, modes, reclaim policy, phase and claim', () => {
    const pv = obj('v1', 'PersistentVolume', 'pv-1', {
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: 'default', name: 'data' },
        storageClassName: 'standard',
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Bound' },
    });
    assert.deepEqual(printRow('PersistentVolume', pv), [
      'pv-1',
      '10Gi',
      'RWO',
      'Delete',
      'Bound',
      'default/data',
      'standard',
      '<unset>',
      '',
      '5m',
      'Filesystem',
    ]);
  });

  it('PodDisruptionBudget prints int-or-percent bounds and N/A for the unset one', () => {
    const pdb = obj('policy/v1', 'PodDisruptionBudget', 'web', {
      spec: { minAvailable: '50%' },
      status: { disruptionsAllowed: 1 },
    });
    assert.deepEqual(printRow('PodDisruptionBudget', pdb), ['web', '50%', 'N/A', 1, '5m']);
  });

  it('RoleBinding shows Kind/name of the role and wide users, groups and service accounts', () => {
    const rb = obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'view', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
      ],
    });
    const t = table(typeOf('RoleBinding'), [rb]);
    assert.deepEqual(narrowNames(t), ['Name', 'Role', 'Age']);
    assert.deepEqual(cells(t), ['view', 'ClusterRole/view', '5m', 'alice, bob', 'devs', 'tools/ci']);
  });

  it('StorageClass marks the default class and fills policy defaults', () => {
    const sc = obj(
      'storage.k8s.io/v1',
      'StorageClass',
      'standard',
      { provisioner: 'rancher.io/local-path' },
      {
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
    );
    assert.deepEqual(printRow('StorageClass', sc), [
      'standard (default)',
      'rancher.io/local-path',
      'Delete',
      'Immediate',
      false,
      '5m',
    ]);
  });

  it('Lease shows its holder', () => {
    const lease = obj('coordination.k8s.io/v1', 'Lease', 'node-a', { spec: { holderIdentity: 'node-a' } });
    assert.deepEqual(printRow('Lease', lease), ['node-a', 'node-a', '5m']);
  });

  it('ResourceQuota splits used/hard into REQUEST and LIMIT columns sorted by resource', () => {
    const quota = obj('v1', 'ResourceQuota', 'compute', {
      status: {
        hard: { 'requests.cpu': '2', pods: '10', 'limits.memory': '4Gi' },
        used: { 'requests.cpu': '500m', pods: '3' },
      },
    });
    assert.deepEqual(printRow('ResourceQuota', quota), [
      'compute',
      'pods: 3/10, requests.cpu: 500m/2',
      'limits.memory: 0/4Gi',
      '5m',
    ]);
  });
});

describe('generic table for kinds without a printer', () => {
  it('Role, ClusterRole and CustomResourceDefinition show NAME and CREATED AT as an RFC 3339 date', () => {
    for (const kind of ['Role', 'ClusterRole', 'CustomResourceDefinition', 'LimitRange']) {
      const t = table(typeOf(kind), [
        obj('v1', kind, 'x', {}, { creationTimestamp: '2025-06-01T12:00:00Z' }),
      ]);
      assert.deepEqual(columnNames(t), ['Name', 'Created At'], kind);
      assert.equal(get(t, 'columnDefinitions', 1, 'type'), 'date');
      assert.deepEqual(cells(t), ['x', '2025-06-01T12:00:00Z'], kind);
    }
  });
});

function crdType(printerColumns: CrdPrinterColumn[]): ResourceType {
  return {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    namespaced: true,
    verbs: [],
    shortNames: [],
    categories: [],
    subresources: [],
    crd: { printerColumns },
  };
}

const widget = obj('example.com/v1', 'Widget', 'w1', {
  spec: {
    replicas: 3,
    ratio: 0.25,
    size: 1234567.5,
    labels: { b: '2', a: '<1>' },
    enabled: true,
    note: null,
  },
  status: {
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False', lastTransitionTime: ago(2 * HOUR) },
    ],
  },
});

describe('custom resource tables', () => {
  it('a CRD without printer columns shows NAME and AGE', () => {
    const t = table(crdType([]), [widget]);
    assert.deepEqual(columnNames(t), ['Name', 'Age']);
    assert.equal(get(t, 'columnDefinitions', 1, 'type'), 'date');
    assert.deepEqual(cells(t), ['w1', '5m']);
  });

  it('shows NAME then exactly the CRD columns, typed, with filters and dates rendered as ages', () => {
    const t = table(
      crdType([
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        {
          name: 'Ready',
          type: 'string',
          jsonPath: '.status.conditions[?(@.type=="Ready")].status',
          description: 'Readiness',
        },
        {
          name: 'Since',
          type: 'date',
          jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime',
        },
        { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled', priority: 1 },
        { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      ]),
      [widget],
    );
    assert.deepEqual(columnNames(t), ['Name', 'Replicas', 'Ready', 'Since', 'Enabled', 'Missing']);
    assert.deepEqual(list(t, 'columnDefinitions')[4], {
      name: 'Enabled',
      type: 'boolean',
      format: '',
      description: 'Custom resource definition column (in JSONPath format): .spec.enabled',
      priority: 1,
    });
    assert.equal(get(t, 'columnDefinitions', 2, 'description'), 'Readiness');
    assert.deepEqual(cells(t), ['w1', 3, 'False', '120m', true, null]);
  });

  it('prints string columns the way kubectl JSONPath does: numbers, JSON maps with sorted keys, <no value>', () => {
    const t = table(
      crdType([
        { name: 'Ratio', type: 'string', jsonPath: '.spec.ratio' },
        { name: 'Size', type: 'string', jsonPath: '.spec.size' },
        { name: 'Labels', type: 'string', jsonPath: '.spec.labels' },
        { name: 'Note', type: 'string', jsonPath: '.spec.note' },
        { name: 'Replicas', type: 'number', jsonPath: '.spec.replicas' },
        { name: 'Wrong', type: 'integer', jsonPath: '.spec.labels' },
      ]),
      [widget],
    );
    assert.deepEqual(cells(t), [
      'w1',
      '0.25',
      '1.2345675e+06',
      '{"a":"\\u003c1\\u003e","b":"2"}',
      '<no value>',
      3,
      null,
    ]);
  });

  it('drops the column with an unparsable JSONPath and every column after it', () => {
    const t = table(
      crdType([
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Bad', type: 'string', jsonPath: '.spec.items[1,2]' },
        { name: 'After', type: 'string', jsonPath: '.spec.replicas' },
      ]),
      [widget],
    );
    assert.deepEqual(columnNames(t), ['Name', 'Replicas']);
  });
});

describe('JsonPath', () => {
  const data = {
    metadata: { annotations: { 'example.com/owner': 'team-a' } },
    items: [{ n: 1 }, { n: 2 }, { n: 3 }],
    nested: { a: { name: 'x' }, b: { name: 'y' } },
  };

  it('selects fields, escaped dots, quoted keys, indices, negative indices and slices', () => {
    assert.deepEqual(JsonPath.parse('.metadata.annotations.example\\.com/owner').find(data), ['team-a']);
    assert.deepEqual(JsonPath.parse(".metadata['annotations']").find(data), [data.metadata.annotations]);
    assert.deepEqual(JsonPath.parse('.items[0].n').find(data), [1]);
    assert.deepEqual(JsonPath.parse('.items[-1].n').find(data), [3]);
    assert.deepEqual(JsonPath.parse('.items[*].n').find(data), [1, 2, 3]);
    assert.deepEqual(JsonPath.parse('.items[0:2].n').find(data), [1, 2]);
    assert.deepEqual(JsonPath.parse('$.items[?(@.n > 1)].n').find(data), [2, 3]);
    assert.deepEqual(JsonPath.parse('.nested.*.name').find(data), ['x', 'y']);
    assert.deepEqual(JsonPath.parse('..name').find(data), ['x', 'y']);
  });

  it('yields nothing for missing keys but raises for out-of-range indices and incomparable filters', () => {
    assert.deepEqual(JsonPath.parse('.nope.deeper').find(data), []);
    assert.throws(() => JsonPath.parse('.items[5]').find(data), JsonPathError);
    assert.throws(() => JsonPath.parse('.items[?(@.n=="1")]').find(data), JsonPathError);
    assert.throws(() => JsonPath.parse('.items[1,2]'), JsonPathError);
  });
});

describe('quantities', () => {
  it('print in canonical form as a real server stores them', () => {
    const cases: [string | number, string][] = [
      ['1024Mi', '1Gi'],
      ['1536Mi', '1536Mi'],
      ['0.5Gi', '512Mi'],
      ['1000m', '1'],
      ['2000', '2k'],
      ['1500m', '1500m'],
      ['0.1', '100m'],
      ['100Ki', '100Ki'],
      ['512', '512'],
      ['1e3', '1e3'],
      [2, '2'],
      ['0', '0'],
    ];
    for (const [input, expected] of cases)
      assert.equal(formatQuantity(parseQuantity(input)!), expected, String(input));
    assert.equal(parseQuantity('ten'), undefined);
  });

  it('a PVC bound with 1024Mi shows 1Gi, like the canonical value a real server returns', () => {
    const pvc = obj('v1', 'PersistentVolumeClaim', 'data', {
      spec: { volumeName: 'pv-1' },
      status: { phase: 'Bound', capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce'] },
    });
    assert.equal(printRow('PersistentVolumeClaim', pvc)[3], '1Gi');
  });
});

describe('metrics tables', () => {
  const podMetrics = (name: string, containers: { cpu: string; memory: string }[]) =>
    obj('metrics.k8s.io/v1beta1', 'PodMetrics', name, {
      timestamp: ago(5 * SECOND),
      window: '10.0s',
      containers: containers.map((usage, i) => ({ name: `c${i}`, usage })),
    });

  it('PodMetrics sums container usage into NAME CPU MEMORY WINDOW, as metrics-server prints it', () => {
    const t = table(typeOf('PodMetrics'), [
      podMetrics('web-1', [
        { cpu: '1500000n', memory: '10240Ki' },
        { cpu: '500000n', memory: '2048Ki' },
      ]),
    ]);
    assert.deepEqual(columnNames(t), ['Name', 'cpu', 'memory', 'Window']);
    assert.equal(get(t, 'columnDefinitions', 1, 'format'), 'quantity');
    assert.deepEqual(cells(t), ['web-1', '2m', '12Mi', '10s']);
  });

  it('NodeMetrics prints node usage, and an empty list has no columns at all', () => {
    const node = obj('metrics.k8s.io/v1beta1', 'NodeMetrics', 'node-a', {
      window: '20s',
      usage: { cpu: '250000000n', memory: '1048576Ki' },
    });
    assert.deepEqual(printRow('NodeMetrics', node), ['node-a', '250m', '1Gi', '20s']);
    assert.deepEqual(list(table(typeOf('NodeMetrics'), []), 'columnDefinitions'), []);
  });

  it('formats windows as Go durations', () => {
    const cases: [string, string][] = [
      ['10.0s', '10s'],
      ['90s', '1m30s'],
      ['1h', '1h0m0s'],
      ['10.5s', '10.5s'],
      ['1.5ms', '1.5ms'],
      ['0s', '0s'],
    ];
    for (const [input, expected] of cases)
      assert.equal(formatGoDuration(parseGoDuration(input)!), expected, input);
  });
});
