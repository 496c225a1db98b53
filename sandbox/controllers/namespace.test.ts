import { strict as assert } from 'node:assert';
import { TestCluster } from './test-cluster';
import { conditionsOf, statusOf } from './objects';

describe('namespace controller', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster();
    c.namespace('shop');
    c.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx' }] },
        },
      },
    });
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: {} });
    c.run(1_000);
    assert.equal(c.pods('shop').length, 2);
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  it('deletes everything left in a namespace the store removed', () => {
    c.store.delete(c.res.namespaces, undefined, 'shop');
    c.until(
      () => c.pods('shop').length === 0 && c.store.list(c.res.replicaSets, 'shop').length === 0,
      10_000,
      'content gone',
    );
    assert.equal(c.store.list(c.res.deployments, 'shop').length, 0);
    assert.equal(c.store.list(c.registry.lookup('', 'v1', 'configmaps')!, 'shop').length, 0);
  });

  it('turns a namespace marked for deletion Terminating, empties it, then drops its finalizer', () => {
    // A metadata finalizer makes the store mark the namespace instead of removing it.
    const ns = c.mustGet(c.res.namespaces, undefined, 'shop');
    c.store.update(c.res.namespaces, {
      ...ns,
      metadata: { ...ns.metadata, finalizers: ['example.com/hold'] },
    });
    c.store.delete(c.res.namespaces, undefined, 'shop');
    c.run(20);
    const terminating = c.mustGet(c.res.namespaces, undefined, 'shop');
    assert.equal(statusOf(terminating)['phase'], 'Terminating');
    const remaining = conditionsOf(statusOf(terminating)['conditions']).find(
      (x) => x.type === 'NamespaceContentRemaining',
    );
    assert.equal(remaining?.status, 'True');
    assert.match(remaining?.message ?? '', /^Some resources are remaining: pods\. has 2 resource instances/);
    c.until(() => c.pods('shop').length === 0, 10_000, 'pods gone');
    c.until(
      () =>
        (c.mustGet(c.res.namespaces, undefined, 'shop')['spec'] as { finalizers: string[] }).finalizers
          .length === 0,
      5_000,
      'kubernetes finalizer removed',
    );
    const done = c.mustGet(c.res.namespaces, undefined, 'shop');
    assert.equal(
      conditionsOf(statusOf(done)['conditions']).find((x) => x.type === 'NamespaceContentRemaining')?.reason,
      'ContentRemoved',
    );
    // Whoever owns the remaining metadata finalizer releases it; then the namespace is gone.
    c.store.update(c.res.namespaces, { ...done, metadata: { ...done.metadata, finalizers: [] } });
    assert.equal(c.get(c.res.namespaces, undefined, 'shop'), undefined);
  });
});
