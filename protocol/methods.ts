import {
  type Check,
  CheckError,
  array,
  bool,
  either,
  int,
  object,
  oneOf,
  optional,
  record,
  str,
} from './check';
import type {
  DeployParams,
  DeployPreview,
  DeploySource,
  GuardInfo,
  PlanResult,
  ProjectInfo,
  RevisionInfo,
  RollbackPreview,
  WorkloadRef,
  WriteTarget,
} from './deploy';
import type { MigrationRunResult, MigrationStatus } from './migrations';
import type { ClusterStatus, HelmRevision, KubeconfigState } from './models';
import type {
  DescribeParams,
  DescribeResult,
  EventInfo,
  ForwardInfo,
  ForwardSpec,
  LogCursor,
  LogFollowParams,
  MetricsParams,
  TopRow,
} from './observe';

export interface AgentInfo {
  version: string;
  protocol: number;
  pid: number;
  startedAt: string;
  rssBytes: number;
  clients: number;
}

/** Every request the agent answers, with its parameters and result. */
export interface Methods {
  'agent.info': { params: Record<string, never>; result: AgentInfo };
  'agent.shutdown': { params: Record<string, never>; result: Record<string, never> };
  'kubeconfig.read': { params: Record<string, never>; result: KubeconfigState };
  'cluster.status': { params: { context: string }; result: ClusterStatus };
  /** The workspace's slipway.yaml, parsed and validated. */
  'project.read': { params: { workspace: string }; result: ProjectInfo };
  /** How the agent's guards treat a write to this target. */
  'guard.info': { params: WriteTarget; result: GuardInfo };
  /** Renders and dry-runs a deploy: the diffs and preflight findings, nothing written. */
  'deploy.preview': { params: DeployParams; result: DeployPreview };
  /** Runs a deploy plan; streams PlanEvents as progress; cancellable. */
  'deploy.run': { params: DeployParams; result: PlanResult };
  'workload.history': {
    params: { context: string; namespace: string; workload: WorkloadRef };
    result: { revisions: RevisionInfo[] };
  };
  'workload.rollbackPreview': {
    params: { context: string; namespace: string; workload: WorkloadRef; toRevision?: number };
    result: RollbackPreview;
  };
  'workload.rollback': {
    params: WriteTarget & { workload: WorkloadRef; toRevision?: number };
    result: PlanResult;
  };
  'workload.restart': { params: WriteTarget & { workload: WorkloadRef }; result: PlanResult };
  'workload.scale': { params: WriteTarget & { workload: WorkloadRef; replicas: number }; result: PlanResult };
  'helm.history': {
    params: { context: string; namespace: string; release: string };
    result: { revisions: HelmRevision[] };
  };
  'helm.rollback': { params: WriteTarget & { release: string; toRevision?: number }; result: PlanResult };
  /** Streams LogChunks until cancelled (follow) or until every log is read; the result counts lines. */
  'logs.follow': { params: LogFollowParams; result: { lines: number } };
  /** Streams MetricsChunks until cancelled; panels on the same target share one collector. */
  'metrics.watch': { params: MetricsParams; result: Record<string, never> };
  /** CPU and memory per pod from metrics.k8s.io, like `kubectl top pods`. */
  'top.pods': { params: { context: string; namespace?: string }; result: { rows: TopRow[] } };
  /** Starts a port-forward the agent keeps (it outlives the window that asked for it). */
  'forward.start': { params: ForwardSpec; result: ForwardInfo };
  /** Stops one forward, or every forward when no id is given. */
  'forward.stop': { params: { id?: string }; result: { stopped: number } };
  'forward.list': { params: Record<string, never>; result: { forwards: ForwardInfo[] } };
  'object.describe': { params: DescribeParams; result: DescribeResult };
  /** Events of a namespace, or of the named objects only, newest last. */
  'events.list': {
    params: { context: string; namespace: string; objects?: { kind: string; name: string }[] };
    result: { events: EventInfo[] };
  };
  /** A service's migration set (slipway.yaml) against an environment's database: status, nothing changes. */
  'migrate.status': { params: MigrateTarget; result: MigrationStatus };
  /** Applies pending migrations (or plans them with dryRun); streams progress; a failure is in the result. */
  'migrate.up': { params: MigrateTarget & { dryRun?: boolean }; result: MigrationRunResult };
  /** Reverts the newest `count` (default 1) applied migrations. */
  'migrate.down': { params: MigrateTarget & { count?: number }; result: MigrationRunResult };
  /** Records an applied migration's edited file as intended, audited. */
  'migrate.acceptEdit': {
    params: MigrateTarget & { version: string; note?: string };
    result: MigrationStatus;
  };
}

/** Which migration set against which database: a service of the workspace's slipway.yaml, in an environment. */
export interface MigrateTarget {
  workspace: string;
  env: string;
  service: string;
  /** The context name typed as confirmation, for a write to a protected environment. */
  confirm?: string;
}

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M]['params'];
export type Result<M extends MethodName> = Methods[M]['result'];

const none = object<Record<string, never>>({});

