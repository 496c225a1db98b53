/** Printers for the controllers that run pods: apps, batch and the core ReplicationController. */
import type { KObject } from '../types';
import { AGE, CONTAINERS, IMAGES, NAME, column, nameOf, wide, type Cell, type Printer } from './columns';
import { DOC } from './docs';
import {
  boolPtr,
  conditionTrue,
  containerCells,
  formatLabels,
  formatLabelSelector,
  humanDuration,
  parseTime,
  selectorString,
  since,
} from './format';
import { get, list, num, str, stringMap } from './json';

/**
 * spec.replicas of the replicated kinds. The internal types the real printers read hold a plain int32 that
 * defaulting sets to 1, so an absent field prints as the default, not as zero.
 */
function desiredReplicas(obj: KObject): number {
  return num(obj, 'spec', 'replicas') ?? 1;
}

function statusCount(obj: KObject, field: string): number {
  return num(obj, 'status', field) ?? 0;
}

function age(obj: KObject, now: number): string {
  return since(obj.metadata.creationTimestamp, now);
}

/** CONTAINERS, IMAGES and SELECTOR for kinds with a pod template and a label selector. */
function templateCells(obj: KObject, podSpecPath: readonly string[], selector: string): Cell[] {
  return [...containerCells(get(obj, ...podSpecPath)), selector];
}

const POD_SPEC = ['spec', 'template', 'spec'] as const;

export const DEPLOYMENT: Printer = {
  columns: [
    NAME,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', DOC['extensions/v1beta1.DeploymentStatus.updatedReplicas']),
    column('Available', 'string', DOC['extensions/v1beta1.DeploymentStatus.availableReplicas']),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', DOC['extensions/v1beta1.DeploymentSpec.selector']),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    `${statusCount(obj, 'readyReplicas')}/${desiredReplicas(obj)}`,
    statusCount(obj, 'updatedReplicas'),
    statusCount(obj, 'availableReplicas'),
    age(obj, now),
    // Unlike its siblings, the Deployment printer prints an empty selector as "" and a bad one as "<invalid>".
    ...templateCells(obj, POD_SPEC, selectorString(get(obj, 'spec', 'selector')) ?? '<invalid>'),
  ],
};

function replicaColumns(docs: { desired: string; current: string; ready: string; selector: string }) {
  return [
    NAME,
    column('Desired', 'integer', docs.desired),
    column('Current', 'integer', docs.current),
    column('Ready', 'integer', docs.ready),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', docs.selector),
  ];
}

function replicaCells(obj: KObject, now: number, selector: string): Cell[] {
  return [
    nameOf(obj),
    desiredReplicas(obj),
    statusCount(obj, 'replicas'),
    statusCount(obj, 'readyReplicas'),
    age(obj, now),
    ...templateCells(obj, POD_SPEC, selector),
  ];
}

export const REPLICA_SET: Printer = {
  columns: replicaColumns({
    desired: DOC['extensions/v1beta1.ReplicaSetSpec.replicas'],
    current: DOC['extensions/v1beta1.ReplicaSetStatus.replicas'],
    ready: DOC['extensions/v1beta1.ReplicaSetStatus.readyReplicas'],
    selector: DOC['extensions/v1beta1.ReplicaSetSpec.selector'],
  }),
  cells: (obj, now) => replicaCells(obj, now, formatLabelSelector(get(obj, 'spec', 'selector'))),
};

/** ReplicationControllers select with a plain label map rather than a LabelSelector. */
export const REPLICATION_CONTROLLER: Printer = {
  columns: replicaColumns({
    desired: DOC['core/v1.ReplicationControllerSpec.replicas'],
    current: DOC['core/v1.ReplicationControllerStatus.replicas'],
    ready: DOC['core/v1.ReplicationControllerStatus.readyReplicas'],
    selector: DOC['core/v1.ReplicationControllerSpec.selector'],
  }),
  cells: (obj, now) => replicaCells(obj, now, formatLabels(stringMap(obj, 'spec', 'selector'))),
};

