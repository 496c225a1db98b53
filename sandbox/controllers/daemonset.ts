import { selectorMatches } from '../selectors';
import type { StoreEvent } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import { computeHash } from './hash';
import {
  byRevisionNumber,
  createRevision,
  listRevisions,
  renumberRevision,
  REVISION_HASH_LABEL,
  revisionNumber,
  templatePatch,
} from './history';
import { scaledValue } from './intstr';
import { unfitReason } from './node-fit';
import {
  controllerRef,
  creationMs,
  intField,
  intOrString,
  isDeleting,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  keyOf,
  labelSelector,
  nameOf,
  namespaceOf,
  newControllerRef,
  nodeNameOf,
  num,
  omitEmpty,
  podPhase,
  rec,
  records,
  sameJson,
  specOf,
  splitKey,
  statusOf,
  str,
} from './objects';
import { claim } from './ownership';
import { createPod, deletePod, podFromTemplate } from './pod-control';
import type { WorkQueue } from './queue';
import { deleteQuietly, writeOwnedStatus } from './writes';

export const DAEMONSET_COMPONENT = 'daemonset-controller';
const TEMPLATE_GENERATION = 'pod-template-generation';
const STATUS_FIELDS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
  'collisionCount',
];

/** The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations), so it runs through node trouble. */
const DAEMON_TOLERATIONS: JsonObject[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function minReadySeconds(ds: KObject): number {
  return intField(specOf(ds), 'minReadySeconds', 0);
}

/** The pod template as daemon pods get it: revision and generation labels, daemon tolerations. */
function daemonTemplate(ds: KObject, hash: string): JsonObject {
  const template = clone(rec(specOf(ds)['template']));
  const meta = rec(template['metadata']);
  meta['labels'] = {
    ...rec(meta['labels']),
    [TEMPLATE_GENERATION]: String(ds.metadata.generation ?? 1),
    [REVISION_HASH_LABEL]: hash,
  };
  template['metadata'] = meta;
  const spec = rec(template['spec']);
  const tolerations = records(spec['tolerations']);
  for (const t of DAEMON_TOLERATIONS)
    if (!tolerations.some((x) => x['key'] === t['key'] && x['effect'] === t['effect'])) tolerations.push(t);
  spec['tolerations'] = tolerations;
  template['spec'] = spec;
  return template;
}

/** NodeShouldRunDaemonPod: the node fits a daemon pod (selector, affinity, taints with daemon tolerations). */
function shouldRun(ds: KObject, node: KObject): boolean {
  const probe: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {},
    spec: rec(daemonTemplate(ds, '')['spec']),
  };
  return unfitReason(probe, node) === undefined;
}

/** The node a daemon pod is for: its binding, or the node its node-name affinity names. */
function targetNode(pod: KObject): string {
  const bound = nodeNameOf(pod);
  if (bound !== '') return bound;
  const terms = records(
    rec(rec(rec(specOf(pod)['affinity'])['nodeAffinity'])['requiredDuringSchedulingIgnoredDuringExecution'])[
      'nodeSelectorTerms'
    ],
  );
  for (const term of terms) {
    for (const f of records(term['matchFields'])) {
      const values = f['values'];
      if (
        f['key'] === 'metadata.name' &&
        f['operator'] === 'In' &&
        Array.isArray(values) &&
        typeof values[0] === 'string'
      )
        return values[0];
    }
  }
  return '';
}

function isUpdated(pod: KObject, hash: string): boolean {
  return pod.metadata.labels?.[REVISION_HASH_LABEL] === hash;
}

/**
 * The DaemonSet controller, after pkg/controller/daemon: one pod per node that fits (scheduled through
 * node-name affinity, like upstream), ControllerRevisions named by template hash, RollingUpdate within
 * maxUnavailable (or maxSurge), and the scheduling counts kubectl reads.
 */
export function startDaemonSetController(ctx: ControllerContext): Controller {
  const all = (): string[] => ctx.cache.list(ctx.res.daemonSets).map(keyOf);
  const loop = startLoop(ctx, {
    name: DAEMONSET_COMPONENT,
    initialKeys: all,
    route: (ev, queue) => {
      if (ev.key === 'apps/daemonsets') queue.add(keyOf(ev.object));
      else if (ev.key === 'core/nodes') for (const k of all()) queue.add(k);
      else if (ev.key === 'core/pods' || ev.key === 'apps/controllerrevisions') routeOwned(ctx, ev, queue);
    },
    sync: (key) => syncDaemonSet(ctx, key, loop.queue),
  });
  return { stop: () => loop.stop() };
}

function routeOwned(ctx: ControllerContext, ev: StoreEvent, queue: WorkQueue): void {
  const ref = controllerRef(ev.object);
  if (ref !== undefined) {
    if (ref.kind === 'DaemonSet') queue.add(`${namespaceOf(ev.object)}/${ref.name}`);
    return;
  }
  if (ev.type === 'DELETED') return;
  for (const ds of ctx.cache.list(ctx.res.daemonSets, namespaceOf(ev.object))) {
    if (selectorMatches(labelSelector(specOf(ds)['selector']), ev.object.metadata.labels))
      queue.add(keyOf(ds));
  }
}

