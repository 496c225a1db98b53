import { selectorMatches } from '../selectors';
import type { StoreEvent } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { type Controller, type ControllerContext, emit, startLoop } from './controller';
import {
  byRevisionNumber,
  createRevision,
  equalRevision,
  listRevisions,
  renumberRevision,
  REVISION_HASH_LABEL,
  revisionNumber,
  revisionTemplate,
  templatePatch,
} from './history';
import {
  controllerRef,
  intField,
  isDeleting,
  isPodAvailable,
  isPodReady,
  keyOf,
  labelSelector,
  nameOf,
  namespaceOf,
  newControllerRef,
  num,
  omitEmpty,
  podPhase,
  rec,
  records,
  specOf,
  splitKey,
  statusOf,
  str,
  strMap,
} from './objects';
import { claim } from './ownership';
import { podFromTemplate } from './pod-control';
import type { WorkQueue } from './queue';
import { deleteQuietly, isAlreadyExists, isNamespaceGone, mutateObject, writeOwnedStatus } from './writes';

export const STATEFULSET_COMPONENT = 'statefulset-controller';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
const STATUS_FIELDS = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'currentReplicas',
  'updatedReplicas',
  'currentRevision',
  'updateRevision',
  'collisionCount',
  'availableReplicas',
];

function replicasOf(set: KObject): number {
  return intField(specOf(set), 'replicas', 1);
}

function startOrdinal(set: KObject): number {
  return num(rec(specOf(set)['ordinals'])['start']) ?? 0;
}

function minReadySeconds(set: KObject): number {
  return intField(specOf(set), 'minReadySeconds', 0);
}

/** OrderedReady sets move one pod at a time; Parallel ones burst. */
function monotonic(set: KObject): boolean {
  return str(specOf(set)['podManagementPolicy']) !== 'Parallel';
}

function updateStrategy(set: KObject): { type: string; partition: number } {
  const us = rec(specOf(set)['updateStrategy']);
  return {
    type: str(us['type']) ?? 'RollingUpdate',
    partition: num(rec(us['rollingUpdate'])['partition']) ?? 0,
  };
}

/** getOrdinal: the number after the set's name, or -1 for a pod not named like a member. */
function ordinalOf(set: KObject, pod: KObject): number {
  const m = /^(.*)-(\d+)$/.exec(nameOf(pod));
  return m !== null && m[1] === nameOf(set) ? Number(m[2]) : -1;
}

function revisionOfPod(pod: KObject): string {
  return pod.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
}

function isCreated(pod: KObject): boolean {
  return podPhase(pod) !== '';
}

