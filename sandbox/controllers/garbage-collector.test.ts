import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import { specOf, statusOf } from './objects';

function deployment(): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      },
    },
  };
}

describe('garbage collector', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster();
    c.create(deployment());
    c.until(
      () => statusOf(c.mustGet(c.res.deployments, 'default', 'web'))['availableReplicas'] === 2,
      10_000,
      'rollout',
    );
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  const replicaSets = (): KObject[] => c.store.list(c.res.replicaSets, 'default');

  it('deletes the replica set and its pods in the background when the deployment is deleted', () => {
    c.store.delete(c.res.deployments, 'default', 'web', { propagationPolicy: 'Background' });
    c.until(() => replicaSets().length === 0 && c.pods().length === 0, 10_000, 'dependents gone');
  });

  it('orphans dependents with propagationPolicy Orphan, then lets the owner go', () => {
    c.store.delete(c.res.deployments, 'default', 'web', { propagationPolicy: 'Orphan' });
    c.until(() => c.get(c.res.deployments, 'default', 'web') === undefined, 5_000, 'owner gone');
    assert.equal(replicaSets().length, 1);
    assert.equal(
      replicaSets()[0]!.metadata.ownerReferences,
      undefined,
      'the replica set lost its owner reference',
    );
    c.run(1_000);
    assert.equal(c.pods().length, 2, 'pods stay with their replica set');
  });

  it('deletes in the foreground: dependents first, the owner after they are gone', () => {
    c.store.delete(c.res.deployments, 'default', 'web', { propagationPolicy: 'Foreground' });
    let ownerSeenWithoutDependents = false;
    c.until(
      () => {
        const owner = c.get(c.res.deployments, 'default', 'web');
        if (owner !== undefined && replicaSets().length === 0) ownerSeenWithoutDependents = true;
        if (owner !== undefined) assert.ok(owner.metadata.finalizers?.includes('foregroundDeletion'));
        // The owner never goes while a replica set that blocks it still exists.
        if (owner === undefined) assert.equal(replicaSets().length, 0);
        return owner === undefined;
      },
      10_000,
      'owner gone',
    );
    assert.ok(ownerSeenWithoutDependents || replicaSets().length === 0);
    c.until(() => c.pods().length === 0, 5_000, 'pods gone');
  });

  it('deletes an object created with an owner that does not exist', () => {
    c.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'stray',
        namespace: 'default',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: 'no-such-uid' }],
      },
      data: {},
    });
    c.run(100);
    assert.equal(c.get(c.registry.lookup('', 'v1', 'configmaps')!, 'default', 'stray'), undefined);
    assert.equal(specOf(c.mustGet(c.res.deployments, 'default', 'web'))['replicas'], 2);
  });
});
