import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import type {
  ContainerStatus,
  ControllerRevision,
  DaemonSet,
  Deployment,
  HorizontalPodAutoscaler,
  Ingress,
  Pod,
  ReplicaSet,
  Secret,
  Service,
  StatefulSet,
} from './objects';
import {
  helmRevisionFromSecret,
  hpaInfo,
  ingressInfo,
  podInfo,
  podOwner,
  podSummary,
  revisionFromControllerRevision,
  revisionFromReplicaSet,
  rfc3339,
  serviceInfo,
  workloadInfo,
} from './projections';

const T0 = '2024-05-01T10:00:00Z';

const running = (name: string, ready = true, restartCount = 0): ContainerStatus => ({
  name,
  ready,
  restartCount,
  state: { running: { startedAt: T0 } },
});
const waiting = (name: string, reason: string, restartCount = 0): ContainerStatus => ({
  name,
  ready: false,
  restartCount,
  state: { waiting: { reason } },
});
const terminated = (name: string, reason: string, exitCode: number, restartCount = 0): ContainerStatus => ({
  name,
  ready: false,
  restartCount,
  state: { terminated: { reason, exitCode } },
});

function pod(
  statuses: ContainerStatus[],
  extra: Partial<Pod> & { phase?: string; init?: ContainerStatus[] } = {},
): Pod {
  const { phase, init, ...rest } = extra;
  return {
    metadata: { name: 'web-7d9f8b6c5d-x2x4k', namespace: 'shop', uid: 'u1', creationTimestamp: T0 },
    spec: { containers: statuses.map((s) => ({ name: s.name, image: `${s.name}:1` })) },
    status: {
      phase: phase ?? 'Running',
      containerStatuses: statuses,
      ...(init ? { initContainerStatuses: init } : {}),
    },
    ...rest,
  };
}

describe('pod STATUS exactly as kubectl prints it', () => {
  const cases: [string, Pod, string, string][] = [
    ['running and ready', pod([running('app')]), 'Running', '1/1'],
    ['running, one of two ready', pod([running('app'), running('sidecar', false)]), 'Running', '1/2'],
    [
      'scheduled, pulling',
      pod([waiting('app', 'ContainerCreating')], { phase: 'Pending' }),
      'ContainerCreating',
      '0/1',
    ],
    [
      'not scheduled yet',
      { ...pod([], { phase: 'Pending' }), spec: { containers: [{ name: 'app' }] } },
      'Pending',
      '0/1',
    ],
    ['crash looping', pod([waiting('app', 'CrashLoopBackOff', 4)]), 'CrashLoopBackOff', '0/1'],
    [
      'image pull failing',
      pod([waiting('app', 'ImagePullBackOff')], { phase: 'Pending' }),
      'ImagePullBackOff',
      '0/1',
    ],
    ['finished', pod([terminated('app', 'Completed', 0)], { phase: 'Succeeded' }), 'Completed', '0/1'],
    [
      'exited without a reason',
      pod([{ ...terminated('app', '', 3) }], { phase: 'Failed' }),
      'ExitCode:3',
      '0/1',
    ],
    [
      'first container waits, second runs: the first decides',
      pod([waiting('a', 'CrashLoopBackOff'), running('b')]),
      'CrashLoopBackOff',
      '1/2',
    ],
    [
      'evicted',
      pod([], { phase: 'Failed', status: { phase: 'Failed', reason: 'Evicted' } }),
      'Evicted',
      '0/0',
    ],
  ];
  for (const [what, p, status, ready] of cases) {
    it(what, () => {
      const s = podSummary(p);
      assert.equal(s.status, status);
      assert.equal(`${s.readyContainers}/${s.totalContainers}`, ready);
    });
  }

  it('shows init progress, init failures and sidecars as kubectl does', () => {
    const withInit = (init: ContainerStatus[], restartPolicy?: string): Pod => {
      const p = pod([waiting('app', 'PodInitializing')], { phase: 'Pending', init });
      p.spec!.initContainers = init.map((c) => ({
        name: c.name,
        ...(restartPolicy ? { restartPolicy } : {}),
      }));
      return p;
    };
    assert.equal(
      podSummary(withInit([terminated('migrate', 'Completed', 0), waiting('seed', 'PodInitializing')]))
        .status,
      'Init:1/2',
    );
    assert.equal(
      podSummary(withInit([waiting('migrate', 'CrashLoopBackOff', 2)])).status,
      'Init:CrashLoopBackOff',
    );
    assert.equal(podSummary(withInit([terminated('migrate', 'Error', 1)])).status, 'Init:Error');
    const sidecar = withInit([{ ...running('proxy'), started: true }], 'Always');
    sidecar.status!.phase = 'Running';
    sidecar.status!.containerStatuses = [running('app')];
    assert.deepEqual(podSummary(sidecar), {
      status: 'Running',
      readyContainers: 2,
      totalContainers: 2,
      restarts: 0,
    });
  });

  it('counts restarts of app containers and says Terminating while a pod is deleted', () => {
    const p = pod([running('app', true, 2), running('log', true, 1)]);
    assert.equal(podSummary(p).restarts, 3);
    p.metadata.deletionTimestamp = T0;
    assert.equal(podSummary(p).status, 'Terminating');
    const done = pod([terminated('app', 'Completed', 0)], { phase: 'Succeeded' });
    done.metadata.deletionTimestamp = T0;
    assert.equal(podSummary(done).status, 'Completed', 'a finished pod keeps its status while deleted');
    const lost = pod([running('app')], { status: { phase: 'Running', reason: 'NodeLost' } });
    lost.metadata.deletionTimestamp = T0;
    assert.equal(podSummary(lost).status, 'Unknown');
  });

  it('marks a completed container next to a running one as Running or NotReady, not Completed', () => {
    const p = pod([terminated('job', 'Completed', 0), running('app')]);
    p.status!.conditions = [{ type: 'Ready', status: 'True' }];
    assert.equal(podSummary(p).status, 'Running');
    p.status!.conditions = [{ type: 'Ready', status: 'False' }];
    assert.equal(podSummary(p).status, 'NotReady');
  });
});