/** constructHistory: the revision matching the template (renumbered if rolled back to), and the rest. */
function constructHistory(
  ctx: ControllerContext,
  ds: KObject,
): { current: KObject; old: KObject[]; collisionCount: number } {
  const revisions = listRevisions(ctx, ds);
  const data = templatePatch(ds);
  const matching = revisions.filter((r) => sameJson(r['data'], data));
  const old = revisions.filter((r) => !matching.includes(r));
  const next = old.reduce((m, r) => Math.max(m, revisionNumber(r)), 0) + 1;
  let collisionCount = num(statusOf(ds)['collisionCount']) ?? 0;
  if (matching.length === 0) {
    const template = rec(specOf(ds)['template']);
    const created = createRevision(ctx, ds, data, next, collisionCount, undefined, (count) =>
      computeHash(template, count === 0 && statusOf(ds)['collisionCount'] === undefined ? undefined : count),
    );
    collisionCount = created.collisionCount;
    return { current: created.revision, old, collisionCount };
  }
  // dedupCurHistories: keep the highest-numbered duplicate.
  const sorted = [...matching].sort(byRevisionNumber);
  const keep = sorted.at(-1)!;
  for (const dup of sorted.slice(0, -1))
    deleteQuietly(ctx.store, ctx.res.controllerRevisions, namespaceOf(dup), nameOf(dup));
  const current = revisionNumber(keep) < next ? renumberRevision(ctx, keep, next) : keep;
  return { current, old, collisionCount };
}

