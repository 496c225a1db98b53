import { strict as assert } from 'node:assert';
import type { AgentError } from '../../protocol';
import type { InformerEvent, InformerHandle } from './informer';
import { InformerCache, type InformerKey } from './informer-cache';
import { Emitter, type Schedule } from './lifecycle';
import type { KubeObject } from './objects';

class StubInformer implements InformerHandle<KubeObject> {
  readonly objects = new Map<string, KubeObject>();
  readonly synced = false;
  readonly error: AgentError | null = null;
  private readonly emitter = new Emitter<InformerEvent<KubeObject>>();
  readonly onChange = this.emitter.event;
  starts = 0;
  stops = 0;
  start(): void {
    this.starts++;
  }
  stop(): Promise<void> {
    this.stops++;
    return Promise.resolve();
  }
}

/** Timers the test fires by hand. */
class ManualScheduler {
  readonly timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  readonly schedule: Schedule = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    this.timers.push(t);
    return () => (t.cancelled = true);
  };
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
  fireAll(): void {
    for (const t of this.timers.splice(0)) if (!t.cancelled) t.fn();
  }
}

function setup() {
  const created: { key: InformerKey; informer: StubInformer }[] = [];
  const timers = new ManualScheduler();
  const cache = new InformerCache({
    create: (key) => {
      const informer = new StubInformer();
      created.push({ key, informer });
      return informer;
    },
    lingerMs: 30_000,
    schedule: timers.schedule,
  });
  return { cache, created, timers };
}

describe('informer cache (shared by context, resource and namespace)', () => {
  it('opens one informer per key on first acquire and shares it', () => {
    const { cache, created } = setup();
    const a = cache.acquire('prod', 'pods', 'shop');
    const b = cache.acquire('prod', 'pods', 'shop');
    assert.equal(a.informer, b.informer);
    cache.acquire('prod', 'pods', 'data');
    cache.acquire('prod', 'pods');
    cache.acquire('dev', 'pods', 'shop');
    assert.equal(created.length, 4);
    assert.ok(created.every((c) => c.informer.starts === 1));
    assert.deepEqual(created[0]?.key, { context: 'prod', resource: 'pods', namespace: 'shop' });
  });

  it('ignores the namespace for cluster-scoped resources', () => {
    const { cache, created } = setup();
    cache.acquire('prod', 'namespaces', 'shop');
    cache.acquire('prod', 'namespaces');
    assert.equal(created.length, 1);
    assert.equal(created[0]?.key.namespace, undefined);
  });

  it('closes an informer a linger after its last lease, unless it is acquired again meanwhile', () => {
    const { cache, created, timers } = setup();
    const a = cache.acquire('prod', 'pods', 'shop');
    const b = cache.acquire('prod', 'pods', 'shop');
    a.release();
    a.release();
    assert.equal(timers.pending, 0, 'still leased by b (a second release of a does nothing)');
    b.release();
    assert.equal(timers.timers[0]?.ms, 30_000);
    const again = cache.acquire('prod', 'pods', 'shop');
    assert.equal(timers.pending, 0, 'the linger was cancelled');
    assert.equal(created.length, 1);
    again.release();
    timers.fireAll();
    assert.equal(created[0]?.informer.stops, 1);
    assert.equal(cache.size, 0);
    cache.acquire('prod', 'pods', 'shop');
    assert.equal(created.length, 2, 'a closed informer is reopened fresh');
  });

  it('stops everything on dispose, leased or lingering, and leaves no timer', async () => {
    const { cache, created, timers } = setup();
    cache.acquire('prod', 'pods', 'shop');
    cache.acquire('prod', 'services', 'shop').release();
    await cache.dispose();
    assert.deepEqual(
      created.map((c) => c.informer.stops),
      [1, 1],
    );
    assert.equal(timers.pending, 0);
    assert.equal(cache.size, 0);
  });
});
