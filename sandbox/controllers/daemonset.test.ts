import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import { isDeleting, nodeNameOf, specOf, statusOf } from './objects';

function daemonSet(): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
      },
    },
  };
}

describe('daemonset controller', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster({ nodes: 3 });
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  const ds = (): KObject => c.mustGet(c.res.daemonSets, 'default', 'agent');
  const done = (): boolean => {
    const st = statusOf(ds());
    return (
      st['observedGeneration'] === ds().metadata.generation &&
      st['desiredNumberScheduled'] === 3 &&
      st['updatedNumberScheduled'] === 3 &&
      st['numberAvailable'] === 3 &&
      c.pods().every((p) => !isDeleting(p))
    );
  };

  it('runs one pod per Ready node and reports the scheduling counts', () => {
    c.addNode('not-ready', false);
    c.create(daemonSet());
    c.until(done, 10_000, 'rollout');
    assert.deepEqual(c.pods().map(nodeNameOf).sort(), ['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-3']);
    const st = statusOf(ds());
    assert.equal(st['currentNumberScheduled'], 3);
    assert.equal(st['numberReady'], 3);
    assert.equal(st['numberMisscheduled'], 0);
    const revisions = c.store.list(c.res.controllerRevisions, 'default');
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0]!['revision'], 1);
    const hash = revisions[0]!.metadata.labels?.['controller-revision-hash'];
    assert.ok(c.pods().every((p) => p.metadata.labels?.['controller-revision-hash'] === hash));
  });

  it('rolls pods node by node within maxUnavailable 1', () => {
    c.create(daemonSet());
    c.until(done, 10_000, 'rollout');
    c.edit(c.res.daemonSets, 'default', 'agent', (o) => {
      (specOf(o)['template'] as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image =
        'agent:2';
    });
    let maxDown = 0;
    c.run(10_000, () => {
      const serving = c.pods().filter((p) => !isDeleting(p) && statusOf(p)['phase'] === 'Running').length;
      maxDown = Math.max(maxDown, 3 - serving);
    });
    assert.ok(done());
    assert.equal(maxDown, 1);
    assert.equal(c.store.list(c.res.controllerRevisions, 'default').length, 2);
    assert.ok(
      c.pods().every((p) => (specOf(p)['containers'] as { image: string }[])[0]!.image === 'agent:2'),
    );
  });
});