const rsOwned = (rs: string): Pod['metadata'] => ({
  name: `${rs}-abcde`,
  namespace: 'shop',
  uid: 'p',
  creationTimestamp: T0,
  labels: { app: 'web', 'pod-template-hash': rs.split('-').pop()! },
  ownerReferences: [{ kind: 'ReplicaSet', name: rs, controller: true }],
});

function replicaSet(
  name: string,
  deployment: string | undefined,
  revision?: string,
  cause?: string,
): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (revision !== undefined) annotations['deployment.kubernetes.io/revision'] = revision;
  if (cause !== undefined) annotations['kubernetes.io/change-cause'] = cause;
  return {
    metadata: {
      name,
      namespace: 'shop',
      creationTimestamp: T0,
      annotations,
      ...(deployment
        ? { ownerReferences: [{ kind: 'Deployment', name: deployment, controller: true }] }
        : {}),
    },
    spec: { template: { spec: { containers: [{ name: 'web', image: `web:${revision ?? '0'}` }] } } },
  };
}

describe('pod info and owner', () => {
  it("resolves a pod's Deployment through its ReplicaSet's controller reference", () => {
    const p: Pod = { ...pod([running('web')]), metadata: rsOwned('web-7d9f8b6c5d') };
    assert.deepEqual(podOwner(p, replicaSet('web-7d9f8b6c5d', 'web')), { kind: 'Deployment', name: 'web' });
    assert.equal(
      podOwner(p, replicaSet('web-7d9f8b6c5d', undefined)),
      undefined,
      'a bare ReplicaSet owns it',
    );
    assert.deepEqual(
      podOwner(p, undefined),
      { kind: 'Deployment', name: 'web' },
      'before the ReplicaSet is seen',
    );
    const sts: Pod = {
      ...p,
      metadata: { ...p.metadata, ownerReferences: [{ kind: 'StatefulSet', name: 'pg', controller: true }] },
    };
    assert.deepEqual(podOwner(sts, undefined), { kind: 'StatefulSet', name: 'pg' });
    const job: Pod = {
      ...p,
      metadata: { ...p.metadata, ownerReferences: [{ kind: 'Job', name: 'j', controller: true }] },
    };
    assert.equal(podOwner(job, undefined), undefined);
  });

  it('projects what the tree shows for a pod', () => {
    const p: Pod = {
      ...pod([running('web', true, 1)]),
      metadata: rsOwned('web-7d9f8b6c5d'),
      spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'web:1' }] },
    };
    p.status!.podIP = '10.1.0.7';
    assert.deepEqual(podInfo(p, { kind: 'Deployment', name: 'web' }), {
      namespace: 'shop',
      name: 'web-7d9f8b6c5d-abcde',
      uid: 'p',
      phase: 'Running',
      status: 'Running',
      readyContainers: 1,
      totalContainers: 1,
      restarts: 1,
      node: 'node-1',
      ip: '10.1.0.7',
      createdAt: T0,
      labels: { app: 'web', 'pod-template-hash': '7d9f8b6c5d' },
      owner: { kind: 'Deployment', name: 'web' },
      containers: ['web'],
    });
  });

  it('writes timestamps the same whether they came from a list (Date) or a watch (text)', () => {
    assert.equal(rfc3339('2024-05-01T10:00:00.000Z'), T0);
    assert.equal(rfc3339(T0), T0);
    assert.equal(rfc3339(undefined), '');
  });
});

