import { strict as assert } from 'node:assert';
import type { PlanResult, PodProblem } from '../../protocol';
import { progressMessage, resultMessage } from './plan-summary';
import { emptyPlanView } from './plan-view';

const crash: PodProblem = {
  pod: 'gateway-7d9f-abcde',
  container: 'gateway',
  reason: 'CrashLoopBackOff',
  message: 'back-off 10s restarting failed container',
  restarts: 3,
  events: ['BackOff: Back-off restarting failed container'],
  logTail: ['starting', 'Error: cannot bind :8080', ''],
};

function result(outcome: PlanResult['outcome'], summary: string, problems: PodProblem[] = []): PlanResult {
  return {
    outcome,
    summary,
    context: 'sandbox',
    namespace: 'shop',
    applied: [],
    revisions: [],
    problems,
    steps: [],
    durationMs: 1,
  };
}

describe('deploy progress and result messages', () => {
  it('shows the running step and, while rolling out, how far each workload has come', () => {
    const view = {
      ...emptyPlanView('Set image'),
      steps: [
        { step: 'apply' as const, status: 'ok' as const, message: '1 changed' },
        { step: 'rollout' as const, status: 'running' as const, message: 'Watching deployment/gateway' },
      ],
      workloads: [
        { label: 'deployment/gateway', desired: 3, updated: 2, ready: 1, available: 1, message: '' },
      ],
    };
    assert.equal(
      progressMessage(view),
      'rollout: Watching deployment/gateway · deployment/gateway 2/3 updated, 1/3 ready',
    );
    assert.equal(
      progressMessage({ ...view, problems: [crash] }),
      'rollout: Watching deployment/gateway · deployment/gateway 2/3 updated, 1/3 ready · ' +
        'pod gateway-7d9f-abcde (gateway): CrashLoopBackOff, 3 restarts',
    );
    assert.equal(progressMessage(emptyPlanView('Set image')), '');
  });

  it('picks the severity by outcome', () => {
    assert.equal(resultMessage('Deploy', result('succeeded', 'Deployed.')).severity, 'info');
    assert.equal(resultMessage('Deploy', result('rolledBack', 'Rolled back.')).severity, 'warning');
    assert.equal(resultMessage('Deploy', result('blocked', 'Blocked.')).severity, 'warning');
    assert.equal(resultMessage('Deploy', result('failed', 'Failed.')).severity, 'error');
    assert.equal(resultMessage('Deploy', result('invalid', 'Bad input.')).severity, 'error');
  });

  it('names the failing pod and its last log line when the plan failed', () => {
    assert.equal(
      resultMessage('Set image', result('rolledBack', 'The rollout failed. Rolled back.', [crash, crash]))
        .text,
      'Set image: The rollout failed. Rolled back. Pod gateway-7d9f-abcde (gateway): CrashLoopBackOff, ' +
        '3 restarts. Last log line: "Error: cannot bind :8080" (1 more pod with problems)',
    );
    // The summary already names the pod: only the log line is added.
    assert.equal(
      resultMessage('Set image', result('failed', 'pod gateway-7d9f-abcde is failing.', [crash])).text,
      'Set image: pod gateway-7d9f-abcde is failing. Last log line: "Error: cannot bind :8080"',
    );
    assert.equal(
      resultMessage('Set image', result('succeeded', 'Deployed.', [crash])).text,
      'Set image: Deployed.',
    );
  });
});
