import {
  type PlanEvent,
  type PlanResult,
  type PlanViewState,
  type PlanViewStep,
  PLAN_STEPS,
  assertNever,
} from '../../protocol';

export function emptyPlanView(title: string): PlanViewState {
  return { title, steps: [], workloads: [], problems: [], health: [], canary: [], notes: [] };
}

function byPlanOrder(a: PlanViewStep, b: PlanViewStep): number {
  return PLAN_STEPS.indexOf(a.step) - PLAN_STEPS.indexOf(b.step);
}

/**
 * A step's row after an event about it. A running step remembers when it started; when it ends, the
 * time between the two events is its duration, so the panel shows durations while the plan is still
 * going (the result's own measurements replace them at the end).
 */
function stepRow(previous: PlanViewStep | undefined, e: Extract<PlanEvent, { type: 'step' }>): PlanViewStep {
  const row: PlanViewStep = { step: e.step, status: e.status, message: e.message };
  const since = previous?.since ?? e.at;
  if (e.status === 'running') {
    row.since = since;
    return row;
  }
  const ms = Date.parse(e.at) - Date.parse(since);
  if (previous?.status === 'running' && Number.isFinite(ms) && ms >= 0) row.ms = ms;
  return row;
}

/** The rollout panel's state after one more plan event (a new object; the old one is left as it was). */
export function applyPlanEvent(state: PlanViewState, e: PlanEvent): PlanViewState {
  switch (e.type) {
    case 'step': {
      const previous = state.steps.find((s) => s.step === e.step);
      const steps = [...state.steps.filter((s) => s.step !== e.step), stepRow(previous, e)];
      return { ...state, steps: steps.sort(byPlanOrder) };
    }
    case 'workload': {
      const label = `${e.workload.kind.toLowerCase()}/${e.workload.name}`;
      const row = {
        label,
        desired: e.desired,
        updated: e.updated,
        ready: e.ready,
        available: e.available,
        message: e.message,
      };
      // A workload keeps its place in the list as its numbers change.
      const at = state.workloads.findIndex((w) => w.label === label);
      const workloads =
        at < 0 ? [...state.workloads, row] : state.workloads.map((w, i) => (i === at ? row : w));
      return { ...state, workloads };
    }
    case 'pod':
      return { ...state, problems: [...state.problems.filter((p) => p.pod !== e.problem.pod), e.problem] };
    case 'health': {
      const row = {
        check: e.check,
        ok: e.ok,
        message: e.message,
        ...(e.status === undefined ? {} : { status: e.status }),
      };
      return { ...state, health: [...state.health, row] };
    }
    case 'canary':
      return {
        ...state,
        canary: [...state.canary, { step: e.stepIndex + 1, weight: e.weight, message: e.message }],
      };
    case 'note':
      return { ...state, notes: [...state.notes, { level: e.level, message: e.message }] };
    default:
      return assertNever(e, 'plan event');
  }
}

/** The final state: the outcome, and each step's duration as the agent measured it. */
export function finishPlanView(state: PlanViewState, result: PlanResult): PlanViewState {
  // The result records every step the plan took; events show only what was streamed live and can miss a
  // step the agent records at the end. The result's rows win; rows it leaves out stay as they were, minus
  // the start time of a step that will not run any further.
  const steps = [
    ...state.steps
      .filter((s) => !result.steps.some((r) => r.step === s.step))
      .map(({ since: _since, ...s }) => s),
    ...result.steps.map((r) => ({ step: r.step, status: r.status, message: r.message, ms: r.ms })),
  ].sort(byPlanOrder);
  // Pods are briefly NotReady in every rollout: once a plan has succeeded, what the live stream showed is
  // no longer a problem. A failed plan keeps the live ones when its result names none.
  const problems =
    result.outcome === 'succeeded' || result.problems.length > 0 ? result.problems : state.problems;
  return { ...state, steps, problems, outcome: result.outcome, summary: result.summary };
}

/**
 * The state of a plan that ended without a result (cancelled, or the connection was lost): a running step
 * stops running, and a note says why.
 */
export function abortPlanView(state: PlanViewState, reason: string): PlanViewState {
  return {
    ...state,
    steps: state.steps.map(({ since: _since, ...s }) =>
      s.status === 'running' ? { ...s, status: 'failed' as const, message: `${s.message} (${reason})` } : s,
    ),
    notes: [...state.notes, { level: 'warning', message: reason }],
    outcome: 'failed',
    summary: reason,
  };
}

/**
 * The rollout panel's state for a plan: every event received so far, folded in order, and the result once
 * the plan has ended. Pure, so the panel shows the same thing however often it is rebuilt.
 */
export function planViewState(
  title: string,
  events: readonly PlanEvent[],
  result?: PlanResult,
): PlanViewState {
  const live = events.reduce(applyPlanEvent, emptyPlanView(title));
  return result === undefined ? live : finishPlanView(live, result);
}