function deployment(opts: {
  replicas?: number;
  ready?: number;
  updated?: number;
  available?: number;
  current?: number;
  progressing?: string;
  paused?: boolean;
  generation?: number;
  observed?: number;
}): Deployment {
  const replicas = opts.replicas ?? 2;
  const ready = opts.ready ?? replicas;
  return {
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'd1',
      generation: opts.generation ?? 1,
      creationTimestamp: T0,
      annotations: { 'deployment.kubernetes.io/revision': '3' },
    },
    spec: {
      replicas,
      ...(opts.paused ? { paused: true } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ name: 'web', image: 'web:3' }] } },
    },
    status: {
      observedGeneration: opts.observed ?? 1,
      replicas: opts.current ?? replicas,
      readyReplicas: ready,
      updatedReplicas: opts.updated ?? replicas,
      availableReplicas: opts.available ?? ready,
      conditions: [
        { type: 'Progressing', status: 'True', reason: opts.progressing ?? 'NewReplicaSetAvailable' },
      ],
    },
  };
}

const health = (d: Deployment, pods: Pod[] = []): [string, string | undefined] => {
  const w = workloadInfo({ kind: 'Deployment', object: d }, pods);
  return [w.health, w.reason];
};

describe('workload health', () => {
  it('is healthy when every replica is updated and ready', () => {
    const w = workloadInfo({ kind: 'Deployment', object: deployment({}) }, [pod([running('web')])]);
    assert.deepEqual(w, {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      uid: 'd1',
      desired: 2,
      ready: 2,
      updated: 2,
      available: 2,
      health: 'healthy',
      images: ['web:3'],
      containers: ['web'],
      selector: { app: 'web' },
      createdAt: T0,
    });
  });

  it('names the broken pods: failed when nothing is ready, degraded while some replicas serve', () => {
    assert.deepEqual(health(deployment({ ready: 0 }), [pod([waiting('web', 'CrashLoopBackOff', 3)])]), [
      'failed',
      'CrashLoopBackOff',
    ]);
    assert.deepEqual(
      health(deployment({ ready: 1 }), [pod([waiting('web', 'ImagePullBackOff')]), pod([running('web')])]),
      ['degraded', 'ImagePullBackOff'],
    );
  });

  it('keeps saying CrashLoopBackOff while a crashing container briefly runs or has just exited', () => {
    const between: ContainerStatus = {
      ...running('web', false, 2),
      lastState: { terminated: { reason: 'Error', exitCode: 1 } },
    };
    assert.deepEqual(health(deployment({ ready: 0, replicas: 1 }), [pod([between])]), [
      'failed',
      'CrashLoopBackOff',
    ]);
    const exited = terminated('web', 'Error', 1, 1);
    assert.deepEqual(health(deployment({ ready: 0, replicas: 1 }), [pod([exited])]), [
      'failed',
      'CrashLoopBackOff',
    ]);
  });

  it('reports ProgressDeadlineExceeded, Paused and Scaled to zero', () => {
    assert.deepEqual(health(deployment({ ready: 0, updated: 1, progressing: 'ProgressDeadlineExceeded' })), [
      'failed',
      'ProgressDeadlineExceeded',
    ]);
    assert.deepEqual(health(deployment({ ready: 1, updated: 1, progressing: 'ProgressDeadlineExceeded' })), [
      'degraded',
      'ProgressDeadlineExceeded',
    ]);
    assert.deepEqual(health(deployment({ updated: 1, paused: true })), ['progressing', 'Paused']);
    assert.deepEqual(health(deployment({ paused: true })), ['healthy', 'Paused']);
    assert.deepEqual(health(deployment({ replicas: 0 })), ['idle', 'Scaled to zero']);
    assert.deepEqual(health(deployment({ replicas: 0, current: 2 })), ['progressing', 'Scaling down']);
  });

  it('is progressing during a rollout and while new pods start', () => {
    assert.deepEqual(health(deployment({ updated: 1 })), ['progressing', 'Rolling out']);
    assert.deepEqual(
      health(deployment({ current: 3 })),
      ['progressing', 'Rolling out'],
      'old pods still terminating',
    );
    assert.deepEqual(health(deployment({ generation: 2, observed: 1 })), ['progressing', 'Rolling out']);
    assert.deepEqual(
      health(deployment({ ready: 1, progressing: 'ReplicaSetUpdated' }), [
        pod([waiting('web', 'ContainerCreating')]),
      ]),
      ['progressing', 'ContainerCreating'],
    );
    assert.deepEqual(
      health(deployment({ ready: 1, progressing: 'ReplicaSetUpdated' }), [pod([running('web', false)])]),
      ['progressing', 'Starting'],
    );
  });

  it('is degraded with Unready when pods stop passing readiness after a finished rollout', () => {
    assert.deepEqual(
      health(deployment({ ready: 1 }), [pod([running('web', false)]), pod([running('web')])]),
      ['degraded', 'Unready'],
    );
  });

  it('judges StatefulSets and DaemonSets by their own status fields', () => {
    const sts: StatefulSet = {
      metadata: { name: 'pg', namespace: 'data', generation: 1 },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } },
      status: {
        observedGeneration: 1,
        replicas: 3,
        readyReplicas: 3,
        updatedReplicas: 3,
        currentRevision: 'pg-1',
        updateRevision: 'pg-1',
      },
    };
    assert.equal(workloadInfo({ kind: 'StatefulSet', object: sts }, []).health, 'healthy');
    const rolling = { ...sts, status: { ...sts.status, updateRevision: 'pg-2' } };
    assert.deepEqual(
      [
        workloadInfo({ kind: 'StatefulSet', object: rolling }, []).health,
        workloadInfo({ kind: 'StatefulSet', object: rolling }, []).reason,
      ],
      ['progressing', 'Rolling out'],
    );
    const ds: DaemonSet = {
      metadata: { name: 'agent', namespace: 'kube-system', generation: 1 },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        numberReady: 2,
        updatedNumberScheduled: 2,
        numberAvailable: 2,
      },
    };
    const info = workloadInfo({ kind: 'DaemonSet', object: ds }, []);
    assert.deepEqual([info.health, info.desired, info.ready], ['healthy', 2, 2]);
    const none = workloadInfo(
      { kind: 'DaemonSet', object: { ...ds, status: { desiredNumberScheduled: 0 } } },
      [],
    );
    assert.deepEqual([none.health, none.reason], ['idle', 'No eligible nodes']);
  });
});

