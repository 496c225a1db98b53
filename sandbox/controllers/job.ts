import { selectorMatches } from '../selectors';
import { rfc3339, type StoreEvent } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { type Controller, type ControllerContext, emit, startLoop } from './controller';
import {
  type Condition,
  conditionsJson,
  conditionsOf,
  controllerRef,
  creationMs,
  findCondition,
  isDeleting,
  isPodReady,
  isPodTerminal,
  keyOf,
  labelSelector,
  mergeStatus,
  nameOf,
  namespaceOf,
  newControllerRef,
  num,
  omitEmpty,
  podPhase,
  rec,
  specOf,
  splitKey,
  statusOf,
  str,
  time,
  totalRestarts,
  uidOf,
} from './objects';
import { claim } from './ownership';
import { createPod, deletePod, podFromTemplate } from './pod-control';
import type { WorkQueue } from './queue';
import { mutateObject } from './writes';

export const JOB_COMPONENT = 'job-controller';
const INDEX_KEY = 'batch.kubernetes.io/job-completion-index';
/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff: replacement pods wait 10 s, 20 s, … up to 10 min. */
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 600_000;
const STATUS_FIELDS = [
  'conditions',
  'startTime',
  'completionTime',
  'active',
  'succeeded',
  'failed',
  'terminating',
  'completedIndexes',
  'uncountedTerminatedPods',
  'ready',
];

/** What the controller remembers about a job's finished pods, since it does not use tracking finalizers. */
interface Tally {
  counted: Set<string>;
  lost: Set<string>;
  deletedByUs: Set<string>;
  succeededIndexes: Set<number>;
  failuresSinceSuccess: number;
  lastFailure: number;
  /** False until the pods finished before the controller started are taken as already counted. */
  seeded: boolean;
}

