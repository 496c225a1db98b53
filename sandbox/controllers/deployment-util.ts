import type { JsonObject, KObject } from '../types';
import { canonicalJson } from './hash';
import { scaledValue } from './intstr';
import {
  type Condition,
  annotation,
  conditionsOf,
  creationMs,
  findCondition,
  intOrString,
  nameOf,
  num,
  rec,
  specOf,
  statusOf,
  str,
  time,
} from './objects';

/** The annotations and labels the deployment controller shares with kubectl's rollout commands. */
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** Annotations kept out of the copy from a deployment to its replica sets. */
const SKIPPED_ANNOTATIONS = new Set([
  LAST_APPLIED,
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  ROLLBACK_TO,
]);
/** revision-history is trimmed from the front to stay under this many characters. */
const REVISION_HISTORY_LIMIT_CHARS = 2000;
const MAX_INT32 = 2147483647;

// ---- reading a deployment ----

export function desiredReplicas(d: KObject): number {
  return num(specOf(d)['replicas']) ?? 1;
}

export function minReadySeconds(o: KObject): number {
  return num(specOf(o)['minReadySeconds']) ?? 0;
}

export function isPaused(d: KObject): boolean {
  return specOf(d)['paused'] === true;
}

export function strategyType(d: KObject): string {
  return str(rec(specOf(d)['strategy'])['type']) ?? 'RollingUpdate';
}

export function isRollingUpdate(d: KObject): boolean {
  return strategyType(d) === 'RollingUpdate';
}

export function templateOf(o: KObject): JsonObject {
  return rec(specOf(o)['template']);
}

export function progressDeadlineSeconds(d: KObject): number | undefined {
  return num(specOf(d)['progressDeadlineSeconds']);
}

/** HasProgressDeadline: a deadline is set and is not the "never" value MaxInt32. */
export function hasProgressDeadline(d: KObject): boolean {
  const s = progressDeadlineSeconds(d);
  return s !== undefined && s !== MAX_INT32;
}

/** revisionHistoryLimit, or undefined when every revision is kept. */
export function revisionHistoryLimit(d: KObject): number | undefined {
  const n = num(specOf(d)['revisionHistoryLimit']);
  return n === undefined || n === MAX_INT32 ? undefined : n;
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and if both come to zero
 * maxUnavailable becomes one, on the theory that surge might be blocked by quota.
 */
export function fenceposts(d: KObject): { surge: number; unavailable: number } {
  const ru = rec(rec(specOf(d)['strategy'])['rollingUpdate']);
  const replicas = desiredReplicas(d);
  const surge = scaledValue(intOrString(ru['maxSurge']) ?? 0, replicas, true);
  let unavailable = scaledValue(intOrString(ru['maxUnavailable']) ?? 0, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: KObject): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: KObject): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

// ---- replica sets ----

export function rsReplicas(rs: KObject): number {
  return num(specOf(rs)['replicas']) ?? 1;
}

export function statusCount(o: KObject, field: string): number {
  return num(statusOf(o)[field]) ?? 0;
}

export function sumSpecReplicas(rss: readonly KObject[]): number {
  return rss.reduce((n, rs) => n + rsReplicas(rs), 0);
}

export function sumStatus(rss: readonly KObject[], field: string): number {
  return rss.reduce((n, rs) => n + statusCount(rs, field), 0);
}

/** FilterActiveReplicaSets: the sets that should have pods. */
export function activeSets(rss: readonly KObject[]): KObject[] {
  return rss.filter((rs) => rsReplicas(rs) > 0);
}

/** Revision number of a replica set or deployment; 0 when unset, NaN when unparsable. */
export function revisionOf(o: KObject): number {
  const v = annotation(o, REVISION);
  if (v === undefined) return 0;
  return /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
}

export function maxRevision(rss: readonly KObject[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

export function byCreation(a: KObject, b: KObject): number {
  return creationMs(a) - creationMs(b) || nameOf(a).localeCompare(nameOf(b));
}

/** ReplicaSetsBySizeNewer: larger first, and among equals the newer first (scaling up). */
export function bySizeNewer(a: KObject, b: KObject): number {
  return rsReplicas(b) - rsReplicas(a) || byCreation(b, a);
}

/** ReplicaSetsBySizeOlder: larger first, and among equals the older first (scaling down). */
export function bySizeOlder(a: KObject, b: KObject): number {
  return rsReplicas(b) - rsReplicas(a) || byCreation(a, b);
}

export function byRevision(a: KObject, b: KObject): number {
  const ra = revisionOf(a) || 0;
  const rb = revisionOf(b) || 0;
  return ra === rb ? byCreation(a, b) : ra - rb;
}

/** EqualIgnoreHash: pod templates compared without their pod-template-hash label. */
export function equalIgnoreHash(a: JsonObject, b: JsonObject): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}

function withoutHash(template: JsonObject): JsonObject {
  const meta = rec(template['metadata']);
  const labels = Object.fromEntries(Object.entries(rec(meta['labels'])).filter(([k]) => k !== HASH_LABEL));
  return { ...template, metadata: { ...meta, labels } };
}

/** FindNewReplicaSet: the oldest set whose template equals the deployment's. */
export function findNewReplicaSet(d: KObject, rss: readonly KObject[]): KObject | undefined {
  const template = templateOf(d);
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(templateOf(rs), template));
}

/** Every set but the new one. */
export function findOldReplicaSets(d: KObject, rss: readonly KObject[]): KObject[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => newRS === undefined || rs.metadata.uid !== newRS.metadata.uid);
}

