/**
 * Messages between the rollout panel (webview) and its extension host, and the state it draws. The
 * panel holds nothing else: the host sends the whole state, the panel renders it. Both sides check what
 * they receive with `parseHostToPanel` / `parsePanelToHost`: a webview's message channel carries plain
 * JSON, and a stale panel (reloaded from an older build) must not draw half a state.
 */
import { type Check, CheckError, bool, int, num, object, oneOf, optional, record, str } from './check';
import { type PlanOutcome, type PlanStep, type PodProblem, type StepStatus, PLAN_STEPS } from './deploy';
import { assertNever } from './errors';

export interface PlanViewStep {
  step: PlanStep;
  status: StepStatus;
  message: string;
  /** When the step started (the agent's clock, ISO 8601), so a running step can show how long it runs. */
  since?: string;
  /** How long the step took, once it has ended. */
  ms?: number;
}

export interface PlanViewWorkload {
  label: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  message: string;
}

export interface PlanViewHealth {
  check: string;
  ok: boolean;
  /** The HTTP status the check got, when it got one. */
  status?: number;
  message: string;
}

export interface PlanViewState {
  title: string;
  steps: PlanViewStep[];
  workloads: PlanViewWorkload[];
  problems: PodProblem[];
  health: PlanViewHealth[];
  canary: { step: number; weight: number; message: string }[];
  notes: { level: 'info' | 'warning'; message: string }[];
  outcome?: PlanOutcome;
  summary?: string;
}

export type HostToPanel = { type: 'state'; state: PlanViewState };
export type PanelToHost = { type: 'ready' };

const OUTCOMES = [
  'succeeded',
  'rolledBack',
  'failed',
  'blocked',
  'invalid',
] as const satisfies readonly PlanOutcome[];
const STEP_STATUSES = ['running', 'ok', 'failed', 'skipped'] as const satisfies readonly StepStatus[];

function list<T>(c: Check<T>): Check<T[]> {
  return (v, p = 'value') => {
    if (!Array.isArray(v)) throw new CheckError(`${p} must be an array`);
    return v.map((x, i) => c(x, `${p}[${i}]`));
  };
}

const podProblem = object<PodProblem>({
  pod: str,
  container: optional(str),
  reason: str,
  message: str,
  restarts: int,
  events: list(str),
  logTail: list(str),
});

const planViewState = object<PlanViewState>({
  title: str,
  steps: list(
    object<PlanViewStep>({
      step: oneOf(PLAN_STEPS),
      status: oneOf(STEP_STATUSES),
      message: str,
      since: optional(str),
      ms: optional(num),
    }),
  ),
  workloads: list(
    object<PlanViewWorkload>({
      label: str,
      desired: int,
      updated: int,
      ready: int,
      available: int,
      message: str,
    }),
  ),
  problems: list(podProblem),
  health: list(object<PlanViewHealth>({ check: str, ok: bool, status: optional(int), message: str })),
  canary: list(object({ step: int, weight: num, message: str })),
  notes: list(object({ level: oneOf(['info', 'warning'] as const), message: str })),
  outcome: optional(oneOf(OUTCOMES)),
  summary: optional(str),
});

/** The panel's check on what arrives; `undefined` for anything that is not a whole, valid message. */
export function parseHostToPanel(v: unknown): HostToPanel | undefined {
  try {
    const type = record(v, 'message')['type'];
    if (type !== 'state') return undefined;
    return object<HostToPanel>({ type: oneOf(['state'] as const), state: planViewState })(v, 'message');
  } catch (e) {
    if (e instanceof CheckError) return undefined;
    throw e;
  }
}

/** The host's check on what the panel sends. */
export function parsePanelToHost(v: unknown): PanelToHost | undefined {
  try {
    const m = object<PanelToHost>({ type: oneOf(['ready'] as const) })(v, 'message');
    switch (m.type) {
      case 'ready':
        return m;
      default:
        return assertNever(m.type, 'panel message');
    }
  } catch (e) {
    if (e instanceof CheckError) return undefined;
    throw e;
  }
}

export function isHostToPanel(v: unknown): v is HostToPanel {
  return parseHostToPanel(v) !== undefined;
}

export function isPanelToHost(v: unknown): v is PanelToHost {
  return parsePanelToHost(v) !== undefined;
}
