import { strict as assert } from 'node:assert';
import type { PlanEvent, PlanResult } from '../../protocol';
import { abortPlanView, applyPlanEvent, emptyPlanView, finishPlanView, planViewState } from './plan-view';

const at = '2026-11-22T10:00:00.000Z';
const gateway = { kind: 'Deployment' as const, name: 'gateway' };

describe('rollout panel state', () => {
  it('keeps one row per step in plan order, the latest status winning', () => {
    const events: PlanEvent[] = [
      { type: 'step', step: 'rollout', status: 'running', message: 'Watching', at },
      { type: 'step', step: 'preflight', status: 'ok', message: '1 change', at },
      { type: 'step', step: 'rollout', status: 'failed', message: 'crash', at },
    ];
    const s = events.reduce(applyPlanEvent, emptyPlanView('Deploy'));
    assert.deepEqual(
      s.steps.map((x) => `${x.step}:${x.status}`),
      ['preflight:ok', 'rollout:failed'],
    );
  });

  it('tracks workload progress, pod problems (latest per pod), health and notes', () => {
    const problem = {
      pod: 'gateway-1',
      reason: 'CrashLoopBackOff',
      message: 'back-off',
      restarts: 2,
      events: [],
      logTail: ['boom'],
    };
    const s = [
      {
        type: 'workload',
        workload: gateway,
        desired: 2,
        updated: 1,
        ready: 1,
        available: 1,
        message: 'waiting',
        at,
      },
      {
        type: 'workload',
        workload: gateway,
        desired: 2,
        updated: 2,
        ready: 2,
        available: 2,
        message: 'done',
        at,
      },
      { type: 'pod', workload: gateway, problem: { ...problem, restarts: 1 }, at },
      { type: 'pod', workload: gateway, problem, at },
      { type: 'health', check: '/health', ok: true, status: 200, message: 'GET pod → 200', at },
      { type: 'note', level: 'warning', message: 'HPA manages replicas', at },
    ].reduce((st, e) => applyPlanEvent(st, e as PlanEvent), emptyPlanView('Deploy'));
    assert.deepEqual(s.workloads, [
      { label: 'deployment/gateway', desired: 2, updated: 2, ready: 2, available: 2, message: 'done' },
    ]);
    assert.equal(s.problems.length, 1);
    assert.equal(s.problems[0]?.restarts, 2);
    assert.equal(s.health[0]?.ok, true);
    assert.equal(s.notes[0]?.level, 'warning');
  });

  it('ends with the outcome, summary and measured durations', () => {
    const s = applyPlanEvent(emptyPlanView('Deploy'), {
      type: 'step',
      step: 'apply',
      status: 'running',
      message: 'Applying',
      at,
    });
    const result: PlanResult = {
      outcome: 'rolledBack',
      summary: 'Rolled back.',
      context: 'sandbox',
      namespace: 'shop',
      applied: [],
      revisions: [],
      problems: [],
      steps: [{ step: 'apply', status: 'ok', message: '1 changed', ms: 42 }],
      durationMs: 100,
    };
    const done = finishPlanView(s, result);
    assert.deepEqual(done.steps, [{ step: 'apply', status: 'ok', message: '1 changed', ms: 42 }]);
    assert.equal(done.outcome, 'rolledBack');
  });

  it('folds a recorded stream into the same state, with steps the result adds that no event announced', () => {
    const events: PlanEvent[] = [
      { type: 'step', step: 'render', status: 'ok', message: '1 object', at },
      { type: 'step', step: 'rollout', status: 'running', message: 'Watching', at },
    ];
    const live = planViewState('Set image', events);
    assert.equal(live.outcome, undefined);
    assert.deepEqual(
      live.steps.map((x) => x.status),
      ['ok', 'running'],
    );
    const result: PlanResult = {
      outcome: 'succeeded',
      summary: 'Deployed to sandbox/shop.',
      context: 'sandbox',
      namespace: 'shop',
      applied: [],
      revisions: [],
      problems: [],
      steps: [
        { step: 'render', status: 'ok', message: '1 object', ms: 3 },
        { step: 'rollout', status: 'ok', message: '2/2 ready', ms: 1500 },
        { step: 'health', status: 'skipped', message: 'no checks', ms: 0 },
      ],
      durationMs: 1503,
    };
    const done = planViewState('Set image', events, result);
    assert.deepEqual(
      done.steps.map((x) => `${x.step}:${x.status}:${String(x.ms)}`),
      ['render:ok:3', 'rollout:ok:1500', 'health:skipped:0'],
    );
    assert.equal(done.summary, 'Deployed to sandbox/shop.');
    assert.equal(live.steps[1]?.status, 'running', 'the live state is not changed by finishing');
  });

  it('drops the pods that were only starting once the plan succeeded, keeps them when it failed', () => {
    const notReady: PlanEvent = {
      type: 'pod',
      workload: gateway,
      problem: {
        pod: 'gateway-2',
        reason: 'NotReady',
        message: 'starting',
        restarts: 0,
        events: [],
        logTail: [],
      },
      at,
    };
    const result = (outcome: PlanResult['outcome']): PlanResult => ({
      outcome,
      summary: '',
      context: 'sandbox',
      namespace: 'shop',
      applied: [],
      revisions: [],
      problems: [],
      steps: [],
      durationMs: 1,
    });
    assert.equal(planViewState('Deploy', [notReady]).problems.length, 1, 'shown while rolling out');
    assert.equal(planViewState('Deploy', [notReady], result('succeeded')).problems.length, 0);
    assert.equal(planViewState('Deploy', [notReady], result('rolledBack')).problems.length, 1);
  });

  it('measures a step from its running event to its end while the plan runs, and keeps workload order', () => {
    const s = [
      {
        type: 'step',
        step: 'rollout',
        status: 'running',
        message: 'Watching',
        at: '2026-11-22T10:00:00.000Z',
      },
      {
        type: 'workload',
        workload: gateway,
        desired: 2,
        updated: 0,
        ready: 0,
        available: 0,
        message: '',
        at,
      },
      {
        type: 'workload',
        workload: { kind: 'Deployment', name: 'core' },
        desired: 1,
        updated: 0,
        ready: 0,
        available: 0,
        message: '',
        at,
      },
      {
        type: 'workload',
        workload: gateway,
        desired: 2,
        updated: 2,
        ready: 1,
        available: 1,
        message: '',
        at,
      },
    ].reduce((st, e) => applyPlanEvent(st, e as PlanEvent), emptyPlanView('Deploy'));
    assert.equal(s.steps[0]?.since, '2026-11-22T10:00:00.000Z', 'a running step shows how long it runs');
    assert.deepEqual(
      s.workloads.map((w) => `${w.label}:${w.updated}`),
      ['deployment/gateway:2', 'deployment/core:0'],
    );
    const done = applyPlanEvent(s, {
      type: 'step',
      step: 'rollout',
      status: 'ok',
      message: 'Rolled out',
      at: '2026-11-22T10:00:02.500Z',
    });
    assert.deepEqual(done.steps, [{ step: 'rollout', status: 'ok', message: 'Rolled out', ms: 2500 }]);
  });

  it('keeps the HTTP status of a health check', () => {
    const s = applyPlanEvent(emptyPlanView('Deploy'), {
      type: 'health',
      check: 'readiness',
      ok: false,
      status: 503,
      message: 'GET /ready → 503',
      at,
    });
    assert.deepEqual(s.health, [{ check: 'readiness', ok: false, status: 503, message: 'GET /ready → 503' }]);
  });

  it('ends a plan that has no result (cancelled, connection lost) with the reason and no running step', () => {
    const s = applyPlanEvent(emptyPlanView('Deploy'), {
      type: 'step',
      step: 'rollout',
      status: 'running',
      message: 'Watching',
      at,
    });
    const ended = abortPlanView(s, 'The request was cancelled.');
    assert.equal(ended.outcome, 'failed');
    assert.equal(ended.summary, 'The request was cancelled.');
    assert.deepEqual(ended.steps, [
      { step: 'rollout', status: 'failed', message: 'Watching (The request was cancelled.)' },
    ]);
  });
});
