import { strict as assert } from 'node:assert';
import {
  agentError,
  applyDelta,
  type AgentError,
  type DeltaOp,
  type TopicName,
  type TopicState,
} from '../../protocol';
import type { InformerEvent, InformerHandle } from './informer';
import { InformerCache } from './informer-cache';
import type { LoadedKubeconfig } from './kubeconfig';
import { Emitter, type Schedule } from './lifecycle';
import {
  objectKey,
  type ContainerStatus,
  type Deployment,
  type KubeObject,
  type Namespace,
  type Pod,
  type ReplicaSet,
} from './objects';
import type { ResourceName } from './resources';
import { createTopicSource, type TopicSource } from './topics';

/** An informer the test drives: it changes objects and fires events as a real one would. */
class FakeInformer implements InformerHandle<KubeObject> {
  readonly objects = new Map<string, KubeObject>();
  synced = false;
  error: AgentError | null = null;
  private readonly emitter = new Emitter<InformerEvent<KubeObject>>();
  readonly onChange = this.emitter.event;
  start(): void {}
  stop(): Promise<void> {
    return Promise.resolve();
  }
  put(o: KubeObject): void {
    const key = objectKey(o);
    const old = this.objects.get(key);
    this.objects.set(key, o);
    this.emitter.fire(old === undefined ? { type: 'add', object: o } : { type: 'update', object: o, old });
  }
  remove(o: KubeObject): void {
    this.objects.delete(objectKey(o));
    this.emitter.fire({ type: 'delete', object: o });
  }
  sync(): void {
    this.synced = true;
    this.emitter.fire({ type: 'synced' });
  }
  fail(error: AgentError | null): void {
    this.error = error;
    this.emitter.fire({ type: 'error', error });
  }
}

class ManualScheduler {
  private timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  readonly delays: number[] = [];
  readonly schedule: Schedule = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    this.timers.push(t);
    this.delays.push(ms);
    return () => (t.cancelled = true);
  };
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
  flush(): void {
    for (const t of this.timers.splice(0)) if (!t.cancelled) t.fn();
  }
}

const LOADED: LoadedKubeconfig = {
  files: ['/home/me/.kube/config'],
  currentContext: 'prod',
  contexts: new Map([
    ['prod', { value: { name: 'prod', cluster: 'c', user: '' }, source: '/home/me/.kube/config' }],
  ]),
  clusters: new Map([
    [
      'c',
      {
        value: { name: 'c', server: 'https://c.example', skipTLSVerify: false },
        source: '/home/me/.kube/config',
      },
    ],
  ]),
  users: new Map(),
  problems: [],
  home: '/home/me',
};

function setup() {
  const informers = new Map<string, FakeInformer>();
  const cache = new InformerCache({
    create: (key) => {
      const informer = new FakeInformer();
      informers.set(`${key.resource}@${key.namespace ?? '*'}`, informer);
      return informer;
    },
    lingerMs: 0,
    schedule: (fn) => {
      fn();
      return () => undefined;
    },
  });
  const timers = new ManualScheduler();
  const deps = { cache, loaded: () => LOADED, scheduler: timers.schedule, flushMs: 50 };
  const informer = (resource: ResourceName, ns = 'shop'): FakeInformer => {
    const i = informers.get(`${resource}@${ns}`);
    if (i === undefined) throw new Error(`no informer for ${resource}@${ns}`);
    return i;
  };
  return { cache, deps, timers, informer, informers };
}

/** Collects every batch a source emits and keeps a mirror, as the extension would. */
function mirror<T extends TopicName>(source: TopicSource<T>) {
  const state: TopicState<T> = source.state();
  const batches: DeltaOp<T>[][] = [];
  let error: AgentError | null = source.error();
  source.onDelta((ops) => {
    batches.push(ops);
    const e = applyDelta(state, ops);
    if (e !== undefined) error = e;
  });
  return { state, batches, error: () => error };
}

const ready = (name: string, restarts = 0): ContainerStatus => ({
  name,
  ready: true,
  restartCount: restarts,
  state: { running: {} },
});

function deployment(name: string, replicas: number, readyReplicas = replicas, revision = '1'): Deployment {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      generation: 1,
      resourceVersion: String(Math.random()),
      annotations: { 'deployment.kubernetes.io/revision': revision },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { spec: { containers: [{ name, image: `${name}:1` }] } },
    },
    status: {
      observedGeneration: 1,
      replicas,
      readyReplicas,
      updatedReplicas: replicas,
      availableReplicas: readyReplicas,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    },
  };
}

function replicaSet(name: string, owner: string, revision = '1'): ReplicaSet {
  return {
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ kind: 'Deployment', name: owner, controller: true }],
    },
    spec: { template: { spec: { containers: [{ name: owner, image: `${owner}:${revision}` }] } } },
  };
}

function pod(name: string, rs: string, status: ContainerStatus, labels: Record<string, string> = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      labels,
      ownerReferences: [{ kind: 'ReplicaSet', name: rs, controller: true }],
    },
    spec: { containers: [{ name: status.name }] },
    status: { phase: 'Running', containerStatuses: [status] },
  };
}

