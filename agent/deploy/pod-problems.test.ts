import { strict as assert } from 'node:assert';
import type { Pod } from '../kube/objects';
import { podFinding } from './pod-problems';

const pod = (status: NonNullable<Pod['status']>): Pod => ({ metadata: { name: 'web-1' }, status });

describe('podFinding', () => {
  it('is fatal for crash loops and image errors', () => {
    const crash = podFinding(
      pod({
        containerStatuses: [
          {
            name: 'web',
            restartCount: 1,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
          },
        ],
      }),
      2,
    );
    assert.deepEqual(crash, {
      container: 'web',
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s',
      restarts: 1,
      fatal: true,
      restarted: true,
    });
    assert.equal(
      podFinding(
        pod({ containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ImagePullBackOff' } } }] }),
        2,
      )?.fatal,
      true,
    );
  });

  it('is fatal once restarts reach the limit, naming the last exit code', () => {
    const f = podFinding(
      pod({
        containerStatuses: [
          {
            name: 'web',
            restartCount: 2,
            state: { running: {} },
            lastState: { terminated: { reason: 'Error', exitCode: 3 } },
          },
        ],
      }),
      2,
    );
    assert.equal(f?.fatal, true);
    assert.match(f?.message ?? '', /restarted 2 times \(last exit code 3\)/);
  });

  it('reports running-but-unready as a non-fatal finding, and nothing for a healthy pod', () => {
    assert.equal(
      podFinding(pod({ containerStatuses: [{ name: 'web', ready: false, state: { running: {} } }] }), 2)
        ?.fatal,
      false,
    );
    assert.equal(
      podFinding(pod({ containerStatuses: [{ name: 'web', ready: true, state: { running: {} } }] }), 2),
      undefined,
    );
  });
});