describe('services, ingresses and autoscalers', () => {
  it('lists a Service with its ports', () => {
    const svc: Service = {
      metadata: { name: 'gateway', namespace: 'shop' },
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.0.10',
        selector: { app: 'gateway' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', nodePort: 30080 },
          { port: 9090, protocol: 'UDP' },
        ],
      },
    };
    assert.deepEqual(serviceInfo(svc), {
      namespace: 'shop',
      name: 'gateway',
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 },
        { port: 9090, targetPort: '9090', protocol: 'UDP' },
      ],
      selector: { app: 'gateway' },
    });
  });

  it('lists an Ingress with its hosts and distinct backends', () => {
    const ing: Ingress = {
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        defaultBackend: { service: { name: 'gateway', port: { number: 4000 } } },
        rules: [
          {
            host: 'shop.example',
            http: { paths: [{ backend: { service: { name: 'gateway', port: { number: 4000 } } } }] },
          },
          { http: { paths: [{ backend: { service: { name: 'admin', port: { name: 'http' } } } }] } },
        ],
      },
    };
    assert.deepEqual(ingressInfo(ing), {
      namespace: 'shop',
      name: 'shop',
      hosts: ['shop.example', '*'],
      backends: [
        { service: 'gateway', port: '4000' },
        { service: 'admin', port: 'http' },
      ],
    });
  });

  it('summarises HPA metrics as current/target per metric', () => {
    const hpa: HorizontalPodAutoscaler = {
      metadata: { name: 'gateway', namespace: 'shop' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'gateway' },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } },
          },
          {
            type: 'Pods',
            pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } },
          },
        ],
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 4,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'memory', current: { averageValue: '200Mi' } } },
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45 } } },
        ],
      },
    };
    assert.deepEqual(hpaInfo(hpa), {
      namespace: 'shop',
      name: 'gateway',
      target: { kind: 'Deployment', name: 'gateway' },
      min: 2,
      max: 6,
      current: 3,
      desired: 4,
      metrics: 'cpu 45%/70%, memory 200Mi/500Mi, rps <unknown>/100',
    });
  });
});

