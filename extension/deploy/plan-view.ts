import { type PlanEvent, type PlanResult, type PlanViewState, PLAN_STEPS, assertNever } from '../../protocol';

export function emptyPlanView(title: string): PlanViewState {
  return { title, steps: [], workloads: [], problems: [], health: [], canary: [], notes: [] };
}

/** The rollout panel's state after one more plan event (a new object; the old one is left as it was). */
export function applyPlanEvent(state: PlanViewState, e: PlanEvent): PlanViewState {
  switch (e.type) {
    case 'step': {
      const steps = state.steps.filter((s) => s.step !== e.step);
      steps.push({ step: e.step, status: e.status, message: e.message });
      steps.sort((a, b) => PLAN_STEPS.indexOf(a.step) - PLAN_STEPS.indexOf(b.step));
      return { ...state, steps };
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
      return { ...state, workloads: [...state.workloads.filter((w) => w.label !== label), row] };
    }
    case 'pod':
      return { ...state, problems: [...state.problems.filter((p) => p.pod !== e.problem.pod), e.problem] };
    case 'health':
      return { ...state, health: [...state.health, { check: e.check, ok: e.ok, message: e.message }] };
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
  // step the agent records at the end. The result's rows win; rows it leaves out stay as they were.
  const steps = [
    ...state.steps.filter((s) => !result.steps.some((r) => r.step === s.step)),
    ...result.steps.map((r) => ({ step: r.step, status: r.status, message: r.message, ms: r.ms })),
  ].sort((a, b) => PLAN_STEPS.indexOf(a.step) - PLAN_STEPS.indexOf(b.step));
  // Pods are briefly NotReady in every rollout: once a plan has succeeded, what the live stream showed is
  // no longer a problem. A failed plan keeps the live ones when its result names none.
  const problems =
    result.outcome === 'succeeded' || result.problems.length > 0 ? result.problems : state.problems;
  return { ...state, steps, problems, outcome: result.outcome, summary: result.summary };
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
