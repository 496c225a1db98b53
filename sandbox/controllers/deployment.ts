import { selectorMatches } from '../selectors';
import { rfc3339, type StoreEvent } from '../store';
import { type KObject, clone } from '../types';
import { type Controller, type ControllerContext, emit, startLoop } from './controller';
import { rolloutRecreate, rolloutRolling } from './deployment-rollout';
import { calculateStatus, statusJson } from './deployment-status';
import {
  allReplicaSetsAndSyncRevision,
  cleanupDeployment,
  DEPLOYMENT_COMPONENT,
  type DeploymentSync,
  replaceIn,
  scaleReplicaSet,
  scaleReplicaSetAndRecordEvent,
  writeDeploymentStatus,
} from './deployment-sync';
import {
  activeSets,
  byCreation,
  bySizeNewer,
  bySizeOlder,
  deploymentConditions,
  desiredReplicasAnnotation,
  desiredReplicas,
  hasProgressDeadline,
  isPaused,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  newCondition,
  proportion,
  rsReplicas,
  setCondition,
  statusCount,
  sumSpecReplicas,
} from './deployment-util';
import {
  conditionsJson,
  controllerRef,
  isDeleting,
  isEmptySelector,
  keyOf,
  labelSelector,
  namespaceOf,
  sameJson,
  specOf,
  splitKey,
  statusOf,
  uidOf,
} from './objects';
import { claim } from './ownership';
import type { WorkQueue } from './queue';

export { DEPLOYMENT_COMPONENT };

/**
 * The Deployment controller, after pkg/controller/deployment: replica sets named by pod-template-hash,
 * revisions and rollbacks through the revision annotations, RollingUpdate and Recreate, proportional
 * scaling, pausing, progress deadlines, history cleanup, and the status and conditions that kubectl's
 * rollout status and wait read.
 */
export function startDeploymentController(ctx: ControllerContext): Controller {
  const loop = startLoop(ctx, {
    name: DEPLOYMENT_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.deployments).map(keyOf),
    route: (ev, queue) => {
      if (ev.key === 'apps/deployments') queue.add(keyOf(ev.object));
      else if (ev.key === 'apps/replicasets') routeReplicaSet(ctx, ev, queue);
      else if (ev.key === 'core/pods' && ev.type === 'DELETED') routePodDeletion(ctx, ev.object, queue);
    },
    sync: (key) => syncDeployment(ctx, loop.queue, key),
  });
  return { stop: () => loop.stop() };
}

function deploymentKeyOf(o: KObject): string | undefined {
  const ref = controllerRef(o);
  if (ref === undefined || ref.kind !== 'Deployment' || !ref.apiVersion.startsWith('apps/')) return undefined;
  return `${namespaceOf(o)}/${ref.name}`;
}

function routeReplicaSet(ctx: ControllerContext, ev: StoreEvent, queue: WorkQueue): void {
  const key = deploymentKeyOf(ev.object);
  const oldKey = ev.old === undefined ? undefined : deploymentKeyOf(ev.old);
  if (oldKey !== undefined && oldKey !== key) queue.add(oldKey);
  if (key !== undefined) {
    queue.add(key);
    return;
  }
  if (ev.type === 'DELETED') return;
  // An orphan: every deployment that selects it may adopt it.
  for (const d of ctx.cache.list(ctx.res.deployments, namespaceOf(ev.object))) {
    const selector = labelSelector(specOf(d)['selector']);
    if (!isEmptySelector(selector) && selectorMatches(selector, ev.object.metadata.labels))
      queue.add(keyOf(d));
  }
}

/** Recreate waits for old pods to be gone, so a pod deletion may unblock its deployment. */
function routePodDeletion(ctx: ControllerContext, pod: KObject, queue: WorkQueue): void {
  const ref = controllerRef(pod);
  if (ref === undefined || ref.kind !== 'ReplicaSet') return;
  const rs = ctx.store.get(ctx.res.replicaSets, namespaceOf(pod), ref.name);
  const key = rs === undefined ? undefined : deploymentKeyOf(rs);
  if (key !== undefined) queue.add(key);
}

