import { strict as assert } from 'node:assert';
import { ManualClock } from './clock';
import { ApiError } from './errors';
import { Registry } from './registry';
import { Store, type StoreEvent } from './store';
import type { KObject } from './types';

function setup(historyLimit = 100): { store: Store; reg: Registry } {
  const reg = new Registry();
  const store = new Store(reg, new ManualClock(), historyLimit);
  store.create(reg.lookup('', 'v1', 'namespaces')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'ns' },
  });
  return { store, reg };
}

function cm(name: string, data: Record<string, string> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return `${e.code} ${e.reason}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('Store', () => {
  it('assigns uid, creationTimestamp and increasing resourceVersions', () => {
    const { store, reg } = setup();
    const t = reg.lookup('', 'v1', 'configmaps')!;
    const a = store.create(t, cm('a'));
    const b = store.create(t, cm('b'));
    assert.ok(a.metadata.uid !== undefined && a.metadata.uid !== b.metadata.uid);
    assert.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
    assert.equal(a.metadata.creationTimestamp, '2026-01-01T00:00:00Z');
  });

  it('answers AlreadyExists and NotFound with the real server wording', () => {
    const { store, reg } = setup();
    const t = reg.lookup('apps', 'v1', 'deployments')!;
    assert.equal(
      code(() => store.mustGet(t, 'ns', 'web')),
      '404 NotFound: deployments.apps "web" not found',
    );
    const c = reg.lookup('', 'v1', 'configmaps')!;
    store.create(c, cm('a'));
    assert.equal(
      code(() => store.create(c, cm('a'))),
      '409 AlreadyExists: configmaps "a" already exists',
    );
    assert.equal(
      code(() => store.create(c, { ...cm('x'), metadata: { name: 'x', namespace: 'nope' } })),
      '404 NotFound: namespaces "nope" not found',
    );
  });

  it('rejects a stale resourceVersion on update (optimistic concurrency)', () => {
    const { store, reg } = setup();
    const t = reg.lookup('', 'v1', 'configmaps')!;
    const a = store.create(t, cm('a'));
    store.update(t, { ...a, data: { k: '1' } });
    assert.match(
      code(() => store.update(t, { ...a, data: { k: '2' } })),
      /^409 Conflict: Operation cannot be fulfilled on configmaps "a": the object has been modified/,
    );
  });

  it('bumps generation only for spec changes of kinds that have one', () => {
    const { store, reg } = setup();
    const t = reg.lookup('apps', 'v1', 'deployments')!;
    const d: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'web:1' }] },
        },
      },
    };
    const created = store.create(t, d);
    assert.equal(created.metadata.generation, 1);
    const labelled = store.update(t, { ...created, metadata: { ...created.metadata, labels: { x: 'y' } } });
    assert.equal(labelled.metadata.generation, 1);
    const scaled = store.update(t, { ...labelled, spec: { ...(labelled['spec'] as object), replicas: 3 } });
    assert.equal(scaled.metadata.generation, 2);
    const withStatus = store.update(t, { ...scaled, status: { replicas: 3 } }, { subresource: 'status' });
    assert.equal(withStatus.metadata.generation, 2);
    assert.deepEqual(withStatus['status'], { replicas: 3 });
    const ignored = store.update(t, { ...withStatus, status: { replicas: 99 } });
    assert.deepEqual(ignored['status'], { replicas: 3 }, 'main-resource writes keep the stored status');
  });

  it('replays watch history after a resourceVersion and answers 410 once it is compacted', () => {
    const { store, reg } = setup(3);
    const t = reg.lookup('', 'v1', 'configmaps')!;
    const start = store.resourceVersion;
    store.create(t, cm('a'));
    const got: StoreEvent[] = [];
    store.watch(t, start, (e) => got.push(e))();
    assert.deepEqual(
      got.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`),
      ['ADDED a'],
    );
    for (const n of ['b', 'c', 'd', 'e']) store.create(t, cm(n));
    assert.match(
      code(() => store.watch(t, start, () => undefined)),
      /^410 Expired: too old resource version/,
    );
  });

  it('keeps an object with finalizers until they are removed, then deletes it', () => {
    const { store, reg } = setup();
    const t = reg.lookup('', 'v1', 'configmaps')!;
    store.create(t, { ...cm('f'), metadata: { name: 'f', namespace: 'ns', finalizers: ['example.com/x'] } });
    const marked = store.delete(t, 'ns', 'f');
    assert.ok(marked.metadata.deletionTimestamp !== undefined);
    assert.ok(store.get(t, 'ns', 'f') !== undefined);
    const live = store.get(t, 'ns', 'f')!;
    store.update(t, { ...live, metadata: { ...live.metadata, finalizers: [] } });
    assert.equal(store.get(t, 'ns', 'f'), undefined);
  });

  it('does not store anything on dry run', () => {
    const { store, reg } = setup();
    const t = reg.lookup('', 'v1', 'configmaps')!;
    const rv = store.resourceVersion;
    store.create(t, cm('dry'), { dryRun: true });
    assert.equal(store.get(t, 'ns', 'dry'), undefined);
    assert.equal(store.resourceVersion, rv);
  });
});
