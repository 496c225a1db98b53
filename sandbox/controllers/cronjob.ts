import { rfc3339 } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { type Controller, type ControllerContext, emit, startLoop } from './controller';
import { parseSchedule, type Schedule } from './cron';
import {
  conditionsOf,
  controllerRef,
  creationMs,
  isDeleting,
  keyOf,
  mergeStatus,
  nameOf,
  namespaceOf,
  newControllerRef,
  num,
  rec,
  records,
  specOf,
  splitKey,
  statusOf,
  str,
  strMap,
  time,
  uidOf,
} from './objects';
import { deleteQuietly, isAlreadyExists, mutateObject } from './writes';

export const CRONJOB_COMPONENT = 'cronjob-controller';
const SCHEDULED_AT = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Upstream gives up counting missed schedules past this many and just starts the latest. */
const MAX_MISSED = 100;

function finishedType(job: KObject): 'Complete' | 'Failed' | undefined {
  const c = conditionsOf(statusOf(job)['conditions']).find(
    (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
  );
  return c === undefined ? undefined : (c.type as 'Complete' | 'Failed');
}

function jobRef(job: KObject): JsonObject {
  return {
    kind: 'Job',
    namespace: namespaceOf(job),
    name: nameOf(job),
    uid: uidOf(job),
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion ?? '',
  };
}

/**
 * The CronJob controller, after cronjob_controllerv2: at each schedule time it creates a Job named
 * `<cronjob>-<minutes since the epoch>` from the job template, honouring suspend, startingDeadlineSeconds
 * and concurrencyPolicy (Allow, Forbid, Replace); it tracks active jobs, records the last schedule and
 * success times, and trims finished jobs to the history limits.
 */
export function startCronJobController(ctx: ControllerContext): Controller {
  const loop = startLoop(ctx, {
    name: CRONJOB_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.cronJobs).map(keyOf),
    route: (ev, queue) => {
      if (ev.key === 'batch/cronjobs') queue.add(keyOf(ev.object));
      else if (ev.key === 'batch/jobs') {
        const ref = controllerRef(ev.object);
        if (ref?.kind === 'CronJob') queue.add(`${namespaceOf(ev.object)}/${ref.name}`);
      }
    },
    sync: (key) => {
      const wait = syncCronJob(ctx, key);
      if (wait !== undefined) loop.queue.addAfter(key, wait);
    },
  });
  return { stop: () => loop.stop() };
}

/** One pass; returns how long until the next schedule time, if there is one. */
function syncCronJob(ctx: ControllerContext, key: string): number | undefined {
  const { namespace, name } = splitKey(key);
  const live = ctx.store.get(ctx.res.cronJobs, namespace, name);
  if (live === undefined || isDeleting(live)) return undefined;
  const cj = clone(live);
  const spec = specOf(cj);
  const now = ctx.clock.now();
  const jobs = ctx.cache.list(ctx.res.jobs, namespace).filter((j) => controllerRef(j)?.uid === uidOf(cj));
  const st = statusOf(cj);
  let active = records(st['active']);
  let lastSuccessful = str(st['lastSuccessfulTime']);
  // Active references: drop jobs that finished or vanished, pick up running ones the list lacks.
  for (const job of jobs) {
    const finished = finishedType(job);
    const listed = active.some((r) => r['uid'] === uidOf(job));
    if (finished === undefined && !listed) active = [...active, jobRef(job)];
    if (finished !== undefined && listed) {
      active = active.filter((r) => r['uid'] !== uidOf(job));
      emit(
        ctx,
        CRONJOB_COMPONENT,
        cj,
        'Normal',
        'SawCompletedJob',
        `Saw completed job: ${nameOf(job)}, condition: ${finished}`,
      );
      const completion = str(statusOf(job)['completionTime']);
      if (
        finished === 'Complete' &&
        completion !== undefined &&
        (lastSuccessful === undefined || (time(completion) ?? 0) > (time(lastSuccessful) ?? 0))
      ) {
        lastSuccessful = completion;
      }
    }
  }
  active = active.filter((r) => jobs.some((j) => uidOf(j) === r['uid']));
  let lastSchedule = str(st['lastScheduleTime']);

  let schedule: Schedule | undefined;
  try {
    schedule = parseSchedule(str(spec['schedule']) ?? '', str(spec['timeZone']));
  } catch (e) {
    emit(
      ctx,
      CRONJOB_COMPONENT,
      cj,
      'Warning',
      'UnparseableSchedule',
      `unparseable schedule: "${str(spec['schedule']) ?? ''}" : ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  let wait: number | undefined;
  if (schedule !== undefined && spec['suspend'] !== true) {
    const since = time(lastSchedule) ?? creationMs(cj);
    let scheduled: number | undefined;
    let missed = 0;
    for (let t = schedule.next(since); t !== undefined && t <= now; t = schedule.next(t)) {
      scheduled = t;
      if (++missed > MAX_MISSED) break;
    }
    if (missed > MAX_MISSED) {
      emit(
        ctx,
        CRONJOB_COMPONENT,
        cj,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    }
    const deadline = num(spec['startingDeadlineSeconds']);
    if (scheduled !== undefined && deadline !== undefined && scheduled + deadline * 1000 < now) {
      emit(
        ctx,
        CRONJOB_COMPONENT,
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${rfc3339(scheduled)}`,
      );
      scheduled = undefined;
    }
    if (scheduled !== undefined) {
      const started = start(ctx, cj, scheduled, active, jobs);
      active = started.active;
      if (started.created) lastSchedule = rfc3339(scheduled);
    }
    const next = schedule.next(now);
    if (next !== undefined) wait = next - now;
  }
  cleanupFinished(ctx, cj, jobs);

  const desired: JsonObject = {};
  if (active.length > 0) desired['active'] = active;
  if (lastSchedule !== undefined) desired['lastScheduleTime'] = lastSchedule;
  if (lastSuccessful !== undefined) desired['lastSuccessfulTime'] = lastSuccessful;
  mutateObject(
    ctx.store,
    ctx.res.cronJobs,
    namespace,
    name,
    (next) => {
      const merged = mergeStatus(
        statusOf(next),
        ['active', 'lastScheduleTime', 'lastSuccessfulTime'],
        desired,
      );
      if (merged === undefined) return false;
      next['status'] = merged;
      return true;
    },
    { subresource: 'status' },
  );
  return wait;
}