export const STATEFUL_SET: Printer = {
  columns: [NAME, column('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells: (obj, now) => [
    nameOf(obj),
    `${statusCount(obj, 'readyReplicas')}/${desiredReplicas(obj)}`,
    age(obj, now),
    ...containerCells(get(obj, ...POD_SPEC)),
  ],
};

export const DAEMON_SET: Printer = {
  columns: [
    NAME,
    column('Desired', 'integer', DOC['extensions/v1beta1.DaemonSetStatus.desiredNumberScheduled']),
    column('Current', 'integer', DOC['extensions/v1beta1.DaemonSetStatus.currentNumberScheduled']),
    column('Ready', 'integer', DOC['extensions/v1beta1.DaemonSetStatus.numberReady']),
    column('Up-to-date', 'integer', DOC['extensions/v1beta1.DaemonSetStatus.updatedNumberScheduled']),
    column('Available', 'integer', DOC['extensions/v1beta1.DaemonSetStatus.numberAvailable']),
    column('Node Selector', 'string', DOC['core/v1.PodSpec.nodeSelector']),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', DOC['extensions/v1beta1.DaemonSetSpec.selector']),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    statusCount(obj, 'desiredNumberScheduled'),
    statusCount(obj, 'currentNumberScheduled'),
    statusCount(obj, 'numberReady'),
    statusCount(obj, 'updatedNumberScheduled'),
    statusCount(obj, 'numberAvailable'),
    formatLabels(stringMap(obj, ...POD_SPEC, 'nodeSelector')),
    age(obj, now),
    ...templateCells(obj, POD_SPEC, formatLabelSelector(get(obj, 'spec', 'selector'))),
  ],
};

/** "succeeded/completions"; work-queue jobs (no completions) count against 1, noting wide parallelism. */
function jobCompletions(job: KObject): string {
  const succeeded = statusCount(job, 'succeeded');
  const completions = num(job, 'spec', 'completions');
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = num(job, 'spec', 'parallelism') ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Time from start to completion, or to now while running; blank before the job starts. */
function jobDuration(job: KObject, now: number): string {
  const start = parseTime(get(job, 'status', 'startTime'));
  if (start === undefined) return '';
  const end = parseTime(get(job, 'status', 'completionTime')) ?? now;
  return humanDuration(end - start);
}

/** The STATUS column, in the real printer's order of precedence. */
function jobStatus(job: KObject): string {
  const conditions = list(job, 'status', 'conditions');
  if (conditionTrue(conditions, 'Complete')) return 'Complete';
  if (conditionTrue(conditions, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp !== undefined) return 'Terminating';
  if (conditionTrue(conditions, 'Suspended')) return 'Suspended';
  if (conditionTrue(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const SELECTOR_FROM_JOB = wide('Selector', 'string', DOC['batch/v1.JobSpec.selector']);

export const JOB: Printer = {
  columns: [
    NAME,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', DOC['batch/v1.JobStatus.succeeded']),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR_FROM_JOB,
  ],
  cells: (obj, now) => [
    nameOf(obj),
    jobStatus(obj),
    jobCompletions(obj),
    jobDuration(obj, now),
    age(obj, now),
    ...templateCells(obj, POD_SPEC, formatLabelSelector(get(obj, 'spec', 'selector'))),
  ],
};

export const CRON_JOB: Printer = {
  columns: [
    NAME,
    column('Schedule', 'string', DOC['batch/v1beta1.CronJobSpec.schedule']),
    column('Timezone', 'string', DOC['batch/v1beta1.CronJobSpec.timeZone']),
    column('Suspend', 'boolean', DOC['batch/v1beta1.CronJobSpec.suspend']),
    column('Active', 'integer', DOC['batch/v1beta1.CronJobStatus.active']),
    column('Last Schedule', 'string', DOC['batch/v1beta1.CronJobStatus.lastScheduleTime']),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR_FROM_JOB,
  ],
  cells: (obj, now) => {
    const lastSchedule = get(obj, 'status', 'lastScheduleTime');
    const jobSpec = ['spec', 'jobTemplate', 'spec'] as const;
    return [
      nameOf(obj),
      str(obj, 'spec', 'schedule') ?? '',
      str(obj, 'spec', 'timeZone') ?? '<none>',
      // The column is typed boolean, yet the real printer fills it with the text "True"/"False".
      boolPtr(get(obj, 'spec', 'suspend')),
      list(obj, 'status', 'active').length,
      lastSchedule === undefined || lastSchedule === null ? '<none>' : since(lastSchedule, now),
      age(obj, now),
      ...templateCells(
        obj,
        [...jobSpec, 'template', 'spec'],
        formatLabelSelector(get(obj, ...jobSpec, 'selector')),
      ),
    ];
  },
};

export const POD_DISRUPTION_BUDGET: Printer = {
  columns: [
    NAME,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells: (obj, now) => [
    nameOf(obj),
    intOrNA(get(obj, 'spec', 'minAvailable')),
    intOrNA(get(obj, 'spec', 'maxUnavailable')),
    statusCount(obj, 'disruptionsAllowed'),
    age(obj, now),
  ],
};

function intOrNA(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value : 'N/A';
}

/** "kind.group/name" of the controlling owner, lower-cased, as formatResourceName prints a GroupKind. */
function controllerName(obj: KObject): string {
  const owner = obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
  if (owner === undefined) return '<none>';
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0]! : '';
  if (group === '' && owner.kind === '') return owner.name;
  const groupKind = group === '' ? owner.kind : `${owner.kind}.${group}`;
  return `${groupKind.toLowerCase()}/${owner.name}`;
}

export const CONTROLLER_REVISION: Printer = {
  columns: [
    NAME,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', DOC['apps/v1beta1.ControllerRevision.revision']),
    AGE,
  ],
  cells: (obj, now) => [nameOf(obj), controllerName(obj), num(obj, 'revision') ?? 0, age(obj, now)],
};
