import { strict as assert } from 'node:assert';
import { rolloutState } from './rollout-status';

describe('rolloutState (kubectl rollout status rules)', () => {
  const deploy = (
    status: Record<string, unknown>,
    generation = 2,
    replicas = 3,
  ): Record<string, unknown> => ({
    metadata: { name: 'web', generation },
    spec: { replicas },
    status: { observedGeneration: 2, ...status },
  });

  it('waits until the controller has observed the new spec', () => {
    const s = rolloutState('Deployment', deploy({ observedGeneration: 1 }, 2));
    assert.equal(s.done, false);
    assert.match(s.message, /spec update to be observed/);
  });

  it('reports updated, old-replica and availability stages, then success', () => {
    assert.match(
      rolloutState('Deployment', deploy({ updatedReplicas: 1, replicas: 3 })).message,
      /1 out of 3 new replicas/,
    );
    assert.match(
      rolloutState('Deployment', deploy({ updatedReplicas: 3, replicas: 4 })).message,
      /1 old replicas are pending termination/,
    );
    assert.match(
      rolloutState('Deployment', deploy({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).message,
      /2 of 3 updated replicas are available/,
    );
    const done = rolloutState(
      'Deployment',
      deploy({ updatedReplicas: 3, replicas: 3, availableReplicas: 3, readyReplicas: 3 }),
    );
    assert.equal(done.done, true);
    assert.equal(done.message, 'deployment "web" successfully rolled out');
    assert.deepEqual([done.desired, done.updated, done.ready, done.available], [3, 3, 3, 3]);
  });

  it('fails on ProgressDeadlineExceeded', () => {
    const s = rolloutState(
      'Deployment',
      deploy({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
    );
    assert.equal(s.failed, 'deployment "web" exceeded its progress deadline');
  });

  it('follows a StatefulSet until current and update revisions agree, honouring a partition', () => {
    const sts = (status: Record<string, unknown>, partition?: number): Record<string, unknown> => ({
      metadata: { name: 'db', generation: 1 },
      spec: {
        replicas: 2,
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: partition === undefined ? {} : { partition },
        },
      },
      status: { observedGeneration: 1, ...status },
    });
    assert.match(
      rolloutState('StatefulSet', sts({ readyReplicas: 1 })).message,
      /Waiting for 1 pods to be ready/,
    );
    const rolling = rolloutState(
      'StatefulSet',
      sts({ readyReplicas: 2, currentRevision: 'a', updateRevision: 'b', updatedReplicas: 1 }),
    );
    assert.equal(rolling.done, false);
    assert.equal(
      rolloutState('StatefulSet', sts({ readyReplicas: 2, currentRevision: 'b', updateRevision: 'b' })).done,
      true,
    );
    assert.equal(rolloutState('StatefulSet', sts({ readyReplicas: 2, updatedReplicas: 1 }, 1)).done, true);
  });

  it('follows a DaemonSet by scheduled and available pods', () => {
    const ds = (status: Record<string, unknown>): Record<string, unknown> => ({
      metadata: { name: 'agent', generation: 1 },
      spec: {},
      status: { observedGeneration: 1, desiredNumberScheduled: 2, ...status },
    });
    assert.equal(rolloutState('DaemonSet', ds({ updatedNumberScheduled: 1 })).done, false);
    assert.equal(rolloutState('DaemonSet', ds({ updatedNumberScheduled: 2, numberAvailable: 2 })).done, true);
  });
});