function start(
  ctx: ControllerContext,
  cj: KObject,
  scheduled: number,
  active: JsonObject[],
  jobs: readonly KObject[],
): { active: JsonObject[]; created: boolean } {
  const spec = specOf(cj);
  const jobName = `${nameOf(cj)}-${Math.floor(scheduled / 60_000)}`;
  if (active.some((r) => r['name'] === jobName) || jobs.some((j) => nameOf(j) === jobName))
    return { active, created: false };
  const policy = str(spec['concurrencyPolicy']) ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    emit(
      ctx,
      CRONJOB_COMPONENT,
      cj,
      'Normal',
      'JobAlreadyActive',
      'Not starting job because prior execution is running and concurrency policy is Forbid',
    );
    return { active, created: false };
  }
  let remaining = active;
  if (policy === 'Replace') {
    for (const ref of active) {
      const refName = str(ref['name']) ?? '';
      if (
        deleteQuietly(ctx.store, ctx.res.jobs, namespaceOf(cj), refName, { propagationPolicy: 'Background' })
      ) {
        emit(ctx, CRONJOB_COMPONENT, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${refName}`);
      }
    }
    remaining = [];
  }
  const template = rec(spec['jobTemplate']);
  const meta = rec(template['metadata']);
  const job: KObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: namespaceOf(cj),
      labels: strMap(meta['labels']),
      annotations: { ...strMap(meta['annotations']), [SCHEDULED_AT]: rfc3339(scheduled) },
      ownerReferences: [newControllerRef(cj)],
    },
    spec: clone(rec(template['spec'])),
  };
  try {
    const created = ctx.store.create(ctx.res.jobs, job);
    emit(ctx, CRONJOB_COMPONENT, cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
    return { active: [...remaining, jobRef(created)], created: true };
  } catch (e) {
    if (isAlreadyExists(e)) return { active: remaining, created: false };
    emit(
      ctx,
      CRONJOB_COMPONENT,
      cj,
      'Warning',
      'FailedCreate',
      `Error creating job: ${e instanceof Error ? e.message : String(e)}`,
    );
    throw e;
  }
}

/** cleanupFinishedJobs: keep the newest successfulJobsHistoryLimit and failedJobsHistoryLimit finished jobs. */
function cleanupFinished(ctx: ControllerContext, cj: KObject, jobs: readonly KObject[]): void {
  const spec = specOf(cj);
  const startedAt = (j: KObject): number => time(statusOf(j)['startTime']) ?? creationMs(j);
  for (const [type, limit] of [
    ['Complete', num(spec['successfulJobsHistoryLimit']) ?? 3],
    ['Failed', num(spec['failedJobsHistoryLimit']) ?? 1],
  ] as const) {
    const finished = jobs
      .filter((j) => finishedType(j) === type && !isDeleting(j))
      .sort((a, b) => startedAt(a) - startedAt(b));
    for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
      if (
        deleteQuietly(ctx.store, ctx.res.jobs, namespaceOf(job), nameOf(job), {
          propagationPolicy: 'Background',
        })
      ) {
        emit(ctx, CRONJOB_COMPONENT, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${nameOf(job)}`);
      }
    }
  }
}