function isRunningAndReady(pod: KObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

function isHealthy(pod: KObject): boolean {
  return isRunningAndReady(pod) && !isDeleting(pod);
}

function claimName(template: JsonObject, set: KObject, ordinal: number): string {
  return `${str(rec(template['metadata'])['name']) ?? ''}-${nameOf(set)}-${ordinal}`;
}

/**
 * newStatefulSetPod: the template of the given revision, named `<set>-<ordinal>`, with the stable
 * identity labels, hostname and subdomain, and a volume per claim template pointing at its PVC.
 */
function newPod(set: KObject, template: JsonObject, ordinal: number, revision: string): KObject {
  const pod = podFromTemplate(template, newControllerRef(set), `${nameOf(set)}-`);
  const name = `${nameOf(set)}-${ordinal}`;
  pod.metadata.name = name;
  pod.metadata.namespace = namespaceOf(set);
  pod.metadata.labels = {
    ...(pod.metadata.labels ?? {}),
    [POD_NAME_LABEL]: name,
    [POD_INDEX_LABEL]: String(ordinal),
    [REVISION_HASH_LABEL]: revision,
  };
  const spec = rec(pod['spec']);
  spec['hostname'] = name;
  const service = str(specOf(set)['serviceName']);
  if (service !== undefined && service !== '') spec['subdomain'] = service;
  const claims = records(specOf(set)['volumeClaimTemplates']);
  if (claims.length > 0) {
    const names = new Set(claims.map((c) => str(rec(c['metadata'])['name']) ?? ''));
    const volumes = records(spec['volumes']).filter((v) => !names.has(str(v['name']) ?? ''));
    for (const c of claims) {
      volumes.push({
        name: str(rec(c['metadata'])['name']) ?? '',
        persistentVolumeClaim: { claimName: claimName(c, set, ordinal) },
      });
    }
    spec['volumes'] = volumes;
  }
  pod['spec'] = spec;
  return pod;
}

/**
 * The StatefulSet controller, after pkg/controller/statefulset: ordinal pods with stable names, PVCs
 * from volumeClaimTemplates, OrderedReady (each pod waits for its predecessors to be Running and Ready)
 * or Parallel management, ControllerRevisions holding the template patch, and RollingUpdate from the
 * highest ordinal down to the partition.
 */
export function startStatefulSetController(ctx: ControllerContext): Controller {
  const loop = startLoop(ctx, {
    name: STATEFULSET_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.statefulSets).map(keyOf),
    route: (ev, queue) => {
      if (ev.key === 'apps/statefulsets') queue.add(keyOf(ev.object));
      else if (ev.key === 'core/pods' || ev.key === 'apps/controllerrevisions') routeOwned(ctx, ev, queue);
    },
    sync: (key) => syncStatefulSet(ctx, key, loop.queue),
  });
  return { stop: () => loop.stop() };
}

function ownerKey(o: KObject): string | undefined {
  const ref = controllerRef(o);
  return ref !== undefined && ref.kind === 'StatefulSet' ? `${namespaceOf(o)}/${ref.name}` : undefined;
}

function routeOwned(ctx: ControllerContext, ev: StoreEvent, queue: WorkQueue): void {
  const key = ownerKey(ev.object);
  const oldKey = ev.old === undefined ? undefined : ownerKey(ev.old);
  if (oldKey !== undefined && oldKey !== key) queue.add(oldKey);
  if (key !== undefined) {
    queue.add(key);
    if (ev.key === 'core/pods' && ev.old !== undefined && !isPodReady(ev.old) && isPodReady(ev.object)) {
      const set = ctx.store.get(ctx.res.statefulSets, namespaceOf(ev.object), splitKey(key).name);
      if (set !== undefined && minReadySeconds(set) > 0)
        queue.addAfter(key, minReadySeconds(set) * 1000 + 1000);
    }
    return;
  }
  if (ev.type === 'DELETED') return;
  for (const set of ctx.cache.list(ctx.res.statefulSets, namespaceOf(ev.object))) {
    if (selectorMatches(labelSelector(specOf(set)['selector']), ev.object.metadata.labels))
      queue.add(keyOf(set));
  }
}

interface Revisions {
  current: KObject;
  update: KObject;
  collisionCount: number;
}

/** getStatefulSetRevisions: find or create the revision of the current template, renumbering on rollback. */
function revisionsFor(ctx: ControllerContext, set: KObject, revisions: KObject[]): Revisions {
  let collisionCount = num(statusOf(set)['collisionCount']) ?? 0;
  const data = templatePatch(set);
  const next = (revisions.at(-1) === undefined ? 0 : revisionNumber(revisions.at(-1)!)) + 1;
  const probe: KObject = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: {}, data };
  const equal = revisions.filter((r) => equalRevision(r, probe));
  let update: KObject;
  const last = revisions.at(-1);
  if (equal.length > 0 && last !== undefined && equalRevision(last, equal.at(-1)!)) {
    update = last;
  } else if (equal.length > 0) {
    update = renumberRevision(ctx, equal.at(-1)!, next);
  } else {
    const created = createRevision(ctx, set, data, next, collisionCount);
    update = created.revision;
    collisionCount = created.collisionCount;
  }
  const currentName = str(statusOf(set)['currentRevision']);
  const current = revisions.find((r) => nameOf(r) === currentName) ?? update;
  return { current, update, collisionCount };
}

