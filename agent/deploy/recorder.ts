import {
  AgentFailure,
  type AgentError,
  type AppliedObject,
  type PlanEvent,
  type PlanOutcome,
  type PlanResult,
  type PlanStep,
  type PodProblem,
  type StepStatus,
  type WorkloadRef,
} from '../../protocol';

/** Error codes that mean the request itself was wrong: nothing was written and retrying won't help. */
const INPUT_CODES = new Set([
  'INVALID',
  'NOT_FOUND',
  'BAD_REQUEST',
  'KUBECONFIG_INVALID',
  'CONTEXT_NOT_FOUND',
]);
/** Error codes of a guard or check that stopped a valid plan before any write. */
const BLOCK_CODES = new Set(['READ_ONLY', 'CONFIRMATION_REQUIRED', 'PREFLIGHT_FAILED', 'FORBIDDEN']);

export function outcomeFor(error: AgentError, written: boolean): PlanOutcome {
  if (!written && INPUT_CODES.has(error.code)) return 'invalid';
  if (!written && BLOCK_CODES.has(error.code)) return 'blocked';
  return 'failed';
}

/**
 * Collects what a plan did — steps with their durations, objects applied, pod problems — while streaming
 * each event to the client, and turns it into the PlanResult the UI and CLI both report.
 */
export class PlanRecorder {
  private readonly started: number;
  private readonly steps: PlanResult['steps'] = [];
  private readonly running = new Map<PlanStep, number>();
  readonly applied: AppliedObject[] = [];
  readonly problems: PodProblem[] = [];
  readonly revisions: { workload: WorkloadRef; revision: number }[] = [];
  /** Something was written to the cluster: from here on a failure is not "nothing changed". */
  written = false;

  constructor(
    private readonly out: (e: PlanEvent) => void,
    public context: string,
    public namespace: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  emit(e: PlanEvent): void {
    if (e.type === 'pod') {
      const i = this.problems.findIndex((p) => p.pod === e.problem.pod);
      if (i >= 0) this.problems.splice(i, 1);
      this.problems.push(e.problem);
    }
    this.out(e);
  }

  private at(): string {
    return new Date(this.clock()).toISOString();
  }

  note(message: string, level: 'info' | 'warning' = 'info'): void {
    this.emit({ type: 'note', level, message, at: this.at() });
  }

  start(step: PlanStep, message: string): void {
    this.running.set(step, this.clock());
    this.emit({ type: 'step', step, status: 'running', message, at: this.at() });
  }

  end(step: PlanStep, status: Exclude<StepStatus, 'running'>, message: string): void {
    const began = this.running.get(step) ?? this.clock();
    this.running.delete(step);
    this.steps.push({ step, status, message, ms: this.clock() - began });
    this.emit({ type: 'step', step, status, message, at: this.at() });
  }

  /** Runs one step: its failure ends the step as failed and propagates. */
  async step<T>(step: PlanStep, message: string, run: () => Promise<T>, done: (t: T) => string): Promise<T> {
    this.start(step, message);
    try {
      const t = await run();
      this.end(step, 'ok', done(t));
      return t;
    } catch (e) {
      this.end(
        step,
        'failed',
        e instanceof AgentFailure ? e.error.message : e instanceof Error ? e.message : String(e),
      );
      throw e;
    }
  }

  /** Ends every step still running as failed (a plan cut short by an error or a cancel). */
  private closeRunning(message: string): void {
    for (const step of [...this.running.keys()]) this.end(step, 'failed', message);
  }

  result(outcome: PlanOutcome, summary: string, error?: AgentError): PlanResult {
    this.closeRunning(summary);
    const r: PlanResult = {
      outcome,
      summary,
      context: this.context,
      namespace: this.namespace,
      applied: this.applied,
      revisions: this.revisions,
      problems: this.problems,
      steps: this.steps,
      durationMs: this.clock() - this.started,
    };
    if (error !== undefined) r.error = error;
    return r;
  }
}