describe('rollout history', () => {
  it('reads Deployment revisions from ReplicaSets; the one the Deployment names is current', () => {
    const d = deployment({});
    const rev = revisionFromReplicaSet(replicaSet('web-3', 'web', '3', 'faster search'), d);
    assert.deepEqual(rev, {
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      revision: 3,
      images: ['web:3'],
      createdAt: T0,
      current: true,
      source: 'web-3',
      changeCause: 'faster search',
    });
    assert.equal(revisionFromReplicaSet(replicaSet('web-2', 'web', '2'), d)?.current, false);
    assert.equal(revisionFromReplicaSet(replicaSet('web-3', 'web', '3'), undefined)?.current, false);
    assert.equal(revisionFromReplicaSet(replicaSet('bare', undefined, '1'), d), undefined);
    assert.equal(revisionFromReplicaSet(replicaSet('web-x', 'web'), d), undefined);
  });

  it('reads StatefulSet and DaemonSet revisions from ControllerRevisions', () => {
    const cr = (name: string, revision: number, kind: string, owner: string): ControllerRevision => ({
      metadata: {
        name,
        namespace: 'data',
        creationTimestamp: T0,
        ownerReferences: [{ kind, name: owner, controller: true }],
      },
      revision,
      data: { spec: { template: { spec: { containers: [{ name: 'pg', image: `postgres:${revision}` }] } } } },
    });
    const sts: StatefulSet = {
      metadata: { name: 'pg', namespace: 'data' },
      status: { updateRevision: 'pg-a' },
    };
    const a = cr('pg-a', 1, 'StatefulSet', 'pg');
    const b = cr('pg-b', 2, 'StatefulSet', 'pg');
    assert.deepEqual(revisionFromControllerRevision(a, sts, [a, b]), {
      workload: { kind: 'StatefulSet', namespace: 'data', name: 'pg' },
      revision: 1,
      images: ['postgres:1'],
      createdAt: T0,
      current: true,
      source: 'pg-a',
    });
    assert.equal(revisionFromControllerRevision(b, sts, [a, b])?.current, false);
    const d1 = cr('agent-1', 1, 'DaemonSet', 'agent');
    const d4 = cr('agent-4', 4, 'DaemonSet', 'agent');
    assert.equal(
      revisionFromControllerRevision(d4, undefined, [d1, d4])?.current,
      true,
      'highest is current',
    );
    assert.equal(revisionFromControllerRevision(d1, undefined, [d1, d4])?.current, false);
  });
});

function helmSecret(release: unknown, gzip = true): Secret {
  const json = Buffer.from(JSON.stringify(release));
  const helm = (gzip ? gzipSync(json) : json).toString('base64');
  return {
    type: 'helm.sh/release.v1',
    metadata: {
      name: 'sh.helm.release.v1.payments.v2',
      namespace: 'shop',
      creationTimestamp: T0,
      labels: { name: 'payments', owner: 'helm', status: 'deployed', version: '2' },
    },
    data: { release: Buffer.from(helm).toString('base64') },
  };
}

describe('Helm releases from their storage Secrets', () => {
  const release = {
    name: 'payments',
    namespace: 'shop',
    version: 2,
    info: { status: 'deployed', description: 'Upgrade complete', last_deployed: '2024-05-02T08:00:00Z' },
    chart: { metadata: { name: 'payments', version: '0.4.0', appVersion: '3.2.0' } },
    config: { db: { password: 'hunter2' } },
    manifest: 'apiVersion: v1\nkind: Secret\nstringData: { token: s3cr3t }\n',
  };

  it('decodes base64 of base64 of gzip of JSON, without a helm binary', () => {
    assert.deepEqual(helmRevisionFromSecret(helmSecret(release)), {
      release: 'payments',
      namespace: 'shop',
      revision: 2,
      status: 'deployed',
      chart: 'payments',
      chartVersion: '0.4.0',
      appVersion: '3.2.0',
      updatedAt: '2024-05-02T08:00:00Z',
      description: 'Upgrade complete',
    });
    assert.equal(
      helmRevisionFromSecret(helmSecret(release, false))?.chartVersion,
      '0.4.0',
      'uncompressed records too',
    );
  });

  it('never lets values or manifest content into the model', () => {
    const text = JSON.stringify(helmRevisionFromSecret(helmSecret(release)));
    assert.doesNotMatch(text, /hunter2|s3cr3t|password|manifest/);
  });

  it('falls back to the labels when the record cannot be decoded, and ignores other Secrets', () => {
    const broken = { ...helmSecret(release), data: { release: 'bm90IGd6aXA=' } };
    assert.deepEqual(helmRevisionFromSecret(broken), {
      release: 'payments',
      namespace: 'shop',
      revision: 2,
      status: 'deployed',
      chart: '',
      chartVersion: '',
      appVersion: '',
      updatedAt: T0,
      description: '',
    });
    assert.equal(helmRevisionFromSecret({ ...helmSecret(release), type: 'Opaque' }), undefined);
  });
});
