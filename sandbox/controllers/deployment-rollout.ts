import type { KObject } from '../types';
import { syncRolloutStatus } from './deployment-status';
import {
  allReplicaSetsAndSyncRevision,
  cleanupDeployment,
  type DeploymentSync,
  replaceIn,
  scaleReplicaSetAndRecordEvent,
} from './deployment-sync';
import {
  activeSets,
  byCreation,
  countsOf,
  deploymentComplete,
  desiredReplicas,
  maxUnavailable,
  newRSNewReplicas,
  rsReplicas,
  statusCount,
  sumSpecReplicas,
  sumStatus,
} from './deployment-util';
import { isPodTerminal, uidOf } from './objects';

/**
 * rolloutRolling: grow the new set within maxSurge, else shrink old sets within maxUnavailable
 * (unhealthy replicas first), clean up history once complete, and report.
 */
export function rolloutRolling(s: DeploymentSync, rsList: readonly KObject[]): void {
  const { newRS, oldRSs } = allReplicaSetsAndSyncRevision(s, rsList, true);
  if (newRS === undefined) return;
  const all = [...oldRSs, newRS];
  if (reconcileNewReplicaSet(s, all, newRS)) {
    syncRolloutStatus(s, all, newRS);
    return;
  }
  if (reconcileOldReplicaSets(s, all, activeSets(oldRSs), newRS)) {
    syncRolloutStatus(s, all, newRS);
    return;
  }
  if (deploymentComplete(s.d, countsOf(s.d))) cleanupDeployment(s, oldRSs);
  syncRolloutStatus(s, all, newRS);
}

function reconcileNewReplicaSet(s: DeploymentSync, all: readonly KObject[], newRS: KObject): boolean {
  const desired = desiredReplicas(s.d);
  if (rsReplicas(newRS) === desired) return false;
  if (rsReplicas(newRS) > desired) return scaleReplicaSetAndRecordEvent(s, newRS, desired).scaled;
  return scaleReplicaSetAndRecordEvent(s, newRS, newRSNewReplicas(s.d, all, newRS)).scaled;
}

/**
 * reconcileOldReplicaSets: old pods may go as long as available pods stay at replicas - maxUnavailable,
 * counting the new set's not-yet-available pods against the budget.
 */
function reconcileOldReplicaSets(
  s: DeploymentSync,
  all: readonly KObject[],
  oldRSs: KObject[],
  newRS: KObject,
): boolean {
  if (sumSpecReplicas(oldRSs) === 0) return false;
  const allPods = sumSpecReplicas(all);
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const newUnavailable = rsReplicas(newRS) - statusCount(newRS, 'availableReplicas');
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  let cleaned: { oldRSs: KObject[]; count: number };
  let scaledDown: number;
  try {
    cleaned = cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
    scaledDown = scaleDownOldReplicaSets(s, [...cleaned.oldRSs, newRS], cleaned.oldRSs);
  } catch {
    // Upstream reports no scaling on errors here and lets the next pass retry.
    return false;
  }
  return cleaned.count + scaledDown > 0;
}

/** Scale down old sets' replicas that are not available; that cannot lower availability. */
function cleanupUnhealthyReplicas(
  s: DeploymentSync,
  oldRSs: KObject[],
  maxCleanup: number,
): { oldRSs: KObject[]; count: number } {
  let sets = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const rs of [...sets]) {
    if (total >= maxCleanup) break;
    const replicas = rsReplicas(rs);
    const available = statusCount(rs, 'availableReplicas');
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxCleanup - total, replicas - available);
    const { rs: updated } = scaleReplicaSetAndRecordEvent(s, rs, replicas - count);
    total += count;
    sets = replaceIn(sets, updated);
  }
  return { oldRSs: sets, count: total };
}

/** Scale down old sets, oldest first, by as many pods as are available beyond the minimum. */
function scaleDownOldReplicaSets(
  s: DeploymentSync,
  all: readonly KObject[],
  oldRSs: readonly KObject[],
): number {
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const available = sumStatus(all, 'availableReplicas');
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    if (rsReplicas(rs) === 0) continue;
    const count = Math.min(rsReplicas(rs), budget - total);
    scaleReplicaSetAndRecordEvent(s, rs, rsReplicas(rs) - count);
    total += count;
  }
  return total;
}

/**
 * rolloutRecreate: old sets to zero, then wait until no old pod runs at all (terminating ones count),
 * then create or grow the new set to full size.
 */
export function rolloutRecreate(
  s: DeploymentSync,
  rsList: readonly KObject[],
  podMap: Map<string, KObject[]>,
): void {
  let { newRS, oldRSs } = allReplicaSetsAndSyncRevision(s, rsList, false);
  let all = newRS === undefined ? oldRSs : [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeSets(oldRSs)) {
    if (scaleReplicaSetAndRecordEvent(s, rs, 0).scaled) scaledDown = true;
  }
  if (scaledDown || oldPodsRunning(newRS, oldRSs, podMap)) {
    syncRolloutStatus(s, all, newRS);
    return;
  }
  if (newRS === undefined) {
    ({ newRS, oldRSs } = allReplicaSetsAndSyncRevision(s, rsList, true));
    if (newRS === undefined) return;
    all = [...oldRSs, newRS];
  }
  scaleReplicaSetAndRecordEvent(s, newRS, desiredReplicas(s.d));
  if (deploymentComplete(s.d, countsOf(s.d))) cleanupDeployment(s, oldRSs);
  syncRolloutStatus(s, all, newRS);
}

function oldPodsRunning(
  newRS: KObject | undefined,
  oldRSs: readonly KObject[],
  podMap: Map<string, KObject[]>,
): boolean {
  if (sumStatus(oldRSs, 'replicas') > 0) return true;
  for (const [rsUid, pods] of podMap) {
    if (newRS !== undefined && uidOf(newRS) === rsUid) continue;
    if (pods.some((p) => !isPodTerminal(p))) return true;
  }
  return false;
}