function syncDaemonSet(ctx: ControllerContext, key: string, queue: WorkQueue): void {
  const { namespace, name } = splitKey(key);
  const live = ctx.store.get(ctx.res.daemonSets, namespace, name);
  if (live === undefined) return;
  const ds = clone(live);
  const selector = labelSelector(specOf(ds)['selector']);
  const pods = claim(ctx, ctx.res.pods, ds, ctx.cache.list(ctx.res.pods, namespace), (p) =>
    selectorMatches(selector, p.metadata.labels),
  );
  const nodes = ctx.cache.list(ctx.res.nodes).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  const history = constructHistory(ctx, ds);
  const hash =
    history.current.metadata.labels?.[REVISION_HASH_LABEL] ??
    nameOf(history.current).slice(nameOf(ds).length + 1);
  const byNode = new Map<string, KObject[]>();
  for (const p of pods) {
    if (isPodTerminal(p) && isDeleting(p)) continue;
    const n = targetNode(p);
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  if (!isDeleting(ds)) {
    const desired = nodes.filter((n) => shouldRun(ds, n)).length;
    const { surge, unavailable } = budgets(ds, desired);
    const toCreate: string[] = [];
    const toDelete: KObject[] = [];
    for (const node of nodes)
      manageNode(ds, node, byNode.get(nameOf(node)) ?? [], surge > 0, toCreate, toDelete);
    if (str(rec(specOf(ds)['updateStrategy'])['type']) !== 'OnDelete') {
      rollingUpdate(ctx, ds, nodes, byNode, hash, surge, unavailable, toCreate, toDelete);
    }
    for (const pod of toDelete) deletePod(ctx, DAEMONSET_COMPONENT, ds, pod);
    const template = daemonTemplate(ds, hash);
    for (const node of toCreate) createPod(ctx, DAEMONSET_COMPONENT, ds, podFor(ds, template, node));
    cleanupHistory(ctx, ds, pods, history.old);
  }
  const status = computeStatus(ctx, ds, nodes, byNode, hash, history.collisionCount);
  writeOwnedStatus(ctx.store, ctx.res.daemonSets, ds, STATUS_FIELDS, status);
  const minReady = minReadySeconds(ds);
  if (minReady > 0 && status['numberReady'] !== (num(status['numberAvailable']) ?? 0))
    queue.addAfter(key, minReady * 1000);
}

function budgets(ds: KObject, desired: number): { surge: number; unavailable: number } {
  const ru = rec(rec(specOf(ds)['updateStrategy'])['rollingUpdate']);
  const surge = scaledValue(intOrString(ru['maxSurge']) ?? 0, desired, true);
  let unavailable = scaledValue(intOrString(ru['maxUnavailable']) ?? 1, desired, true);
  if (desired > 0 && surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function podFor(ds: KObject, template: JsonObject, node: string): KObject {
  const pod = podFromTemplate(template, newControllerRef(ds), `${nameOf(ds)}-`);
  const spec = rec(pod['spec']);
  // ReplaceDaemonSetPodNodeNameNodeAffinity: the scheduler is told which node through affinity.
  const affinity = rec(spec['affinity']);
  affinity['nodeAffinity'] = {
    ...rec(affinity['nodeAffinity']),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
    },
  };
  spec['affinity'] = affinity;
  pod['spec'] = spec;
  return pod;
}

/** podsShouldBeOnNode: a missing pod is created, failed ones and extras are deleted, misplaced ones go. */
function manageNode(
  ds: KObject,
  node: KObject,
  pods: KObject[],
  allowSurge: boolean,
  toCreate: string[],
  toDelete: KObject[],
): void {
  const run = shouldRun(ds, node);
  if (run && pods.length === 0) {
    toCreate.push(nameOf(node));
    return;
  }
  if (!run) {
    for (const p of pods) if (!isDeleting(p)) toDelete.push(p);
    return;
  }
  const running: KObject[] = [];
  for (const p of pods) {
    if (isDeleting(p)) continue;
    if (podPhase(p) === 'Failed' || podPhase(p) === 'Succeeded') toDelete.push(p);
    else running.push(p);
  }
  if (allowSurge || running.length <= 1) return;
  // Without surge, keep only the oldest pod on a node.
  running.sort((a, b) => creationMs(a) - creationMs(b) || nameOf(a).localeCompare(nameOf(b)));
  toDelete.push(...running.slice(1));
}

function rollingUpdate(
  ctx: ControllerContext,
  ds: KObject,
  nodes: readonly KObject[],
  byNode: Map<string, KObject[]>,
  hash: string,
  maxSurge: number,
  maxUnavailable: number,
  toCreate: string[],
  toDelete: KObject[],
): void {
  const now = ctx.clock.now();
  const minReady = minReadySeconds(ds);
  const available = (p: KObject): boolean => isPodAvailable(p, minReady, now);
  const candidates: KObject[] = [];
  const replacements: KObject[] = [];
  const surgeCandidates: string[] = [];
  const surgeAllowed: string[] = [];
  let unavailable = 0;
  let surged = 0;
  for (const node of nodes) {
    const pods = (byNode.get(nameOf(node)) ?? []).filter((p) => !isDeleting(p));
    const fresh = pods.filter((p) => isUpdated(p, hash));
    const stale = pods.filter((p) => !isUpdated(p, hash));
    if (fresh.length > 1 || stale.length > 1) {
      // findUpdatedPodsOnNode gives up here: the manage loop sorts the node out first.
      if (maxSurge === 0) unavailable++;
      else surged++;
      continue;
    }
    const newPod = fresh[0];
    const oldPod = stale[0];
    if (maxSurge === 0) {
      if ((oldPod === undefined) === (newPod === undefined)) unavailable++;
      else if (newPod !== undefined) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod !== undefined) {
        if (!available(oldPod)) replacements.push(oldPod);
        else if (unavailable < maxUnavailable) candidates.push(oldPod);
      }
      continue;
    }
    if (oldPod === undefined) continue;
    if (newPod === undefined) {
      if (!available(oldPod)) surgeAllowed.push(nameOf(node));
      else if (surged < maxSurge) surgeCandidates.push(nameOf(node));
    } else if (!available(newPod)) surged++;
    else toDelete.push(oldPod);
  }
  if (maxSurge === 0) {
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    toDelete.push(...replacements, ...candidates.slice(0, room));
    return;
  }
  const room = Math.min(Math.max(0, maxSurge - surged), surgeCandidates.length);
  toCreate.push(...surgeAllowed, ...surgeCandidates.slice(0, room));
}

function computeStatus(
  ctx: ControllerContext,
  ds: KObject,
  nodes: readonly KObject[],
  byNode: Map<string, KObject[]>,
  hash: string,
  collisionCount: number,
): JsonObject {
  const now = ctx.clock.now();
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let updated = 0;
  let available = 0;
  for (const node of nodes) {
    const pods = byNode.get(nameOf(node)) ?? [];
    if (!shouldRun(ds, node)) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    // podByCreationTimestampAndPhase: the oldest pod speaks for the node.
    const pod = [...pods].sort(
      (a, b) => creationMs(a) - creationMs(b) || nameOf(a).localeCompare(nameOf(b)),
    )[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds(ds), now)) available++;
    }
    if (isUpdated(pod, hash)) updated++;
  }
  const status: JsonObject = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    ...omitEmpty({
      observedGeneration: ds.metadata.generation ?? 0,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
      collisionCount,
    }),
  };
  return status;
}

/** cleanupHistory: old revisions no pod uses, beyond revisionHistoryLimit, oldest first. */
function cleanupHistory(
  ctx: ControllerContext,
  ds: KObject,
  pods: readonly KObject[],
  old: readonly KObject[],
): void {
  const live = new Set(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL] ?? ''));
  const unused = old
    .filter((r) => !live.has(r.metadata.labels?.[REVISION_HASH_LABEL] ?? ''))
    .sort(byRevisionNumber);
  const limit = intField(specOf(ds), 'revisionHistoryLimit', 10);
  for (const r of unused.slice(0, Math.max(0, unused.length - limit)))
    deleteQuietly(ctx.store, ctx.res.controllerRevisions, namespaceOf(r), nameOf(r));
}