function syncDeployment(ctx: ControllerContext, queue: WorkQueue, key: string): void {
  const { namespace, name } = splitKey(key);
  const live = ctx.store.get(ctx.res.deployments, namespace, name);
  if (live === undefined) return;
  const s: DeploymentSync = { ctx, queue, key, d: clone(live) };
  const selector = labelSelector(specOf(s.d)['selector']);
  if (isEmptySelector(selector)) {
    emit(
      ctx,
      DEPLOYMENT_COMPONENT,
      s.d,
      'Warning',
      'SelectingAll',
      'This deployment is selecting all pods. A non-empty selector is required.',
    );
    if (statusCount(s.d, 'observedGeneration') < (s.d.metadata.generation ?? 0)) {
      s.d['status'] = { ...statusOf(s.d), observedGeneration: s.d.metadata.generation ?? 0 };
      writeDeploymentStatus(s);
    }
    return;
  }
  const rsList = replicaSetsFor(s);
  if (isDeleting(s.d)) {
    syncStatusOnly(s, rsList);
    return;
  }
  checkPausedConditions(s);
  if (isPaused(s.d)) {
    sync(s, rsList);
    return;
  }
  const scaling = isScalingEvent(s, rsList);
  // The check may have written the new set's annotations; continue from the sets as stored now, where
  // upstream would hit a conflict on its stale copy and retry.
  const current = rsList.flatMap((rs) => {
    const fresh = s.ctx.store.get(s.ctx.res.replicaSets, namespaceOf(rs), rs.metadata.name ?? '');
    return fresh === undefined ? [] : [fresh];
  });
  if (scaling) sync(s, current);
  else if (isRollingUpdate(s.d)) rolloutRolling(s, current);
  else rolloutRecreate(s, current, podsByReplicaSet(s, current));
}

/** getReplicaSetsForDeployment: the sets this deployment controls, adopting orphans it selects. */
function replicaSetsFor(s: DeploymentSync): KObject[] {
  const selector = labelSelector(specOf(s.d)['selector']);
  const all = s.ctx.cache.list(s.ctx.res.replicaSets, namespaceOf(s.d));
  return claim(s.ctx, s.ctx.res.replicaSets, s.d, all, (rs) => selectorMatches(selector, rs.metadata.labels));
}

/** getPodMapForDeployment: the deployment's pods grouped by the uid of the set controlling them. */
function podsByReplicaSet(s: DeploymentSync, rsList: readonly KObject[]): Map<string, KObject[]> {
  const selector = labelSelector(specOf(s.d)['selector']);
  const map = new Map<string, KObject[]>(rsList.map((rs) => [uidOf(rs), []]));
  for (const pod of s.ctx.cache.list(s.ctx.res.pods, namespaceOf(s.d))) {
    if (!selectorMatches(selector, pod.metadata.labels)) continue;
    const ref = controllerRef(pod);
    if (ref !== undefined) map.get(ref.uid)?.push(pod);
  }
  return map;
}

// ---- paused, scaling and status-only passes ----

/** checkPausedConditions: Progressing becomes Unknown/DeploymentPaused while paused, DeploymentResumed after. */
function checkPausedConditions(s: DeploymentSync): void {
  const { d } = s;
  if (!hasProgressDeadline(d)) return;
  const conds = deploymentConditions(d);
  const cond = conds.find((c) => c.type === 'Progressing');
  if (cond?.reason === 'ProgressDeadlineExceeded') return;
  const pausedExists = cond?.reason === 'DeploymentPaused';
  const now = rfc3339(s.ctx.clock.now());
  let next: typeof conds | undefined;
  if (isPaused(d) && !pausedExists) {
    next = setCondition(
      conds,
      newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now),
    );
  } else if (!isPaused(d) && pausedExists) {
    next = setCondition(
      conds,
      newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now),
    );
  }
  if (next === undefined) return;
  d['status'] = { ...statusOf(d), conditions: conditionsJson(next) };
  writeDeploymentStatus(s);
}

