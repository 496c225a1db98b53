import { rfc3339 } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { type ControllerContext, emit } from './controller';
import {
  byRevision,
  deploymentConditions,
  desiredReplicas,
  equalIgnoreHash,
  findNewReplicaSet,
  findOldReplicaSets,
  HASH_LABEL,
  hasProgressDeadline,
  maxRevision,
  maxSurge,
  minReadySeconds,
  newCondition,
  newRSNewReplicas,
  REVISION,
  replicasAnnotationsNeedUpdate,
  revisionHistoryLimit,
  rsReplicas,
  setCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  statusCount,
  templateOf,
} from './deployment-util';
import { computeHash } from './hash';
import {
  annotation,
  conditionsJson,
  controllerRef,
  isDeleting,
  nameOf,
  namespaceOf,
  newControllerRef,
  num,
  rec,
  specOf,
  statusOf,
  uidOf,
} from './objects';
import type { WorkQueue } from './queue';
import { deleteQuietly, isAlreadyExists, isNamespaceGone } from './writes';

export const DEPLOYMENT_COMPONENT = 'deployment-controller';

/**
 * One pass over one deployment. It holds the deployment as last written, so each of the several writes a
 * pass may make (revision annotation, collision count, status) starts from the current version.
 */
export interface DeploymentSync {
  ctx: ControllerContext;
  queue: WorkQueue;
  key: string;
  d: KObject;
}

/** Writes the pass's deployment through the status subresource (which also carries its annotations). */
export function writeDeploymentStatus(s: DeploymentSync): void {
  const written = s.ctx.store.update(s.ctx.res.deployments, s.d, { subresource: 'status' });
  s.d = clone(written);
}

/** Replaces a set in a list after it was written. */
export function replaceIn(list: KObject[], rs: KObject): KObject[] {
  return list.map((x) => (uidOf(x) === uidOf(rs) ? rs : x));
}

// ---- revisions and the new replica set ----

/**
 * getAllReplicaSetsAndSyncRevision: the new set (created if asked and missing) with its revision raised
 * above every old set's, and all old sets.
 */
export function allReplicaSetsAndSyncRevision(
  s: DeploymentSync,
  rsList: readonly KObject[],
  create: boolean,
): { newRS: KObject | undefined; oldRSs: KObject[] } {
  const oldRSs = findOldReplicaSets(s.d, rsList);
  const newRS = getNewReplicaSet(s, rsList, oldRSs, create);
  return { newRS, oldRSs };
}