function syncStatefulSet(ctx: ControllerContext, key: string, queue: WorkQueue): void {
  const { namespace, name } = splitKey(key);
  const live = ctx.store.get(ctx.res.statefulSets, namespace, name);
  if (live === undefined) return;
  const set = clone(live);
  const selector = labelSelector(specOf(set)['selector']);
  const candidates = ctx.cache
    .list(ctx.res.pods, namespace)
    .filter((p) => ordinalOf(set, p) >= 0 || controllerRef(p)?.uid === set.metadata.uid);
  const pods = claim(
    ctx,
    ctx.res.pods,
    set,
    candidates,
    (p) => selectorMatches(selector, p.metadata.labels) && ordinalOf(set, p) >= 0,
  );
  const revisions = listRevisions(ctx, set);
  const revs = revisionsFor(ctx, set, revisions);
  const status = updateStatefulSet(ctx, set, revs, pods);
  writeOwnedStatus(ctx.store, ctx.res.statefulSets, set, STATUS_FIELDS, status);
  truncateHistory(ctx, set, pods, listRevisions(ctx, set), revs);
  const minReady = minReadySeconds(set);
  if (minReady > 0 && (num(status['availableReplicas']) ?? 0) !== replicasOf(set))
    queue.addAfter(key, minReady * 1000);
}

function computeStatus(set: KObject, revs: Revisions, pods: readonly KObject[], now: number): JsonObject {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const pod of pods) {
    if (isCreated(pod)) replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds(set), now)) available++;
    }
    if (isCreated(pod) && !isDeleting(pod)) {
      if (revisionOfPod(pod) === nameOf(revs.current)) current++;
      if (revisionOfPod(pod) === nameOf(revs.update)) updated++;
    }
  }
  const status: JsonObject = {
    ...omitEmpty({ observedGeneration: set.metadata.generation ?? 0 }),
    replicas,
    ...omitEmpty({
      readyReplicas: ready,
      currentReplicas: current,
      updatedReplicas: updated,
      currentRevision: nameOf(revs.current),
      updateRevision: nameOf(revs.update),
    }),
    collisionCount: revs.collisionCount,
    availableReplicas: available,
  };
  // completeRollingUpdate: once every replica is updated and ready, the update revision becomes current.
  if (updateStrategy(set).type === 'RollingUpdate' && updated === replicas && ready === replicas) {
    status['currentReplicas'] = updated;
    status['currentRevision'] = nameOf(revs.update);
    if (updated === 0) delete status['currentReplicas'];
  }
  return status;
}