/** isScalingEvent: an active set's desired-replicas annotation disagrees with the deployment's replicas. */
function isScalingEvent(s: DeploymentSync, rsList: readonly KObject[]): boolean {
  const { newRS, oldRSs } = allReplicaSetsAndSyncRevision(s, rsList, false);
  const all = newRS === undefined ? oldRSs : [...oldRSs, newRS];
  return activeSets(all).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== desiredReplicas(s.d);
  });
}

/** sync: scaling (or a paused deployment): resize the sets proportionally, no rollout. */
function sync(s: DeploymentSync, rsList: readonly KObject[]): void {
  const { newRS, oldRSs } = allReplicaSetsAndSyncRevision(s, rsList, false);
  const olds = scale(s, newRS, oldRSs);
  if (isPaused(s.d)) cleanupDeployment(s, olds.oldRSs);
  const all = olds.newRS === undefined ? olds.oldRSs : [...olds.oldRSs, olds.newRS];
  syncDeploymentStatus(s, all, olds.newRS);
}

function syncStatusOnly(s: DeploymentSync, rsList: readonly KObject[]): void {
  const { newRS, oldRSs } = allReplicaSetsAndSyncRevision(s, rsList, false);
  syncDeploymentStatus(s, newRS === undefined ? oldRSs : [...oldRSs, newRS], newRS);
}

function syncDeploymentStatus(s: DeploymentSync, all: readonly KObject[], newRS: KObject | undefined): void {
  const status = statusJson(s.d, calculateStatus(s, all, newRS));
  if (sameJson(status, statusOf(s.d))) return;
  s.d['status'] = status;
  writeDeploymentStatus(s);
}

/**
 * scale: with one active set (or none), that set (or the newest) takes all replicas; with a saturated
 * new set, old ones go to zero; otherwise a rolling deployment spreads the change over the active sets
 * in proportion to their sizes, larger sets first and leftovers to the largest.
 */
function scale(
  s: DeploymentSync,
  newRS: KObject | undefined,
  oldRSs: KObject[],
): { newRS: KObject | undefined; oldRSs: KObject[] } {
  const { d } = s;
  let olds = oldRSs;
  let neu = newRS;
  const track = (rs: KObject): void => {
    if (neu !== undefined && uidOf(rs) === uidOf(neu)) neu = rs;
    else olds = replaceIn(olds, rs);
  };
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest !== undefined) {
    if (rsReplicas(activeOrLatest) !== desiredReplicas(d)) {
      const r = scaleReplicaSetAndRecordEvent(s, activeOrLatest, desiredReplicas(d));
      track(r.rs);
    }
    return { newRS: neu, oldRSs: olds };
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeSets(oldRSs)) track(scaleReplicaSetAndRecordEvent(s, old, 0).rs);
    return { newRS: neu, oldRSs: olds };
  }
  if (!isRollingUpdate(d)) return { newRS: neu, oldRSs: olds };
  const all = activeSets(newRS === undefined ? oldRSs : [...oldRSs, newRS]);
  const allowed = desiredReplicas(d) > 0 ? desiredReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(uidOf(rs), rsReplicas(rs) + p);
      added += p;
    } else sizes.set(uidOf(rs), rsReplicas(rs));
  }
  all.forEach((rs, i) => {
    let size = sizes.get(uidOf(rs)) ?? rsReplicas(rs);
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    track(scaleReplicaSet(s, rs, size).rs);
  });
  return { newRS: neu, oldRSs: olds };
}

/** FindActiveOrLatest: the only active set, or the newest when none is active; undefined when several are. */
function findActiveOrLatest(newRS: KObject | undefined, oldRSs: readonly KObject[]): KObject | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeSets(newRS === undefined ? sortedOld : [...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  return active.length === 1 ? active[0] : undefined;
}