function getNewReplicaSet(
  s: DeploymentSync,
  rsList: readonly KObject[],
  oldRSs: readonly KObject[],
  create: boolean,
): KObject | undefined {
  const { ctx, d } = s;
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  const now = rfc3339(ctx.clock.now());
  if (existing !== undefined) {
    const copy = clone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReady = minReadySeconds(d);
    if (annotationsChanged || (num(specOf(copy)['minReadySeconds']) ?? 0) !== minReady) {
      copy['spec'] = { ...specOf(copy), minReadySeconds: minReady };
      return ctx.store.update(ctx.res.replicaSets, copy);
    }
    let needsUpdate = setDeploymentRevision(d, annotation(copy, REVISION) ?? '');
    const conds = deploymentConditions(d);
    if (hasProgressDeadline(d) && !conds.some((c) => c.type === 'Progressing')) {
      const cond = newCondition(
        'Progressing',
        'True',
        'FoundNewReplicaSet',
        `Found new replica set "${nameOf(copy)}"`,
        now,
      );
      d['status'] = { ...statusOf(d), conditions: conditionsJson(setCondition(conds, cond)) };
      needsUpdate = true;
    }
    if (needsUpdate) writeDeploymentStatus(s);
    return copy;
  }
  if (!create) return undefined;

  const collisionCount = num(statusOf(d)['collisionCount']);
  const template = clone(templateOf(d));
  const hash = computeHash(template, collisionCount);
  const meta = rec(template['metadata']);
  const labels = { ...rec(meta['labels']), [HASH_LABEL]: hash };
  template['metadata'] = { ...meta, labels };
  const selector = rec(specOf(d)['selector']);
  const newRS: KObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${nameOf(d)}-${hash}`,
      namespace: namespaceOf(d),
      ownerReferences: [newControllerRef(d)],
      labels: stringLabels(labels),
    },
    spec: {
      replicas: 0,
      minReadySeconds: minReadySeconds(d),
      selector: { ...selector, matchLabels: { ...rec(selector['matchLabels']), [HASH_LABEL]: hash } },
      template,
    },
  };
  const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  newRS['spec'] = { ...specOf(newRS), replicas };
  setNewReplicaSetAnnotations(d, newRS, newRevision, false);

  let created: KObject;
  let alreadyExisted = false;
  try {
    created = ctx.store.create(ctx.res.replicaSets, newRS);
  } catch (e) {
    if (isAlreadyExists(e)) {
      const found = ctx.store.get(ctx.res.replicaSets, namespaceOf(d), nameOf(newRS));
      if (
        found !== undefined &&
        controllerRef(found)?.uid === uidOf(d) &&
        equalIgnoreHash(templateOf(d), templateOf(found))
      ) {
        created = found;
        alreadyExisted = true;
      } else {
        // A hash collision: a different set has this name. Bump the collision count so the next pass
        // hashes to a new name, and retry.
        d['status'] = { ...statusOf(d), collisionCount: (collisionCount ?? 0) + 1 };
        writeDeploymentStatus(s);
        throw e;
      }
    } else if (isNamespaceGone(e)) {
      throw e;
    } else {
      const msg = `Failed to create new replica set "${nameOf(newRS)}": ${e instanceof Error ? e.message : String(e)}`;
      if (hasProgressDeadline(d)) {
        const cond = newCondition('Progressing', 'False', 'ReplicaSetCreateError', msg, now);
        d['status'] = {
          ...statusOf(d),
          conditions: conditionsJson(setCondition(deploymentConditions(d), cond)),
        };
        try {
          writeDeploymentStatus(s);
        } catch {
          // The creation error is the one worth reporting.
        }
      }
      emit(ctx, DEPLOYMENT_COMPONENT, d, 'Warning', 'ReplicaSetCreateError', msg);
      throw e;
    }
  }
  if (!alreadyExisted && replicas > 0) {
    emit(
      ctx,
      DEPLOYMENT_COMPONENT,
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${nameOf(created)} from 0 to ${replicas}`,
    );
  }
  let needsUpdate = setDeploymentRevision(d, String(newRevision));
  if (!alreadyExisted && hasProgressDeadline(d)) {
    const cond = newCondition(
      'Progressing',
      'True',
      'NewReplicaSetCreated',
      `Created new replica set "${nameOf(created)}"`,
      now,
    );
    d['status'] = { ...statusOf(d), conditions: conditionsJson(setCondition(deploymentConditions(d), cond)) };
    needsUpdate = true;
  }
  if (needsUpdate) writeDeploymentStatus(s);
  return created;
}

function stringLabels(o: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function scaleReplicaSetAndRecordEvent(
  s: DeploymentSync,
  rs: KObject,
  size: number,
): { scaled: boolean; rs: KObject } {
  if (rsReplicas(rs) === size) return { scaled: false, rs };
  return scaleReplicaSet(s, rs, size);
}

/** scaleReplicaSet: sets the size and the replica annotations, and reports ScalingReplicaSet. */
export function scaleReplicaSet(
  s: DeploymentSync,
  rs: KObject,
  size: number,
): { scaled: boolean; rs: KObject } {
  const { ctx, d } = s;
  const desired = desiredReplicas(d);
  const max = desired + maxSurge(d);
  const sizeChanged = rsReplicas(rs) !== size;
  if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const from = rsReplicas(rs);
  const copy = clone(rs);
  copy['spec'] = { ...specOf(copy), replicas: size };
  setReplicasAnnotations(copy, desired, max);
  const updated = ctx.store.update(ctx.res.replicaSets, copy);
  if (sizeChanged) {
    const direction = from < size ? 'up' : 'down';
    emit(
      ctx,
      DEPLOYMENT_COMPONENT,
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${direction} replica set ${nameOf(updated)} from ${from} to ${size}`,
    );
  }
  return { scaled: sizeChanged, rs: updated };
}

/**
 * cleanupDeployment: deletes the oldest old sets beyond revisionHistoryLimit, only those that are empty,
 * fully observed and not already being deleted.
 */
export function cleanupDeployment(s: DeploymentSync, oldRSs: readonly KObject[]): void {
  const limit = revisionHistoryLimit(s.d);
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !isDeleting(rs));
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (const rs of cleanable.slice(0, diff)) {
    const observed = statusCount(rs, 'observedGeneration');
    if (
      statusCount(rs, 'replicas') !== 0 ||
      rsReplicas(rs) !== 0 ||
      (rs.metadata.generation ?? 0) > observed ||
      isDeleting(rs)
    )
      continue;
    deleteQuietly(s.ctx.store, s.ctx.res.replicaSets, namespaceOf(rs), nameOf(rs));
  }
}