function intAnnotation(rs: KObject, key: string): number | undefined {
  const v = annotation(rs, key);
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function desiredReplicasAnnotation(rs: KObject): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS);
}

export function replicasAnnotationsNeedUpdate(rs: KObject, desired: number, max: number): boolean {
  return annotation(rs, DESIRED_REPLICAS) !== String(desired) || annotation(rs, MAX_REPLICAS) !== String(max);
}

/** SetReplicasAnnotations on a replica set being written; true if anything changed. */
export function setReplicasAnnotations(rs: KObject, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  rs.metadata.annotations = {
    ...(rs.metadata.annotations ?? {}),
    [DESIRED_REPLICAS]: String(desired),
    [MAX_REPLICAS]: String(max),
  };
  return true;
}

/**
 * SetNewReplicaSetAnnotations: copies the deployment's annotations (change-cause and the like) to its
 * new replica set and raises the set's revision to `newRevision` if it is lower. A set that already had
 * a revision is being rolled back to: its old number goes into revision-history.
 */
export function setNewReplicaSetAnnotations(
  d: KObject,
  rs: KObject,
  newRevision: number,
  exists: boolean,
): boolean {
  const annotations = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRevision = annotations[REVISION];
  const hadRevision = oldRevision !== undefined;
  let oldNumber = 0;
  if (hadRevision && oldRevision !== '') {
    if (!/^-?\d+$/.test(oldRevision)) {
      rs.metadata.annotations = annotations;
      return false;
    }
    oldNumber = Number(oldRevision);
  }
  if (oldNumber < newRevision) {
    annotations[REVISION] = String(newRevision);
    changed = true;
    if (hadRevision) {
      const history = annotations[REVISION_HISTORY] ?? '';
      if (history === '') annotations[REVISION_HISTORY] = oldRevision;
      else {
        const parts = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > REVISION_HISTORY_LIMIT_CHARS && start < parts.length)
          total -= (parts[start++] ?? '').length + 1;
        if (total <= REVISION_HISTORY_LIMIT_CHARS)
          annotations[REVISION_HISTORY] = [...parts.slice(start), oldRevision].join(',');
      }
    }
  }
  rs.metadata.annotations = annotations;
  if (!exists) {
    const replicas = desiredReplicas(d);
    if (setReplicasAnnotations(rs, replicas, replicas + maxSurge(d))) changed = true;
  }
  return changed;
}

/** SetDeploymentRevision: the deployment carries its new replica set's revision. */
export function setDeploymentRevision(d: KObject, revision: string): boolean {
  if (annotation(d, REVISION) === revision) return false;
  d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: revision };
  return true;
}

/**
 * NewRSNewReplicas: how big the new set may be now. A rolling update grows it up to the surge limit
 * over all sets, never past the desired count; Recreate makes it whole at once.
 */
