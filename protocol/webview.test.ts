import { strict as assert } from 'node:assert';
import { type PlanViewState, parseHostToPanel, parsePanelToHost } from './webview';

const state: PlanViewState = {
  title: 'Set image of deployment/gateway',
  steps: [
    { step: 'apply', status: 'ok', message: '1 changed', ms: 12 },
    { step: 'rollout', status: 'running', message: 'Watching', since: '2026-11-22T10:00:00.000Z' },
  ],
  workloads: [{ label: 'deployment/gateway', desired: 2, updated: 1, ready: 1, available: 1, message: '' }],
  problems: [
    {
      pod: 'gateway-1',
      reason: 'CrashLoopBackOff',
      message: 'back-off',
      restarts: 2,
      events: ['BackOff: restarting'],
      logTail: ['boom'],
    },
  ],
  health: [{ check: 'readiness', ok: true, status: 200, message: 'GET → 200' }],
  canary: [{ step: 1, weight: 5, message: 'watching' }],
  notes: [{ level: 'info', message: 'Deployment shop/gateway configured' }],
};

describe('rollout panel messages', () => {
  it('accepts a whole state message and returns it unchanged', () => {
    assert.deepEqual(parseHostToPanel({ type: 'state', state }), { type: 'state', state });
    const done = { ...state, outcome: 'succeeded', summary: 'Deployed.' };
    assert.deepEqual(parseHostToPanel({ type: 'state', state: done }), { type: 'state', state: done });
  });

  it('refuses anything else: other types, missing or mistyped fields, unknown steps, extra fields', () => {
    const bad: unknown[] = [
      null,
      'state',
      { type: 'other', state },
      { type: 'state' },
      { type: 'state', state: { ...state, steps: 'none' } },
      { type: 'state', state: { ...state, steps: [{ step: 'deploy', status: 'ok', message: '' }] } },
      { type: 'state', state: { ...state, outcome: 'maybe' } },
      { type: 'state', state: { ...state, workloads: [{ label: 'x', desired: '2' }] } },
      { type: 'state', state: { ...state, extra: 1 } },
    ];
    for (const m of bad) assert.equal(parseHostToPanel(m), undefined, JSON.stringify(m));
  });

  it('accepts only "ready" from the panel', () => {
    assert.deepEqual(parsePanelToHost({ type: 'ready' }), { type: 'ready' });
    assert.equal(parsePanelToHost({ type: 'ready', extra: true }), undefined);
    assert.equal(parsePanelToHost({ type: 'run', command: 'rm' }), undefined);
    assert.equal(parsePanelToHost(undefined), undefined);
  });
});