function isFinished(job: KObject): boolean {
  const conds = conditionsOf(statusOf(job)['conditions']);
  return conds.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function indexOf(pod: KObject): number | undefined {
  const v = pod.metadata.annotations?.[INDEX_KEY] ?? pod.metadata.labels?.[INDEX_KEY];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** "0-2,4": the compressed index list the Job status uses. */
function formatIndexes(indexes: Set<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The Job controller, after pkg/controller/job (1.32): runs pods until `completions` succeed, at most
 * `parallelism` at a time, backs off replacements after failures, fails the job past backoffLimit or
 * activeDeadlineSeconds, and reports the terminal conditions the way 1.32 does: SuccessCriteriaMet or
 * FailureTarget first, Complete or Failed once no pod is still terminating.
 */
export function startJobController(ctx: ControllerContext): Controller {
  const tallies = new Map<string, Tally>();
  const loop = startLoop(ctx, {
    name: JOB_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.jobs).map(keyOf),
    route: (ev, queue) => {
      if (ev.key === 'batch/jobs') {
        if (ev.type === 'DELETED') tallies.delete(uidOf(ev.object));
        queue.add(keyOf(ev.object));
      } else if (ev.key === 'core/pods') routePod(ctx, ev, queue, tallies);
    },
    sync: (key) => syncJob(ctx, key, loop.queue, tallies),
  });
  return { stop: () => loop.stop() };
}

function tallyFor(tallies: Map<string, Tally>, uid: string): Tally {
  let t = tallies.get(uid);
  if (t === undefined) {
    t = {
      counted: new Set(),
      lost: new Set(),
      deletedByUs: new Set(),
      succeededIndexes: new Set(),
      failuresSinceSuccess: 0,
      lastFailure: 0,
      seeded: false,
    };
    tallies.set(uid, t);
  }
  return t;
}

function routePod(
  ctx: ControllerContext,
  ev: StoreEvent,
  queue: WorkQueue,
  tallies: Map<string, Tally>,
): void {
  const ref = controllerRef(ev.object);
  if (ref === undefined) {
    if (ev.type !== 'DELETED') {
      for (const job of ctx.cache.list(ctx.res.jobs, namespaceOf(ev.object))) {
        if (selectorMatches(labelSelector(specOf(job)['selector']), ev.object.metadata.labels))
          queue.add(keyOf(job));
      }
    }
    return;
  }
  if (ref.kind !== 'Job') return;
  // A pod that vanished before finishing, not removed by the controller itself, counts as failed.
  if (ev.type === 'DELETED' && !isPodTerminal(ev.object)) {
    const t = tallyFor(tallies, ref.uid);
    if (!t.deletedByUs.has(uidOf(ev.object))) t.lost.add(uidOf(ev.object));
  }
  queue.add(`${namespaceOf(ev.object)}/${ref.name}`);
}

function syncJob(ctx: ControllerContext, key: string, queue: WorkQueue, tallies: Map<string, Tally>): void {
  const { namespace, name } = splitKey(key);
  const live = ctx.store.get(ctx.res.jobs, namespace, name);
  if (live === undefined || isFinished(live)) return;
  const job = clone(live);
  const spec = specOf(job);
  const st = statusOf(job);
  const now = ctx.clock.now();
  const stamp = rfc3339(now);
  const tally = tallyFor(tallies, uidOf(job));
  const selector = labelSelector(spec['selector']);
  const pods = claim(ctx, ctx.res.pods, job, ctx.cache.list(ctx.res.pods, namespace), (p) =>
    selectorMatches(selector, p.metadata.labels),
  );
  const indexed = str(spec['completionMode']) === 'Indexed';
  const completions = num(spec['completions']);
  const parallelism = num(spec['parallelism']) ?? 1;
  const backoffLimit = num(spec['backoffLimit']) ?? 6;
  const suspended = spec['suspend'] === true;
  const onFailure = str(rec(rec(spec['template'])['spec'])['restartPolicy']) === 'OnFailure';

  let succeeded = num(st['succeeded']) ?? 0;
  let failed = num(st['failed']) ?? 0;
  if (!tally.seeded) {
    // A job the controller meets with counts already in its status: its finished pods are in them.
    tally.seeded = true;
    if (succeeded > 0 || failed > 0) {
      for (const pod of pods) {
        if (!isPodTerminal(pod)) continue;
        tally.counted.add(uidOf(pod));
        const idx = indexOf(pod);
        if (podPhase(pod) === 'Succeeded' && idx !== undefined) tally.succeededIndexes.add(idx);
      }
    }
  }
  for (const pod of pods) {
    const uid = uidOf(pod);
    if (tally.counted.has(uid)) continue;
    if (podPhase(pod) === 'Succeeded') {
      tally.counted.add(uid);
      const idx = indexOf(pod);
      if (!indexed || (idx !== undefined && !tally.succeededIndexes.has(idx))) succeeded++;
      if (idx !== undefined) tally.succeededIndexes.add(idx);
      tally.failuresSinceSuccess = 0;
    } else if (podPhase(pod) === 'Failed') {
      tally.counted.add(uid);
      failed++;
      tally.failuresSinceSuccess++;
      tally.lastFailure = Math.max(tally.lastFailure, now);
    }
  }
  for (const uid of tally.lost) {
    if (tally.counted.has(uid)) continue;
    tally.counted.add(uid);
    failed++;
    tally.failuresSinceSuccess++;
    tally.lastFailure = Math.max(tally.lastFailure, now);
  }
  tally.lost.clear();

  let active = pods.filter((p) => !isPodTerminal(p) && !isDeleting(p));
  const terminating = pods.filter((p) => !isPodTerminal(p) && isDeleting(p)).length;
  let conds = conditionsOf(st['conditions']);
  const status: JsonObject = {};
  let startTime = str(st['startTime']);

  // Suspension: the Suspended condition, no pods, and a fresh start time on resume.
  const suspendedCond = findCondition(conds, 'Suspended');
  if (suspended && suspendedCond?.status !== 'True') {
    conds = setJobCondition(conds, jobCondition('Suspended', 'True', 'JobSuspended', 'Job suspended', stamp));
    emit(ctx, JOB_COMPONENT, job, 'Normal', 'Suspended', 'Job suspended');
  } else if (!suspended && suspendedCond?.status === 'True') {
    conds = setJobCondition(conds, jobCondition('Suspended', 'False', 'JobResumed', 'Job resumed', stamp));
    emit(ctx, JOB_COMPONENT, job, 'Normal', 'Resumed', 'Job resumed');
    startTime = stamp;
  }
  if (!suspended && startTime === undefined) startTime = stamp;

  const restarts = onFailure ? active.reduce((n, p) => n + totalRestarts(p), 0) : 0;
  const deadline = num(spec['activeDeadlineSeconds']);
  const started = time(startTime);
  let failureTarget = findCondition(conds, 'FailureTarget');
  let successMet = findCondition(conds, 'SuccessCriteriaMet');
  if (failureTarget === undefined && successMet === undefined) {
    if (failed + restarts > backoffLimit) {
      failureTarget = jobCondition(
        'FailureTarget',
        'True',
        'BackoffLimitExceeded',
        'Job has reached the specified backoff limit',
        stamp,
      );
    } else if (
      deadline !== undefined &&
      started !== undefined &&
      !suspended &&
      now - started >= deadline * 1000
    ) {
      failureTarget = jobCondition(
        'FailureTarget',
        'True',
        'DeadlineExceeded',
        'Job was active longer than specified deadline',
        stamp,
      );
    } else {
      const done = indexed
        ? tally.succeededIndexes.size >= (completions ?? 1)
        : completions === undefined
          ? succeeded > 0 && active.length === 0
          : succeeded >= completions;
      if (done)
        successMet = jobCondition(
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
          stamp,
        );
    }
    if (failureTarget !== undefined) conds = setJobCondition(conds, failureTarget);
    if (successMet !== undefined) conds = setJobCondition(conds, successMet);
  }

  if (failureTarget !== undefined || successMet !== undefined) {
    // Terminal: no pod keeps running, and the final condition waits for terminating pods to be gone.
    for (const pod of active) deleteJobPod(ctx, job, pod, tally);
    const stillTerminating = terminating + active.length;
    active = [];
    if (stillTerminating === 0) {
      if (failureTarget !== undefined) {
        conds = setJobCondition(
          conds,
          jobCondition('Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '', stamp),
        );
        emit(
          ctx,
          JOB_COMPONENT,
          job,
          'Warning',
          failureTarget.reason ?? 'Failed',
          failureTarget.message ?? '',
        );
      } else {
        conds = setJobCondition(
          conds,
          jobCondition(
            'Complete',
            'True',
            'CompletionsReached',
            'Reached expected number of succeeded pods',
            stamp,
          ),
        );
        status['completionTime'] = stamp;
        if (completions !== undefined && succeeded > completions) {
          emit(
            ctx,
            JOB_COMPONENT,
            job,
            'Warning',
            'TooManySucceededPods',
            'Too many succeeded pods running after completion count reached',
          );
        }
        emit(ctx, JOB_COMPONENT, job, 'Normal', 'Completed', 'Job completed');
      }
    } else {
      queue.addAfter(key, 1000);
    }
  } else {
    active = manageJob(ctx, job, queue, key, tally, active, {
      indexed,
      completions,
      parallelism,
      suspended,
      succeeded,
      now,
    });
    if (deadline !== undefined && started !== undefined && !suspended)
      queue.addAfter(key, started + deadline * 1000 - now);
  }

  const ready = active.filter(isPodReady).length;
  const next: JsonObject = {};
  if (conds.length > 0) next['conditions'] = conditionsJson(conds);
  if (startTime !== undefined) next['startTime'] = startTime;
  const completionTime = status['completionTime'] ?? st['completionTime'];
  if (completionTime !== undefined) next['completionTime'] = completionTime;
  Object.assign(next, omitEmpty({ active: active.length, succeeded, failed }));
  next['terminating'] = terminating;
  if (indexed && tally.succeededIndexes.size > 0)
    next['completedIndexes'] = formatIndexes(tally.succeededIndexes);
  next['uncountedTerminatedPods'] = {};
  next['ready'] = ready;
  mutateObject(
    ctx.store,
    ctx.res.jobs,
    namespace,
    name,
    (o) => {
      if (uidOf(o) !== uidOf(job)) return false;
      const merged = mergeStatus(statusOf(o), STATUS_FIELDS, next);
      if (merged === undefined) return false;
      o['status'] = merged;
      return true;
    },
    { subresource: 'status' },
  );
}

interface Want {
  indexed: boolean;
  completions: number | undefined;
  parallelism: number;
  suspended: boolean;
  succeeded: number;
  now: number;
}

/** manageJob: as many active pods as parallelism and remaining completions allow, after any back-off. */
function manageJob(
  ctx: ControllerContext,
  job: KObject,
  queue: WorkQueue,
  key: string,
  tally: Tally,
  active: KObject[],
  w: Want,
): KObject[] {
  let wanted: number;
  if (w.suspended) wanted = 0;
  else if (w.completions === undefined) wanted = w.succeeded > 0 ? 0 : w.parallelism;
  else if (w.indexed) wanted = Math.min(w.parallelism, w.completions - tally.succeededIndexes.size);
  else wanted = Math.min(w.parallelism, Math.max(0, w.completions - w.succeeded));
  if (active.length > wanted) {
    // Newest and not-ready pods go first, as controller.ActivePods orders them.
    const victims = [...active]
      .sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || creationMs(b) - creationMs(a))
      .slice(0, active.length - wanted);
    for (const pod of victims) deleteJobPod(ctx, job, pod, tally);
    return active.filter((p) => !victims.includes(p));
  }
  if (active.length === wanted) return active;
  if (tally.failuresSinceSuccess > 0) {
    const backoff = Math.min(BACKOFF_BASE_MS * 2 ** (tally.failuresSinceSuccess - 1), BACKOFF_MAX_MS);
    const remaining = tally.lastFailure + backoff - w.now;
    if (remaining > 0) {
      queue.addAfter(key, remaining);
      return active;
    }
  }
  const template = rec(specOf(job)['template']);
  const ref = newControllerRef(job);
  const busy = new Set(active.map(indexOf).filter((i): i is number => i !== undefined));
  const out = [...active];
  for (let i = 0, idx = 0; i < wanted - active.length; i++) {
    let pod: KObject;
    if (w.indexed) {
      while (busy.has(idx) || tally.succeededIndexes.has(idx)) idx++;
      if (idx >= (w.completions ?? 1)) break;
      const t = clone(template);
      const meta = rec(t['metadata']);
      meta['annotations'] = { ...rec(meta['annotations']), [INDEX_KEY]: String(idx) };
      meta['labels'] = { ...rec(meta['labels']), [INDEX_KEY]: String(idx) };
      t['metadata'] = meta;
      t['spec'] = { ...rec(t['spec']), hostname: `${nameOf(job)}-${idx}` };
      pod = podFromTemplate(t, ref, `${nameOf(job)}-${idx}-`);
      busy.add(idx);
    } else {
      pod = podFromTemplate(template, ref, `${nameOf(job)}-`);
    }
    out.push(createPod(ctx, JOB_COMPONENT, job, pod));
  }
  return out;
}

function deleteJobPod(ctx: ControllerContext, job: KObject, pod: KObject, tally: Tally): void {
  tally.deletedByUs.add(uidOf(pod));
  deletePod(ctx, JOB_COMPONENT, job, pod);
}

function jobCondition(type: string, status: string, reason: string, message: string, now: string): Condition {
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/** Job conditions keep their transition time while the status holds, and are appended in order. */
function setJobCondition(conds: Condition[], c: Condition): Condition[] {
  const current = findCondition(conds, c.type);
  if (current === undefined) return [...conds, c];
  if (current.status === c.status && current.reason === c.reason && current.message === c.message)
    return conds;
  const next = { ...c };
  if (current.status === c.status && current.lastTransitionTime !== undefined)
    next.lastTransitionTime = current.lastTransitionTime;
  return conds.map((x) => (x.type === c.type ? next : x));
}
