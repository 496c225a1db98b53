import { selectorMatches } from '../selectors';
import type { StoreEvent } from '../store';
import type { JsonObject, KObject } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import {
  type Condition,
  conditionsJson,
  conditionsOf,
  controllerRef,
  findCondition,
  intField,
  isDeleting,
  isPodActive,
  isPodAvailable,
  isPodReady,
  keyOf,
  labelSelector,
  mergeStatus,
  nameOf,
  namespaceOf,
  newControllerRef,
  num,
  omitEmpty,
  rec,
  specOf,
  splitKey,
  statusOf,
  strMap,
  uidOf,
} from './objects';
import { claim } from './ownership';
import { createPod, deletePod, podFromTemplate } from './pod-control';
import { rankForDeletion } from './pod-ranking';
import type { WorkQueue } from './queue';
import { rfc3339 } from '../store';
import { mutateObject } from './writes';

export const REPLICASET_COMPONENT = 'replicaset-controller';
/** At most this many pods are created or deleted in one sync (the controller's burstReplicas). */
const BURST_REPLICAS = 500;

export function replicasOf(o: KObject): number {
  return intField(specOf(o), 'replicas', 1);
}

export function minReadySecondsOf(o: KObject): number {
  return intField(specOf(o), 'minReadySeconds', 0);
}

/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods (not finished, not being deleted) that
 * the set selects and controls, creating from the template and deleting the least valuable surplus pods
 * first, and reports replicas, fullyLabeledReplicas, readyReplicas and availableReplicas in status.
 */
export function startReplicaSetController(ctx: ControllerContext): Controller {
  const { res, cache } = ctx;
  const loop = startLoop(ctx, {
    name: REPLICASET_COMPONENT,
    initialKeys: () => cache.list(res.replicaSets).map(keyOf),
    route: (ev, queue) => {
      if (ev.key === 'apps/replicasets') queue.add(keyOf(ev.object));
      else if (ev.key === 'core/pods') routePod(ctx, ev, queue);
    },
    sync: (key) => syncReplicaSet(ctx, key, loop.queue),
  });
  return { stop: () => loop.stop() };
}

function ownerKey(pod: KObject): string | undefined {
  const ref = controllerRef(pod);
  if (ref === undefined || ref.kind !== 'ReplicaSet' || !ref.apiVersion.startsWith('apps/')) return undefined;
  return `${namespaceOf(pod)}/${ref.name}`;
}

/** The ReplicaSets that would adopt an orphan pod: those in its namespace whose selector matches it. */
function selectingSets(ctx: ControllerContext, pod: KObject): KObject[] {
  return ctx.cache
    .list(ctx.res.replicaSets, namespaceOf(pod))
    .filter((rs) => selectorMatches(labelSelector(specOf(rs)['selector']), pod.metadata.labels));
}

function routePod(ctx: ControllerContext, ev: StoreEvent, queue: WorkQueue): void {
  const pod = ev.object;
  const key = ownerKey(pod);
  const oldKey = ev.old === undefined ? undefined : ownerKey(ev.old);
  if (oldKey !== undefined && oldKey !== key) queue.add(oldKey);
  if (key !== undefined) {
    queue.add(key);
    // A pod that just became ready turns available minReadySeconds later; look again then.
    if (ev.type === 'MODIFIED' && ev.old !== undefined && !isPodReady(ev.old) && isPodReady(pod)) {
      const { namespace, name } = splitKey(key);
      const rs = ctx.store.get(ctx.res.replicaSets, namespace, name);
      const minReady = rs === undefined ? 0 : minReadySecondsOf(rs);
      if (minReady > 0) queue.addAfter(key, minReady * 1000 + 1000);
    }
    return;
  }
  if (ev.type !== 'DELETED') for (const rs of selectingSets(ctx, pod)) queue.add(keyOf(rs));
}

