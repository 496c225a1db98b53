import type { PlanResult, PlanViewState, PodProblem } from '../../protocol';

/**
 * The progress notification's one line: the step that is running and, while workloads roll out, how far
 * each has come. Pod problems seen on the way are named so a crash loop is visible before the plan ends.
 */
export function progressMessage(view: PlanViewState): string {
  const running = view.steps.filter((s) => s.status === 'running').pop();
  const step = running ?? view.steps[view.steps.length - 1];
  const parts: string[] = [];
  if (step !== undefined) parts.push(`${step.step}: ${step.message}`);
  if (step?.step === 'rollout' || step?.step === 'canary' || step?.step === 'rollback') {
    for (const w of view.workloads) {
      parts.push(`${w.label} ${w.updated}/${w.desired} updated, ${w.ready}/${w.desired} ready`);
    }
  }
  const problem = view.problems[view.problems.length - 1];
  if (problem !== undefined && view.outcome === undefined) parts.push(problemLine(problem));
  return parts.join(' · ');
}

function problemLine(p: PodProblem): string {
  const restarts = p.restarts > 0 ? `, ${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : '';
  return `pod ${p.pod}${p.container === undefined ? '' : ` (${p.container})`}: ${p.reason}${restarts}`;
}

export type ResultSeverity = 'info' | 'warning' | 'error';

export interface ResultMessage {
  severity: ResultSeverity;
  text: string;
}

/**
 * The message a plan ends with: its summary and, when pods failed, the first pod problem with the last
 * line its container logged, so the cause is readable without opening anything.
 */
export function resultMessage(title: string, result: PlanResult): ResultMessage {
  const severity: ResultSeverity =
    result.outcome === 'succeeded'
      ? 'info'
      : result.outcome === 'rolledBack' || result.outcome === 'blocked'
        ? 'warning'
        : 'error';
  let text = `${title}: ${result.summary}`;
  const first = result.problems[0];
  if (result.outcome !== 'succeeded' && first !== undefined) {
    // The summary often names the failing pod already; then only what it leaves out is added.
    if (!result.summary.includes(first.pod)) text += ` ${capitalize(problemLine(first))}.`;
    const lastLog = first.logTail.filter((l) => l.trim() !== '').pop();
    if (lastLog !== undefined) text += ` Last log line: "${truncate(lastLog.trim(), 160)}"`;
    const more = result.problems.length - 1;
    if (more > 0) text += ` (${more} more pod${more === 1 ? '' : 's'} with problems)`;
  }
  return { severity, text };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
