import { rfc3339 } from '../store';
import type { JsonObject, KObject } from '../types';
import { type DeploymentSync, writeDeploymentStatus } from './deployment-sync';
import {
  type DeploymentCounts,
  deploymentComplete,
  deploymentConditions,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicas,
  hasProgressDeadline,
  maxUnavailable,
  newCondition,
  progressDeadlineSeconds,
  removeCondition,
  setCondition,
  statusCount,
  sumSpecReplicas,
  sumStatus,
} from './deployment-util';
import {
  type Condition,
  conditionsJson,
  conditionsOf,
  findCondition,
  nameOf,
  num,
  omitEmpty,
  sameJson,
  statusOf,
  time,
} from './objects';

export interface CalculatedStatus {
  counts: DeploymentCounts;
  conditions: Condition[];
}

/**
 * calculateStatus: counts summed over the sets (replicas, ready and available from their status,
 * unavailable from their spec) and the Available condition, true once available pods reach
 * replicas - maxUnavailable.
 */
export function calculateStatus(
  s: DeploymentSync,
  all: readonly KObject[],
  newRS: KObject | undefined,
): CalculatedStatus {
  const { d } = s;
  const available = sumStatus(all, 'availableReplicas');
  const counts: DeploymentCounts = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatus(all, 'replicas'),
    updatedReplicas: newRS === undefined ? 0 : statusCount(newRS, 'replicas'),
    readyReplicas: sumStatus(all, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpecReplicas(all) - available),
  };
  const now = rfc3339(s.ctx.clock.now());
  const minimum = available >= desiredReplicas(d) - maxUnavailable(d);
  const cond = minimum
    ? newCondition(
        'Available',
        'True',
        'MinimumReplicasAvailable',
        'Deployment has minimum availability.',
        now,
      )
    : newCondition(
        'Available',
        'False',
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
        now,
      );
  return { counts, conditions: setCondition(deploymentConditions(d), cond) };
}

/** The status as the API serializes it: zero counts are omitted, conditions before the collision count. */
export function statusJson(d: KObject, c: CalculatedStatus): JsonObject {
  const out: JsonObject = omitEmpty({ ...c.counts });
  if (c.conditions.length > 0) out['conditions'] = conditionsJson(c.conditions);
  const collisionCount = num(statusOf(d)['collisionCount']);
  if (collisionCount !== undefined && collisionCount !== 0) out['collisionCount'] = collisionCount;
  return out;
}

/**
 * syncRolloutStatus: the status plus the Progressing condition — NewReplicaSetAvailable once complete,
 * ReplicaSetUpdated (with a fresh lastUpdateTime) whenever progress is seen, ProgressDeadlineExceeded
 * once no progress was seen for progressDeadlineSeconds — and ReplicaFailure copied from the sets.
 */
export function syncRolloutStatus(
  s: DeploymentSync,
  all: readonly KObject[],
  newRS: KObject | undefined,
): void {
  const { d } = s;
  const next = calculateStatus(s, all, newRS);
  let conds = next.conditions;
  if (!hasProgressDeadline(d)) conds = removeCondition(conds, 'Progressing');
  const current = findCondition(deploymentConditions(d), 'Progressing');
  const isComplete =
    next.counts.replicas === next.counts.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  const nowMs = s.ctx.clock.now();
  const now = rfc3339(nowMs);
  const subject = newRS === undefined ? `Deployment "${nameOf(d)}"` : `ReplicaSet "${nameOf(newRS)}"`;
  if (hasProgressDeadline(d) && !isComplete) {
    if (deploymentComplete(d, next.counts)) {
      conds = setCondition(
        conds,
        newCondition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `${subject} has successfully progressed.`,
          now,
        ),
      );
    } else if (deploymentProgressing(d, next.counts)) {
      // Progress refreshes lastUpdateTime even when the reason stays the same, which plain
      // setCondition would skip; a condition that stays True keeps its transition time.
      const cond = newCondition(
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        `${subject} is progressing.`,
        now,
      );
      if (current !== undefined) {
        if (current.status === 'True' && current.lastTransitionTime !== undefined)
          cond.lastTransitionTime = current.lastTransitionTime;
        conds = removeCondition(conds, 'Progressing');
      }
      conds = setCondition(conds, cond);
    } else if (deploymentTimedOut(d, conds, nowMs)) {
      conds = setCondition(
        conds,
        newCondition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `${subject} has timed out progressing.`,
          now,
        ),
      );
    }
  }
  const failure = replicaFailure(all, newRS);
  conds = failure === undefined ? removeCondition(conds, 'ReplicaFailure') : setCondition(conds, failure);
  const status = statusJson(d, { counts: next.counts, conditions: conds });
  if (sameJson(status, statusOf(d))) {
    requeueStuckDeployment(s, next.counts);
    return;
  }
  d['status'] = status;
  writeDeploymentStatus(s);
}

/** getReplicaFailures: the new set's ReplicaFailure condition, else the first of any old set's. */
function replicaFailure(all: readonly KObject[], newRS: KObject | undefined): Condition | undefined {
  const fromSet = (rs: KObject): Condition | undefined => {
    const c = conditionsOf(statusOf(rs)['conditions']).find((x) => x.type === 'ReplicaFailure');
    if (c === undefined) return undefined;
    const out: Condition = { type: c.type, status: c.status };
    if (c.lastTransitionTime !== undefined) {
      out.lastUpdateTime = c.lastTransitionTime;
      out.lastTransitionTime = c.lastTransitionTime;
    }
    if (c.reason !== undefined) out.reason = c.reason;
    if (c.message !== undefined) out.message = c.message;
    return out;
  };
  if (newRS !== undefined) {
    const c = fromSet(newRS);
    if (c !== undefined) return c;
  }
  for (const rs of all) {
    const c = fromSet(rs);
    if (c !== undefined) return c;
  }
  return undefined;
}

/**
 * requeueStuckDeployment: with nothing new to write, look again when the progress deadline would pass,
 * so a stuck rollout is reported without waiting for an unrelated change.
 */
function requeueStuckDeployment(s: DeploymentSync, counts: DeploymentCounts): void {
  const { d } = s;
  const current = findCondition(deploymentConditions(d), 'Progressing');
  if (!hasProgressDeadline(d) || current === undefined) return;
  if (deploymentComplete(d, counts) || current.reason === 'ProgressDeadlineExceeded') return;
  const from = time(current.lastUpdateTime) ?? s.ctx.clock.now();
  const after = from + (progressDeadlineSeconds(d) ?? 0) * 1000 - s.ctx.clock.now();
  // A second more than the deadline, as upstream adds, so the check lands after it.
  s.queue.addAfter(s.key, Math.max(after, 0) + 1000);
}