function syncReplicaSet(ctx: ControllerContext, key: string, queue: WorkQueue): void {
  const { namespace, name } = splitKey(key);
  const rs = ctx.store.get(ctx.res.replicaSets, namespace, name);
  if (rs === undefined) return;
  const selector = labelSelector(specOf(rs)['selector']);
  const active = ctx.cache.list(ctx.res.pods, namespace).filter(isPodActive);
  const pods = claim(ctx, ctx.res.pods, rs, active, (p) => selectorMatches(selector, p.metadata.labels));
  let manageError: unknown;
  if (!isDeleting(rs)) {
    try {
      manageReplicas(ctx, rs, pods);
    } catch (e) {
      manageError = e;
    }
  }
  const updated = writeStatus(ctx, rs, calculateStatus(ctx, rs, pods, manageError));
  const st = statusOf(updated ?? rs);
  const replicas = replicasOf(updated ?? rs);
  const minReady = minReadySecondsOf(updated ?? rs);
  // A last line of defence against missed readiness events, as upstream: look again once pods may be available.
  if (
    manageError === undefined &&
    minReady > 0 &&
    (num(st['readyReplicas']) ?? 0) === replicas &&
    (num(st['availableReplicas']) ?? 0) !== replicas
  ) {
    queue.addAfter(key, minReady * 1000);
  }
  if (manageError !== undefined) throw manageError;
}

function manageReplicas(ctx: ControllerContext, rs: KObject, pods: KObject[]): void {
  const diff = pods.length - replicasOf(rs);
  if (diff < 0) {
    const template = rec(specOf(rs)['template']);
    const ref = newControllerRef(rs);
    for (let i = 0; i < Math.min(-diff, BURST_REPLICAS); i++) {
      createPod(ctx, REPLICASET_COMPONENT, rs, podFromTemplate(template, ref, `${nameOf(rs)}-`));
    }
  } else if (diff > 0) {
    const count = Math.min(diff, BURST_REPLICAS);
    const victims =
      count < pods.length
        ? rankForDeletion(pods, relatedPods(ctx, rs), ctx.clock.now()).slice(0, count)
        : pods.slice(0, count);
    for (const pod of victims) deletePod(ctx, REPLICASET_COMPONENT, rs, pod);
  }
}

/** Pods of every ReplicaSet sharing this one's controller (a Deployment's other revisions), for colocation. */
function relatedPods(ctx: ControllerContext, rs: KObject): KObject[] {
  const owner = controllerRef(rs);
  if (owner === undefined) return [];
  const seen = new Set<string>();
  const out: KObject[] = [];
  const pods = ctx.cache.list(ctx.res.pods, namespaceOf(rs));
  for (const other of ctx.cache.list(ctx.res.replicaSets, namespaceOf(rs))) {
    if (controllerRef(other)?.uid !== owner.uid) continue;
    const selector = labelSelector(specOf(other)['selector']);
    for (const p of pods) {
      if (seen.has(uidOf(p)) || !selectorMatches(selector, p.metadata.labels)) continue;
      seen.add(uidOf(p));
      out.push(p);
    }
  }
  return out;
}

function calculateStatus(
  ctx: ControllerContext,
  rs: KObject,
  pods: KObject[],
  manageError: unknown,
): JsonObject {
  const templateLabels = strMap(rec(rec(specOf(rs)['template'])['metadata'])['labels']);
  const minReady = minReadySecondsOf(rs);
  const now = ctx.clock.now();
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (selectorMatches({ matchLabels: templateLabels }, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  let conditions: Condition[] = conditionsOf(statusOf(rs)['conditions']);
  const failure = findCondition(conditions, 'ReplicaFailure');
  if (manageError !== undefined && failure === undefined) {
    const diff = pods.length - replicasOf(rs);
    const cond: Condition = {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: rfc3339(now),
      reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
      message: manageError instanceof Error ? manageError.message : String(manageError),
    };
    conditions = [...conditions, cond];
  } else if (manageError === undefined && failure !== undefined) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: JsonObject = {
    replicas: pods.length,
    ...omitEmpty({ fullyLabeledReplicas: fullyLabeled, readyReplicas: ready, availableReplicas: available }),
  };
  if (conditions.length > 0) status['conditions'] = conditionsJson(conditions);
  return status;
}

const RS_STATUS_FIELDS = [
  'replicas',
  'fullyLabeledReplicas',
  'readyReplicas',
  'availableReplicas',
  'observedGeneration',
  'conditions',
];

/** updateReplicaSetStatus: writes only when something changed, stamping the observed generation. */
function writeStatus(ctx: ControllerContext, rs: KObject, status: JsonObject): KObject | undefined {
  const generation = rs.metadata.generation ?? 0;
  return mutateObject(
    ctx.store,
    ctx.res.replicaSets,
    namespaceOf(rs),
    nameOf(rs),
    (next) => {
      const merged = mergeStatus(statusOf(next), RS_STATUS_FIELDS, {
        ...status,
        ...omitEmpty({ observedGeneration: generation }),
      });
      if (merged === undefined) return false;
      next['status'] = merged;
      return true;
    },
    { subresource: 'status' },
  );
}