/** updateStatefulSet: the reconcile proper. Returns the status to write. */
function updateStatefulSet(
  ctx: ControllerContext,
  set: KObject,
  revs: Revisions,
  pods: KObject[],
): JsonObject {
  const now = ctx.clock.now();
  const start = startOrdinal(set);
  const count = replicasOf(set);
  const replicas: (KObject | undefined)[] = new Array<KObject | undefined>(count).fill(undefined);
  const condemned: KObject[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(set, pod);
    if (ord >= start && ord < start + count) replicas[ord - start] = pod;
    else if (ord >= 0) condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
  const strategy = updateStrategy(set);
  const currentTemplate = revisionTemplate(revs.current);
  const updateTemplate = revisionTemplate(revs.update);
  const slots: KObject[] = replicas.map((pod, i) => {
    if (pod !== undefined) return pod;
    const ord = start + i;
    // newVersionedStatefulSetPod: ordinals below the partition are made at the current revision.
    const useCurrent = strategy.type === 'RollingUpdate' && ord < start + strategy.partition;
    return useCurrent
      ? newPod(set, currentTemplate, ord, nameOf(revs.current))
      : newPod(set, updateTemplate, ord, nameOf(revs.update));
  });
  const firstUnhealthy = [...slots, ...[...condemned].reverse()].find((p) => !isHealthy(p));
  const statusNow = (): JsonObject =>
    computeStatus(set, revs, [...slots.filter(isCreated), ...condemned], now);
  if (isDeleting(set)) return statusNow();
  const mono = monotonic(set);

  for (let i = 0; i < slots.length; i++) {
    const pod = slots[i]!;
    if (podPhase(pod) === 'Failed' || podPhase(pod) === 'Succeeded') {
      // A finished pod is deleted and made again on a later pass.
      if (!isDeleting(pod)) deleteStatefulPod(ctx, set, pod);
      if (mono) return statusNow();
      continue;
    }
    if (!isCreated(pod)) {
      const created = createStatefulPod(ctx, set, pod);
      if (created !== undefined) slots[i] = created;
      if (mono) return statusNow();
      continue;
    }
    if (isDeleting(pod) && mono) return statusNow();
    if (!isRunningAndReady(pod) && mono) return statusNow();
    if (!isPodAvailable(pod, minReadySeconds(set), now) && mono) return statusNow();
    if (pod.metadata.labels?.[POD_NAME_LABEL] !== nameOf(pod)) {
      // Restore the identity label, as UpdateStatefulPod does for a pod that lost it.
      const fixed = mutateObject(ctx.store, ctx.res.pods, namespaceOf(pod), nameOf(pod), (next) => {
        next.metadata.labels = { ...(next.metadata.labels ?? {}), [POD_NAME_LABEL]: nameOf(next) };
        return true;
      });
      if (fixed !== undefined) slots[i] = fixed;
    }
  }

  for (const pod of condemned) {
    if (isDeleting(pod)) {
      if (mono) return statusNow();
      continue;
    }
    if (
      mono &&
      pod !== firstUnhealthy &&
      (!isRunningAndReady(pod) || !isPodAvailable(pod, minReadySeconds(set), now))
    )
      return statusNow();
    deleteStatefulPod(ctx, set, pod);
    if (mono) return statusNow();
  }

  if (strategy.type !== 'RollingUpdate') return statusNow();
  // RollingUpdate: replace the highest-ordinal pod not at the update revision, one at a time, down to
  // the partition, waiting for each replacement to be healthy.
  for (let target = slots.length - 1; target >= strategy.partition; target--) {
    const pod = slots[target]!;
    if (revisionOfPod(pod) !== nameOf(revs.update) && !isDeleting(pod)) {
      deleteStatefulPod(ctx, set, pod);
      const status = statusNow();
      status['currentReplicas'] = Math.max(0, (num(status['currentReplicas']) ?? 0) - 1);
      return status;
    }
    if (!isHealthy(pod)) return statusNow();
  }
  return statusNow();
}

/** CreateStatefulPod: the claims first (bound at once, as a dynamic provisioner would), then the pod. */
function createStatefulPod(ctx: ControllerContext, set: KObject, pod: KObject): KObject | undefined {
  const ordinal = ordinalOf(set, pod);
  for (const template of records(specOf(set)['volumeClaimTemplates']))
    createClaim(ctx, set, template, ordinal, nameOf(pod));
  try {
    const created = ctx.store.create(ctx.res.pods, pod);
    emit(
      ctx,
      STATEFULSET_COMPONENT,
      set,
      'Normal',
      'SuccessfulCreate',
      `create Pod ${nameOf(pod)} in StatefulSet ${nameOf(set)} successful`,
    );
    return created;
  } catch (e) {
    if (isAlreadyExists(e)) return ctx.store.get(ctx.res.pods, namespaceOf(set), nameOf(pod));
    if (!isNamespaceGone(e)) {
      emit(
        ctx,
        STATEFULSET_COMPONENT,
        set,
        'Warning',
        'FailedCreate',
        `create Pod ${nameOf(pod)} in StatefulSet ${nameOf(set)} failed error: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    throw e;
  }
}

function createClaim(
  ctx: ControllerContext,
  set: KObject,
  template: JsonObject,
  ordinal: number,
  podName: string,
): void {
  const name = claimName(template, set, ordinal);
  if (ctx.store.get(ctx.res.pvcs, namespaceOf(set), name) !== undefined) return;
  const meta = rec(template['metadata']);
  const labels = { ...strMap(meta['labels']), ...strMap(rec(specOf(set)['selector'])['matchLabels']) };
  const claim: KObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: namespaceOf(set), labels },
    spec: clone(rec(template['spec'])),
  };
  const annotations = strMap(meta['annotations']);
  if (Object.keys(annotations).length > 0) claim.metadata.annotations = annotations;
  // persistentVolumeClaimRetentionPolicy.whenDeleted: Delete makes the set an owner of its claims.
  if (str(rec(specOf(set)['persistentVolumeClaimRetentionPolicy'])['whenDeleted']) === 'Delete') {
    claim.metadata.ownerReferences = [
      { apiVersion: set.apiVersion, kind: set.kind, name: nameOf(set), uid: set.metadata.uid ?? '' },
    ];
  }
  let created: KObject;
  try {
    created = ctx.store.create(ctx.res.pvcs, claim);
  } catch (e) {
    if (isAlreadyExists(e)) return;
    emit(
      ctx,
      STATEFULSET_COMPONENT,
      set,
      'Warning',
      'FailedCreate',
      `create Claim ${name} for Pod ${podName} in StatefulSet ${nameOf(set)} failed error: ${e instanceof Error ? e.message : String(e)}`,
    );
    throw e;
  }
  emit(
    ctx,
    STATEFULSET_COMPONENT,
    set,
    'Normal',
    'SuccessfulCreate',
    `create Claim ${name} Pod ${podName} in StatefulSet ${nameOf(set)} success`,
  );
  const requested = str(rec(rec(rec(claim['spec'])['resources'])['requests'])['storage']);
  mutateObject(ctx.store, ctx.res.pvcs, namespaceOf(set), name, (next) => {
    next['spec'] = { ...rec(next['spec']), volumeName: `pvc-${created.metadata.uid ?? ''}` };
    return true;
  });
  mutateObject(
    ctx.store,
    ctx.res.pvcs,
    namespaceOf(set),
    name,
    (next) => {
      const status: JsonObject = {
        phase: 'Bound',
        accessModes: rec(next['spec'])['accessModes'] ?? ['ReadWriteOnce'],
      };
      if (requested !== undefined) status['capacity'] = { storage: requested };
      next['status'] = status;
      return true;
    },
    { subresource: 'status' },
  );
}

function deleteStatefulPod(ctx: ControllerContext, set: KObject, pod: KObject): void {
  if (
    deleteQuietly(ctx.store, ctx.res.pods, namespaceOf(pod), nameOf(pod), {
      preconditions: { uid: pod.metadata.uid ?? '' },
    })
  ) {
    emit(
      ctx,
      STATEFULSET_COMPONENT,
      set,
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${nameOf(pod)} in StatefulSet ${nameOf(set)} successful`,
    );
  }
}

/** truncateHistory: drop the oldest revisions no pod uses beyond revisionHistoryLimit. */
function truncateHistory(
  ctx: ControllerContext,
  set: KObject,
  pods: readonly KObject[],
  revisions: KObject[],
  revs: Revisions,
): void {
  const live = new Set([nameOf(revs.current), nameOf(revs.update), ...pods.map(revisionOfPod)]);
  const history = revisions.filter((r) => !live.has(nameOf(r))).sort(byRevisionNumber);
  const limit = intField(specOf(set), 'revisionHistoryLimit', 10);
  for (const r of history.slice(0, Math.max(0, history.length - limit)))
    deleteQuietly(ctx.store, ctx.res.controllerRevisions, namespaceOf(r), nameOf(r));
}
