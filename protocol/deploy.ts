/**
 * Deploy plans and the workload operations around them: what a client asks for, the events a running
 * plan streams, and the outcome it ends with. The UI and the CLI run the same plans through these types.
 */
import { type AgentError, assertNever } from './errors';
import type { WorkloadKind } from './models';

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
}

/**
 * Where a write goes and what vouches for it. `workspace` lets the agent load that folder's slipway.yaml
 * so its environment guards apply; `confirm` is the context name the user typed for a protected target.
 */
export interface WriteTarget {
  context: string;
  namespace: string;
  workspace?: string;
  confirm?: string;
}

/** What to deploy. */
export type DeploySource =
  /** A service (or every service) of an environment declared in slipway.yaml. */
  | { kind: 'project'; workspace: string; env: string; service?: string; image?: string }
  /** A manifest file, a directory of manifests, or a kustomize directory; no slipway.yaml needed. */
  | { kind: 'path'; path: string }
  /** New images for containers of a running workload, like `kubectl set image`. */
  | { kind: 'image'; workload: WorkloadRef; images: Record<string, string> };

export interface DeployParams {
  source: DeploySource;
  /** Required for `path` and `image` sources; a project deploy takes its environment's context. */
  context?: string;
  namespace?: string;
  /** The typed context name that confirms a deploy to a protected environment. */
  confirm?: string;
  /** Roll back automatically when the rollout or health checks fail (default true). */
  autoRollback?: boolean;
  /** Overrides the wait for a rollout (default: the workloads' progress deadlines, at most 10 minutes). */
  timeoutSeconds?: number;
}

export const PLAN_STEPS = [
  'render',
  'preflight',
  'migrate',
  'apply',
  'rollout',
  'health',
  'canary',
  'rollback',
] as const;
export type PlanStep = (typeof PLAN_STEPS)[number];
export type StepStatus = 'running' | 'ok' | 'failed' | 'skipped';

/** Why a pod is not coming up, with what the user needs to see to fix it. */
export interface PodProblem {
  pod: string;
  container?: string;
  reason: string;
  message: string;
  restarts: number;
  /** The pod's recent events, oldest first, as "Reason: message". */
  events: string[];
  /** The last lines the failing container wrote (its previous instance when it restarted). */
  logTail: string[];
}

/** One event of a running plan, streamed to the client as request progress. */
export type PlanEvent =
  | { type: 'step'; step: PlanStep; status: StepStatus; message: string; at: string }
  | {
      type: 'workload';
      workload: WorkloadRef;
      desired: number;
      updated: number;
      ready: number;
      available: number;
      message: string;
      at: string;
    }
  | { type: 'pod'; workload: WorkloadRef; problem: PodProblem; at: string }
  | { type: 'health'; check: string; ok: boolean; status?: number; message: string; at: string }
  | { type: 'canary'; stepIndex: number; weight: number; message: string; at: string }
  | { type: 'note'; level: 'info' | 'warning'; message: string; at: string };

export type PlanOutcome =
  /** Everything applied, rolled out and healthy. */
  | 'succeeded'
  /** The change failed and the previous state was restored. */
  | 'rolledBack'
  /** The change failed and was not (or could not be) undone. */
  | 'failed'
  /** A guard or preflight check stopped the plan before anything was written. */
  | 'blocked'
  /** The input could not be read: nothing was written. */
  | 'invalid';

export interface AppliedObject {
  kind: string;
  namespace?: string;
  name: string;
  action: 'created' | 'configured' | 'unchanged';
}

export interface PlanResult {
  outcome: PlanOutcome;
  /** One sentence: what happened, and for failures why. */
  summary: string;
  error?: AgentError;
  context: string;
  namespace: string;
  applied: AppliedObject[];
  /** The revision each workload ended on. */
  revisions: { workload: WorkloadRef; revision: number }[];
  problems: PodProblem[];
  steps: { step: PlanStep; status: StepStatus; message: string; ms: number }[];
  durationMs: number;
}

/** The change a deploy would make to one object: shown in VS Code's diff editor before protected writes. */
export interface ObjectDiff {
  kind: string;
  namespace?: string;
  name: string;
  action: 'create' | 'update' | 'unchanged';
  /** YAML of the live object without status and server-managed metadata; '' when it does not exist. */
  live: string;
  /** YAML of the object after a server-side dry-run apply, in the same form. Secret values are masked. */
  desired: string;
}

/** How the agent's guards treat a target. */
export interface GuardInfo {
  context: string;
  namespace: string;
  /** Writes need the context name typed as confirmation. */
  protected: boolean;
  /** Writes are refused. */
  readOnly: boolean;
  /** The slipway.yaml environment the target belongs to, if any. */
  environment?: string;
  /** Why the target is guarded, for the prompt ("environment production in slipway.yaml"). */
  reason?: string;
}

export interface DeployPreview {
  context: string;
  namespace: string;
  guard: GuardInfo;
  diffs: ObjectDiff[];
  /** Preflight findings that would block the deploy (RBAC, missing references, `latest` tags). */
  blockers: string[];
  warnings: string[];
}

export interface RevisionInfo {
  revision: number;
  images: string[];
  changeCause?: string;
  createdAt: string;
  current: boolean;
  /** Who deployed it, from Slipway's annotations, when Slipway did. */
  deployedBy?: string;
  gitSha?: string;
}

export interface RollbackPreview {
  workload: WorkloadRef;
  fromRevision: number;
  toRevision: number;
  /** Pod templates as YAML, current and target. */
  current: string;
  target: string;
}

/** Environments and services of one workspace's slipway.yaml, for pickers. */
export interface ProjectInfo {
  file: string;
  environments: {
    name: string;
    context: string;
    namespace: string;
    protected: boolean;
    readOnly: boolean;
  }[];
  services: {
    name: string;
    workload: WorkloadRef;
    imageRepository?: string;
    strategy: 'rolling' | 'canary';
    migrations: boolean;
  }[];
}

/** One line for a plan event, as the CLI prints it and the progress notification shows it. */
export function describePlanEvent(e: PlanEvent): string {
  switch (e.type) {
    case 'step':
      return `${e.step}: ${e.message}`;
    case 'workload':
      return `${e.workload.kind.toLowerCase()}/${e.workload.name}: ${e.updated}/${e.desired} updated, ${e.ready} ready, ${e.available} available — ${e.message}`;
    case 'pod':
      return `pod ${e.problem.pod}: ${e.problem.reason} — ${e.problem.message}`;
    case 'health':
      return `health ${e.ok ? 'ok' : 'FAILED'}: ${e.message}`;
    case 'canary':
      return `canary step ${e.stepIndex + 1} (${e.weight}%): ${e.message}`;
    case 'note':
      return e.message;
    default:
      return assertNever(e, 'plan event');
  }
}