export function newRSNewReplicas(d: KObject, allRSs: readonly KObject[], newRS: KObject): number {
  if (!isRollingUpdate(d)) return desiredReplicas(d);
  const current = sumSpecReplicas(allRSs);
  const maxTotal = desiredReplicas(d) + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, desiredReplicas(d) - rsReplicas(newRS));
  return rsReplicas(newRS) + up;
}

/** IsSaturated: the new set has all desired replicas, agrees on the count and all are available. */
export function isSaturated(d: KObject, rs: KObject | undefined): boolean {
  if (rs === undefined) return false;
  const desired = desiredReplicasAnnotation(rs);
  const replicas = desiredReplicas(d);
  return (
    desired !== undefined &&
    rsReplicas(rs) === replicas &&
    desired === replicas &&
    statusCount(rs, 'availableReplicas') === replicas
  );
}

/** GetReplicaSetProportion: a set's share of replicas being added or removed during proportional scaling. */
export function proportion(rs: KObject, d: KObject, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: KObject, d: KObject): number {
  if (desiredReplicas(d) === 0) return -rsReplicas(rs);
  const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS) ?? statusCount(d, 'replicas');
  if (annotated === 0) return 0;
  // integer.RoundToInt32 rounds half away from zero.
  const size = (rsReplicas(rs) * deploymentReplicas) / annotated;
  return Math.sign(size) * Math.round(Math.abs(size)) - rsReplicas(rs);
}

// ---- status and conditions ----

/** The counts of a DeploymentStatus, with missing (omitempty) fields read as zero. */
export interface DeploymentCounts {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
}

export function countsOf(d: KObject): DeploymentCounts {
  return {
    observedGeneration: statusCount(d, 'observedGeneration'),
    replicas: statusCount(d, 'replicas'),
    updatedReplicas: statusCount(d, 'updatedReplicas'),
    readyReplicas: statusCount(d, 'readyReplicas'),
    availableReplicas: statusCount(d, 'availableReplicas'),
    unavailableReplicas: statusCount(d, 'unavailableReplicas'),
  };
}

export function deploymentConditions(d: KObject): Condition[] {
  return conditionsOf(statusOf(d)['conditions']);
}

export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/**
 * SetDeploymentCondition: a condition with the same status and reason is left alone; a status that did
 * not change keeps its lastTransitionTime. The condition moves to the end of the list.
 */
export function setCondition(conds: Condition[], c: Condition): Condition[] {
  const current = findCondition(conds, c.type);
  if (current !== undefined && current.status === c.status && current.reason === c.reason) return conds;
  const next = { ...c };
  if (current !== undefined && current.status === c.status && current.lastTransitionTime !== undefined) {
    next.lastTransitionTime = current.lastTransitionTime;
  }
  return [...conds.filter((x) => x.type !== c.type), next];
}

export function removeCondition(conds: Condition[], type: string): Condition[] {
  return conds.filter((c) => c.type !== type);
}

/** DeploymentComplete: every desired replica is updated and available, and no old one remains. */
export function deploymentComplete(d: KObject, s: DeploymentCounts): boolean {
  const replicas = desiredReplicas(d);
  return (
    s.updatedReplicas === replicas &&
    s.replicas === replicas &&
    s.availableReplicas === replicas &&
    s.observedGeneration >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: new pods came up or became ready or available, or old pods went away. */
export function deploymentProgressing(d: KObject, next: DeploymentCounts): boolean {
  const old = countsOf(d);
  return (
    next.updatedReplicas > old.updatedReplicas ||
    next.replicas - next.updatedReplicas < old.replicas - old.updatedReplicas ||
    next.readyReplicas > old.readyReplicas ||
    next.availableReplicas > old.availableReplicas
  );
}

/** DeploymentTimedOut: the Progressing condition has not been updated for progressDeadlineSeconds. */
export function deploymentTimedOut(d: KObject, conds: readonly Condition[], now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = findCondition(conds, 'Progressing');
  if (c === undefined) return false;
  if (c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  const from = time(c.lastUpdateTime) ?? 0;
  return from + (progressDeadlineSeconds(d) ?? 0) * 1000 < now;
}
