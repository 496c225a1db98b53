import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import { conditionsOf, nodeNameOf, statusOf } from './objects';

function pod(name: string, spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

describe('scheduler', () => {
  afterEach(() => undefined);

  it('binds pending pods to Ready nodes in turn and reports Scheduled', () => {
    const c = new TestCluster({ nodes: 2 });
    c.addNode('sandbox-node-3', false);
    for (const n of ['a', 'b', 'c', 'd']) c.create(pod(n));
    c.run(50);
    const nodes = ['a', 'b', 'c', 'd'].map((n) => nodeNameOf(c.mustGet(c.res.pods, 'default', n)));
    assert.deepEqual(
      nodes,
      ['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-1', 'sandbox-node-2'],
      'round-robin over Ready nodes only',
    );
    const scheduled = c
      .events()
      .find((e) => e['reason'] === 'Scheduled' && (e['involvedObject'] as { name: string }).name === 'a')!;
    assert.equal(scheduled['message'], 'Successfully assigned default/a to sandbox-node-1');
    assert.equal(scheduled['reportingComponent'], 'default-scheduler');
    assert.equal(scheduled['action'], 'Binding');
    const cond = conditionsOf(statusOf(c.mustGet(c.res.pods, 'default', 'a'))['conditions']).find(
      (x) => x.type === 'PodScheduled',
    );
    assert.equal(cond?.status, 'True');
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  it('leaves pods Pending with FailedScheduling when no node fits, and binds them once one does', () => {
    const c = new TestCluster({ nodes: 0 });
    c.create(pod('lonely'));
    c.run(50);
    const p = c.mustGet(c.res.pods, 'default', 'lonely');
    assert.equal(nodeNameOf(p), '');
    assert.equal(statusOf(p)['phase'], 'Pending');
    const cond = conditionsOf(statusOf(p)['conditions']).find((x) => x.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'Unschedulable');
    assert.ok(c.eventMessages('default', 'FailedScheduling').includes('no nodes available to schedule pods'));

    c.create(pod('picky', { nodeSelector: { disk: 'ssd' } }));
    c.addNode('sandbox-node-1');
    c.run(50);
    assert.equal(nodeNameOf(c.mustGet(c.res.pods, 'default', 'lonely')), 'sandbox-node-1');
    assert.equal(nodeNameOf(c.mustGet(c.res.pods, 'default', 'picky')), '');
    assert.ok(
      c
        .eventMessages('default', 'FailedScheduling')
        .includes(
          "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        ),
    );
    c.stop();
    assert.deepEqual(c.errors, []);
  });
});
