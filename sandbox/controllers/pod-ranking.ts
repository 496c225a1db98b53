import type { KObject } from '../types';
import {
  creationMs,
  isPodActive,
  isPodReady,
  maxRestarts,
  nodeNameOf,
  podPhase,
  podReadySince,
  uidOf,
} from './objects';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

interface Ranked {
  pod: KObject;
  /** Active pods of the same workload on this pod's node: more doubled-up pods go first. */
  colocated: number;
}

/**
 * The order in which a ReplicaSet deletes surplus pods (controller.ActivePodsWithRanks, with the
 * LogarithmicScaleDown and PodDeletionCost gates on as in 1.32): unscheduled before scheduled, pending
 * before unknown before running, not ready before ready, lower deletion cost first, pods doubled up on
 * a node first, recently ready before long ready, more restarts first, newer before older.
 */
export function rankForDeletion(
  pods: readonly KObject[],
  related: readonly KObject[],
  now: number,
): KObject[] {
  const perNode = new Map<string, number>();
  for (const p of related)
    if (isPodActive(p)) perNode.set(nodeNameOf(p), (perNode.get(nodeNameOf(p)) ?? 0) + 1);
  const ranked: Ranked[] = pods.map((pod) => ({ pod, colocated: perNode.get(nodeNameOf(pod)) ?? 0 }));
  ranked.sort((a, b) => (less(a, b, now) ? -1 : less(b, a, now) ? 1 : 0));
  return ranked.map((r) => r.pod);
}

function deletionCost(pod: KObject): number {
  const v = Number.parseInt(pod.metadata.annotations?.[DELETION_COST] ?? '0', 10);
  return Number.isNaN(v) ? 0 : v;
}

/** floor(log2(age in ns)), the bucket LogarithmicScaleDown compares instead of exact times. */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1_000_000;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** Later (newer) first, with a missing time first of all; bucketed logarithmically by age. */
function newerFirst(
  ti: number | undefined,
  tj: number | undefined,
  a: KObject,
  b: KObject,
  now: number,
): boolean | undefined {
  if (ti === tj) return undefined;
  if (ti === undefined || tj === undefined || ti === 0 || tj === 0) return ti === undefined || ti === 0;
  const diff = logRank(ti, now) - logRank(tj, now);
  if (diff === 0) return uidOf(a) < uidOf(b);
  return diff < 0;
}

function less(a: Ranked, b: Ranked, now: number): boolean {
  const pi = a.pod;
  const pj = b.pod;
  const ni = nodeNameOf(pi);
  const nj = nodeNameOf(pj);
  if (ni !== nj && (ni === '' || nj === '')) return ni === '';
  const oi = PHASE_ORDINAL[podPhase(pi)] ?? 0;
  const oj = PHASE_ORDINAL[podPhase(pj)] ?? 0;
  if (oi !== oj) return oi < oj;
  const ri = isPodReady(pi);
  const rj = isPodReady(pj);
  if (ri !== rj) return !ri;
  const ci = deletionCost(pi);
  const cj = deletionCost(pj);
  if (ci !== cj) return ci < cj;
  if (a.colocated !== b.colocated) return a.colocated > b.colocated;
  if (ri && rj) {
    const byReady = newerFirst(podReadySince(pi), podReadySince(pj), pi, pj, now);
    if (byReady !== undefined) return byReady;
  }
  const xi = maxRestarts(pi);
  const xj = maxRestarts(pj);
  if (xi !== xj) return xi > xj;
  return newerFirst(creationMs(pi), creationMs(pj), pi, pj, now) ?? false;
}
