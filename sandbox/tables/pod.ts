/**
 * The Pod printer: the most intricate of them, because the STATUS cell condenses phase, init progress,
 * container waiting/termination reasons and deletion into one word exactly as `kubectl get pods` shows it.
 */
import type { KObject } from '../types';
import { AGE, NAME, column, nameOf, wide, type Cell, type Printer, type RowCondition } from './columns';
import { DOC } from './docs';
import { conditionTrue, humanDuration, parseTime, since } from './format';
import { bool, list, nonEmpty, num, record, str } from './json';

const COLUMNS = [
  NAME,
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  AGE,
  wide('IP', 'string', DOC['core/v1.PodStatus.podIP']),
  wide('Node', 'string', DOC['core/v1.PodSpec.nodeName']),
  wide('Nominated Node', 'string', DOC['core/v1.PodStatus.nominatedNodeName']),
  wide('Readiness Gates', 'string', DOC['core/v1.PodSpec.readinessGates']),
];

/** Running tallies while walking container statuses. */
interface Tally {
  ready: number;
  restarts: number;
  /** Latest lastState.terminated.finishedAt seen, in ms; undefined while none. */
  lastRestart: number | undefined;
}

interface Summary extends Tally {
  total: number;
  reason: string;
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b !== undefined && b > a ? b : a;
}

/** Counts a status's restarts and folds its last termination time into the tally. */
function countRestarts(tally: Tally, status: unknown): void {
  tally.restarts += num(status, 'restartCount') ?? 0;
  tally.lastRestart = later(
    tally.lastRestart,
    parseTime(str(status, 'lastState', 'terminated', 'finishedAt')),
  );
}