function syncAll(informers: Map<string, FakeInformer>): void {
  for (const i of informers.values()) if (!i.synced) i.sync();
}

describe('services topic', () => {
  it('starts from what shared informers already hold, with no delta for it', () => {
    const { deps, informer, informers } = setup();
    const first = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    informer('deployments').put(deployment('web', 1));
    informer('replicasets').put(replicaSet('web-abc', 'web'));
    informer('pods').put(pod('web-abc-1', 'web-abc', ready('web')));
    syncAll(informers);
    const second = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const s = second.state();
    assert.deepEqual(Object.keys(s.workloads), ['Deployment/shop/web']);
    assert.equal(s.workloads['Deployment/shop/web']?.health, 'healthy');
    assert.deepEqual(s.pods['shop/web-abc-1']?.owner, { kind: 'Deployment', name: 'web' });
    first.dispose();
    second.dispose();
  });

  it('coalesces changes into one batch per flush interval, and only real changes', () => {
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    syncAll(informers);
    timers.flush();
    m.batches.length = 0;
    informer('deployments').put(deployment('web', 2));
    informer('deployments').put(deployment('web', 3));
    informer('deployments').put(deployment('api', 1));
    assert.equal(m.batches.length, 0, 'nothing before the flush');
    assert.deepEqual(timers.delays.slice(-1), [50]);
    timers.flush();
    assert.equal(m.batches.length, 1);
    assert.deepEqual(
      m.batches[0]?.map((op) => (op.op === 'put' ? `${op.c} ${op.key}` : op.op)),
      ['workloads Deployment/shop/web', 'workloads Deployment/shop/api'],
    );
    assert.equal(m.state.workloads['Deployment/shop/web']?.desired, 3);
    // A new resourceVersion with the same projection is not a change.
    informer('deployments').put(deployment('web', 3));
    timers.flush();
    assert.equal(m.batches.length, 1);
    // A change and its undo within one interval cancel out.
    informer('deployments').put(deployment('web', 4));
    informer('deployments').put(deployment('web', 3));
    timers.flush();
    assert.equal(m.batches.length, 1);
    src.dispose();
  });

  it("re-projects a workload when one of its pods starts crash-looping, in the pod's batch", () => {
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    informer('replicasets').put(replicaSet('mailer-1', 'mailer'));
    informer('deployments').put(deployment('mailer', 1));
    informer('pods').put(pod('mailer-1-a', 'mailer-1', ready('mailer')));
    syncAll(informers);
    timers.flush();
    assert.equal(m.state.workloads['Deployment/shop/mailer']?.health, 'healthy');
    m.batches.length = 0;
    const crashing: ContainerStatus = {
      name: 'mailer',
      ready: false,
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
    };
    informer('pods').put(pod('mailer-1-a', 'mailer-1', crashing));
    informer('deployments').put(deployment('mailer', 1, 0));
    timers.flush();
    assert.equal(m.batches.length, 1);
    assert.equal(m.state.pods['shop/mailer-1-a']?.status, 'CrashLoopBackOff');
    assert.equal(m.state.workloads['Deployment/shop/mailer']?.health, 'failed');
    assert.equal(m.state.workloads['Deployment/shop/mailer']?.reason, 'CrashLoopBackOff');
    src.dispose();
  });

  it('resolves a pod owner once its ReplicaSet arrives, and drops pods and workloads that go', () => {
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    informer('deployments').put(deployment('web', 1));
    informer('pods').put(pod('web-x-1', 'web-x', ready('web')));
    syncAll(informers);
    timers.flush();
    assert.equal(m.state.pods['shop/web-x-1']?.owner, undefined, 'no ReplicaSet and no template hash yet');
    informer('replicasets').put(replicaSet('web-x', 'web'));
    timers.flush();
    assert.deepEqual(m.state.pods['shop/web-x-1']?.owner, { kind: 'Deployment', name: 'web' });
    informer('pods').remove(pod('web-x-1', 'web-x', ready('web')));
    informer('deployments').remove(deployment('web', 1));
    timers.flush();
    assert.deepEqual(m.state.pods, {});
    assert.deepEqual(m.state.workloads, {});
    src.dispose();
  });

  it('shows an error op when an informer fails and a null error on recovery, keeping the items', () => {
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    informer('deployments').put(deployment('web', 1));
    syncAll(informers);
    timers.flush();
    const unreachable = agentError(
      'CLUSTER_UNREACHABLE',
      'The cluster at https://c.example is not reachable (connection refused).',
    );
    informer('pods').fail(unreachable);
    informer('deployments').fail(unreachable);
    timers.flush();
    assert.deepEqual(m.batches.at(-1), [{ op: 'error', error: unreachable }]);
    assert.deepEqual(src.error(), unreachable);
    assert.ok(m.state.workloads['Deployment/shop/web'], 'items are kept as last seen');
    informer('pods').fail(null);
    timers.flush();
    assert.equal(src.error()?.code, 'CLUSTER_UNREACHABLE', 'still failing while any informer fails');
    informer('deployments').fail(null);
    timers.flush();
    assert.deepEqual(m.batches.at(-1), [{ op: 'error', error: null }]);
    assert.equal(m.error(), null);
    src.dispose();
  });

  it('is ready once every informer listed or failed, with the data already in state()', async () => {
    const { deps, informer, informers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    let isReady = false;
    const done = src.ready().then(() => (isReady = true));
    informer('deployments').put(deployment('web', 1));
    informer('deployments').sync();
    await Promise.resolve();
    assert.equal(isReady, false);
    informer('pods').fail(agentError('FORBIDDEN', 'Access denied'));
    for (const i of informers.values()) if (!i.synced && i.error === null) i.sync();
    await done;
    assert.ok(src.state().workloads['Deployment/shop/web']);
    assert.equal(src.error()?.code, 'FORBIDDEN');
    src.dispose();
  });

  it('reports an unknown context at once instead of an empty state', async () => {
    const { deps } = setup();
    const src = createTopicSource('services', { context: 'nope' }, deps);
    assert.equal(src.error()?.code, 'CONTEXT_NOT_FOUND');
    await src.ready();
    src.dispose();
  });

  it('gives its informers back and emits nothing after dispose', () => {
    const { deps, informer, cache, timers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    assert.equal(cache.size, 8);
    informer('deployments').put(deployment('web', 1));
    src.dispose();
    assert.equal(timers.pending, 0, 'the pending flush was cancelled');
    assert.equal(cache.size, 0, 'leases were released (linger 0 here)');
    timers.flush();
    assert.equal(m.batches.length, 0);
  });

  it('does work proportional to the change, not to the number of pods (10,000 pods)', function () {
    this.timeout(60_000);
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('services', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    const started = performance.now();
    for (let d = 0; d < 1000; d++) {
      informer('deployments').put(deployment(`app${d}`, 10));
      informer('replicasets').put(replicaSet(`app${d}-rs`, `app${d}`));
      for (let p = 0; p < 10; p++)
        informer('pods').put(pod(`app${d}-rs-${p}`, `app${d}-rs`, ready(`app${d}`)));
    }
    syncAll(informers);
    timers.flush();
    const loadMs = performance.now() - started;
    assert.equal(Object.keys(m.state.pods).length, 10_000);
    const updates = 2000;
    const t0 = performance.now();
    for (let i = 0; i < updates; i++) {
      const d = i % 1000;
      informer('pods').put(pod(`app${d}-rs-0`, `app${d}-rs`, ready(`app${d}`, i + 1)));
      timers.flush();
    }
    const perEventMs = (performance.now() - t0) / updates;
    console.log(
      `      10,000 pods: initial load ${loadMs.toFixed(0)} ms; one pod change to its batch ${(perEventMs * 1000).toFixed(0)} µs`,
    );
    assert.equal(m.state.pods['shop/app0-rs-0']?.restarts, 1001, 'the last of its two updates');
    // Re-projecting all 10,000 pods per event would cost tens of milliseconds.
    assert.ok(perEventMs < 2, `one pod change took ${perEventMs.toFixed(2)} ms`);
    src.dispose();
  });
});

describe('releases topic', () => {
  it('marks the revision the Deployment runs as current and moves the mark on rollback', () => {
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('releases', { context: 'prod', namespace: 'shop' }, deps);
    const m = mirror(src);
    informer('deployments').put(deployment('core', 2, 2, '3'));
    for (const r of ['1', '2', '3']) informer('replicasets').put(replicaSet(`core-${r}`, 'core', r));
    syncAll(informers);
    timers.flush();
    const current = (): string[] =>
      Object.values(m.state.revisions)
        .filter((r) => r.current)
        .map((r) => r.source);
    assert.deepEqual(
      Object.values(m.state.revisions)
        .map((r) => r.revision)
        .sort(),
      [1, 2, 3],
    );
    assert.deepEqual(current(), ['core-3']);
    // A rollback to revision 1 renumbers that ReplicaSet to 4 and the Deployment follows.
    informer('replicasets').put(replicaSet('core-1', 'core', '4'));
    informer('deployments').put(deployment('core', 2, 2, '4'));
    timers.flush();
    assert.deepEqual(current(), ['core-1']);
    assert.equal(m.state.revisions['ReplicaSet/shop/core-1']?.revision, 4);
    src.dispose();
  });
});

describe('namespaces topic', () => {
  it('lists namespaces with their phase', () => {
    const { deps, informer, informers, timers } = setup();
    const src = createTopicSource('namespaces', { context: 'prod' }, deps);
    const m = mirror(src);
    const shop: Namespace = { metadata: { name: 'shop' }, status: { phase: 'Active' } };
    informer('namespaces', '*').put(shop);
    syncAll(informers);
    timers.flush();
    assert.deepEqual(m.state.namespaces, { shop: { name: 'shop', phase: 'Active' } });
    src.dispose();
  });
});