const workloadRef: Check<WorkloadRef> = object({
  kind: oneOf(['Deployment', 'StatefulSet', 'DaemonSet'] as const),
  name: str,
});

const stringMap: Check<Record<string, string>> = (v, p = 'value') => {
  const r = record(v, p);
  for (const [k, x] of Object.entries(r)) str(x, `${p}.${k}`);
  return r as Record<string, string>;
};

const deploySource: Check<DeploySource> = (v, p = 'value') => {
  const kind = record(v, p)['kind'];
  switch (kind) {
    case 'project':
      return object<Extract<DeploySource, { kind: 'project' }>>({
        kind: oneOf(['project'] as const),
        workspace: str,
        env: str,
        service: optional(str),
        image: optional(str),
      })(v, p);
    case 'path':
      return object({ kind: oneOf(['path'] as const), path: str })(v, p);
    case 'image':
      return object({ kind: oneOf(['image'] as const), workload: workloadRef, images: stringMap })(v, p);
    default:
      throw new CheckError(`${p}.kind must be one of project, path, image`);
  }
};

const deployParams: Check<DeployParams> = object<DeployParams>({
  source: deploySource,
  context: optional(str),
  namespace: optional(str),
  confirm: optional(str),
  autoRollback: optional(bool),
  timeoutSeconds: optional(int),
});

const target: { [K in keyof WriteTarget]-?: Check<WriteTarget[K]> } = {
  context: str,
  namespace: str,
  workspace: optional(str),
  confirm: optional(str),
};

const migrateTarget = { workspace: str, env: str, service: str, confirm: optional(str) };

const logCursor: Check<LogCursor> = object<LogCursor>({ pod: str, container: str, ts: str, n: int });

const forwardSpec: Check<ForwardSpec> = object<ForwardSpec>({
  context: str,
  namespace: str,
  target: object<ForwardSpec['target']>({
    kind: oneOf(['pod', 'service', 'workload'] as const),
    name: str,
    workloadKind: optional(oneOf(['Deployment', 'StatefulSet', 'DaemonSet'] as const)),
  }),
  port: either(int, str, 'a port number or name'),
  localPort: optional(int),
  name: optional(str),
});

export const METHOD_PARAMS: { [M in MethodName]: Check<Params<M>> } = {
  'agent.info': none,
  'agent.shutdown': none,
  'kubeconfig.read': none,
  'cluster.status': object({ context: str }),
  'project.read': object({ workspace: str }),
  'guard.info': object<WriteTarget>(target),
  'deploy.preview': deployParams,
  'deploy.run': deployParams,
  'workload.history': object({ context: str, namespace: str, workload: workloadRef }),
  'workload.rollbackPreview': object<Params<'workload.rollbackPreview'>>({
    context: str,
    namespace: str,
    workload: workloadRef,
    toRevision: optional(int),
  }),
  'workload.rollback': object<Params<'workload.rollback'>>({
    ...target,
    workload: workloadRef,
    toRevision: optional(int),
  }),
  'workload.restart': object<Params<'workload.restart'>>({ ...target, workload: workloadRef }),
  'workload.scale': object<Params<'workload.scale'>>({ ...target, workload: workloadRef, replicas: int }),
  'helm.history': object({ context: str, namespace: str, release: str }),
  'helm.rollback': object<Params<'helm.rollback'>>({ ...target, release: str, toRevision: optional(int) }),
  'logs.follow': object<LogFollowParams>({
    context: str,
    namespace: str,
    workload: optional(workloadRef),
    pods: optional(array(str)),
    containers: optional(array(str)),
    follow: bool,
    previous: optional(bool),
    sinceSeconds: optional(int),
    tailLines: optional(int),
    resume: optional(array(logCursor)),
  }),
  'metrics.watch': object<MetricsParams>({
    context: str,
    namespace: str,
    workload: workloadRef,
    intervalSeconds: optional(int),
    prometheusUrl: optional(str),
  }),
  'top.pods': object<Params<'top.pods'>>({ context: str, namespace: optional(str) }),
  'forward.start': forwardSpec,
  'forward.stop': object<Params<'forward.stop'>>({ id: optional(str) }),
  'forward.list': none,
  'object.describe': object<DescribeParams>({
    context: str,
    namespace: optional(str),
    apiVersion: optional(str),
    kind: str,
    name: str,
  }),
  'events.list': object<Params<'events.list'>>({
    context: str,
    namespace: str,
    objects: optional(array(object<{ kind: string; name: string }>({ kind: str, name: str }))),
  }),
  'migrate.status': object<MigrateTarget>(migrateTarget),
  'migrate.up': object<Params<'migrate.up'>>({ ...migrateTarget, dryRun: optional(bool) }),
  'migrate.down': object<Params<'migrate.down'>>({ ...migrateTarget, count: optional(int) }),
  'migrate.acceptEdit': object<Params<'migrate.acceptEdit'>>({
    ...migrateTarget,
    version: str,
    note: optional(str),
  }),
};

export function isMethodName(v: unknown): v is MethodName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(METHOD_PARAMS, v);
}