/** A terminated state's reason, or the signal or exit code when the runtime gave none. */
function terminatedReason(terminated: Record<string, unknown>): string {
  const reason = nonEmpty(terminated, 'reason');
  if (reason !== undefined) return reason;
  const signal = num(terminated, 'signal') ?? 0;
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${num(terminated, 'exitCode') ?? 0}`;
}

/** The phase-derived starting reason: status.reason wins, and scheduling gates override both. */
function initialReason(pod: KObject): string {
  const gated = list(pod, 'status', 'conditions').some(
    (c) => str(c, 'type') === 'PodScheduled' && str(c, 'reason') === 'SchedulingGated',
  );
  if (gated) return 'SchedulingGated';
  // Phase is never empty on a real server (creation sets Pending); the fallback covers raw sandbox objects.
  return nonEmpty(pod, 'status', 'reason') ?? nonEmpty(pod, 'status', 'phase') ?? 'Pending';
}

/** Names of sidecars: init containers with restartPolicy Always, which count towards READY. */
function sidecarNames(pod: KObject): Set<string> {
  const names = list(pod, 'spec', 'initContainers')
    .filter((c) => str(c, 'restartPolicy') === 'Always')
    .map((c) => str(c, 'name') ?? '');
  return new Set(names);
}

interface InitOutcome {
  all: Tally;
  sidecars: Tally;
  reason: string | undefined;
  initializing: boolean;
}

/**
 * Walks init container statuses in order until the first one still blocking start-up, which decides an
 * "Init:…" reason. Successful and started-sidecar containers are skipped over.
 */
function walkInitContainers(pod: KObject, sidecars: Set<string>): InitOutcome {
  const outcome: InitOutcome = {
    all: { ready: 0, restarts: 0, lastRestart: undefined },
    sidecars: { ready: 0, restarts: 0, lastRestart: undefined },
    reason: undefined,
    initializing: false,
  };
  const declared = list(pod, 'spec', 'initContainers').length;
  const statuses = list(pod, 'status', 'initContainerStatuses');
  for (const [i, status] of statuses.entries()) {
    const isSidecar = sidecars.has(str(status, 'name') ?? '');
    countRestarts(outcome.all, status);
    if (isSidecar) countRestarts(outcome.sidecars, status);
    const terminated = record(status, 'state', 'terminated');
    if (terminated !== undefined && (num(terminated, 'exitCode') ?? 0) === 0) continue;
    if (isSidecar && bool(status, 'started') === true) {
      if (bool(status, 'ready') === true) outcome.all.ready++;
      continue;
    }
    outcome.reason = blockingInitReason(status, terminated, i, declared);
    outcome.initializing = true;
    break;
  }
  return outcome;
}

function blockingInitReason(
  status: unknown,
  terminated: Record<string, unknown> | undefined,
  index: number,
  declared: number,
): string {
  if (terminated !== undefined) return `Init:${terminatedReason(terminated)}`;
  const waiting = nonEmpty(status, 'state', 'waiting', 'reason');
  if (waiting !== undefined && waiting !== 'PodInitializing') return `Init:${waiting}`;
  return `Init:${index}/${declared}`;
}

/**
 * Walks app container statuses from last to first, so the first container's waiting or terminated reason
 * is the one that sticks. Restarts restart from the sidecar tally: finished init containers no longer count.
 */
function walkContainers(pod: KObject, start: Tally, reason: string): { tally: Tally; reason: string } {
  const tally = { ...start };
  let hasRunning = false;
  const statuses = list(pod, 'status', 'containerStatuses');
  for (const status of [...statuses].reverse()) {
    countRestarts(tally, status);
    const waiting = nonEmpty(status, 'state', 'waiting', 'reason');
    const terminated = record(status, 'state', 'terminated');
    if (waiting !== undefined) reason = waiting;
    else if (terminated !== undefined) reason = terminatedReason(terminated);
    else if (bool(status, 'ready') === true && record(status, 'state', 'running') !== undefined) {
      hasRunning = true;
      tally.ready++;
    }
  }
  // A container that completed while another still runs does not make the whole pod "Completed".
  if (reason === 'Completed' && hasRunning) {
    reason = conditionTrue(list(pod, 'status', 'conditions'), 'Ready') ? 'Running' : 'NotReady';
  }
  return { tally, reason };
}

/** Deletion overrides everything: NodeLost pods read Unknown, non-terminal ones Terminating. */
function deletionReason(pod: KObject, reason: string): string {
  if (pod.metadata.deletionTimestamp === undefined) return reason;
  if (str(pod, 'status', 'reason') === 'NodeLost') return 'Unknown';
  const phase = str(pod, 'status', 'phase');
  return phase === 'Succeeded' || phase === 'Failed' ? reason : 'Terminating';
}

function summarise(pod: KObject): Summary {
  const sidecars = sidecarNames(pod);
  const total = list(pod, 'spec', 'containers').length + sidecars.size;
  const init = walkInitContainers(pod, sidecars);
  let reason = init.reason ?? initialReason(pod);
  let tally = init.all;
  if (!init.initializing || conditionTrue(list(pod, 'status', 'conditions'), 'Initialized')) {
    const walked = walkContainers(pod, { ...init.sidecars, ready: init.all.ready }, reason);
    tally = walked.tally;
    reason = walked.reason;
  }
  return { ...tally, total, reason: deletionReason(pod, reason) };
}

function restartsCell(summary: Summary, now: number): string {
  if (summary.restarts === 0 || summary.lastRestart === undefined) return String(summary.restarts);
  return `${summary.restarts} (${humanDuration(now - summary.lastRestart)} ago)`;
}

/** Passing readiness gates over declared ones, "<none>" without gates. */
function readinessGates(pod: KObject): string {
  const gates = list(pod, 'spec', 'readinessGates');
  if (gates.length === 0) return '<none>';
  const conditions = list(pod, 'status', 'conditions');
  const passing = gates.filter((g) => conditionTrue(conditions, str(g, 'conditionType') ?? '')).length;
  return `${passing}/${gates.length}`;
}

/** The first pod IP; status.podIP is the fallback for objects written without the podIPs mirror. */
function podIP(pod: KObject): string {
  return nonEmpty(pod, 'status', 'podIPs', 0, 'ip') ?? nonEmpty(pod, 'status', 'podIP') ?? '<none>';
}

function cells(pod: KObject, now: number): Cell[] {
  const summary = summarise(pod);
  return [
    nameOf(pod),
    `${summary.ready}/${summary.total}`,
    summary.reason,
    restartsCell(summary, now),
    since(pod.metadata.creationTimestamp, now),
    podIP(pod),
    nonEmpty(pod, 'spec', 'nodeName') ?? '<none>',
    nonEmpty(pod, 'status', 'nominatedNodeName') ?? '<none>',
    readinessGates(pod),
  ];
}

/** Finished pods carry a Completed row condition, which clients use to dim or hide them. */
function conditions(pod: KObject): RowCondition[] | undefined {
  const phase = str(pod, 'status', 'phase');
  if (phase === 'Succeeded') {
    return [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ];
  }
  if (phase === 'Failed')
    return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}

export const POD: Printer = { columns: COLUMNS, cells, conditions };
