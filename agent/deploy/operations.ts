import {
  AgentFailure,
  agentError,
  type AgentError,
  type PlanEvent,
  type PlanResult,
  type WorkloadRef,
  type WriteTarget,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { KubeObject } from '../kube/objects';
import { provenance, provenanceAnnotations } from './provenance';
import { PlanRecorder, outcomeFor } from './recorder';
import { applyRevision, getWorkload, listRevisions, pickTarget } from './revisions';
import { watchRollout } from './rollout-watch';
import { type PlanEnv, checkGuards, clientFor, rememberWorkspace } from './target';

export interface OperationOptions {
  signal: AbortSignal;
  emit: (e: PlanEvent) => void;
  /** How long to follow the rollout a change starts (default 5 minutes). */
  timeoutSeconds?: number;
}

function errorOf(e: unknown): AgentError {
  return e instanceof AgentFailure
    ? e.error
    : agentError(
        'INTERNAL',
        `The operation failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`,
      );
}

function label(w: WorkloadRef): string {
  return `${w.kind.toLowerCase()}/${w.name}`;
}

/**
 * A single change to one workload — rollback, restart, scale — with the same guard, progress events and
 * rollout watch as a deploy; the change is the step `apply`.
 */
async function operate(
  env: PlanEnv,
  t: WriteTarget,
  what: string,
  workload: WorkloadRef,
  opts: OperationOptions,
  change: (client: KubeClient, rec: PlanRecorder) => Promise<{ message: string; watch: boolean }>,
): Promise<PlanResult> {
  const rec = new PlanRecorder(opts.emit, t.context, t.namespace);
  try {
    rememberWorkspace(env, t.workspace);
    checkGuards(env, t.context, [t.namespace], t.confirm, what);
    const client = clientFor(env, t.context);
    const since = Date.now();
    const done = await rec.step(
      'apply',
      `${what[0]?.toUpperCase() ?? ''}${what.slice(1)}`,
      async () => {
        const r = await change(client, rec);
        rec.written = true;
        return r;
      },
      (r) => r.message,
    );
    if (done.watch) {
      const watched = await rec
        .step(
          'rollout',
          `Watching the rollout of ${label(workload)}`,
          async () => {
            const w = await watchRollout({
              client,
              namespace: t.namespace,
              workloads: [workload],
              since,
              timeoutMs: (opts.timeoutSeconds ?? 300) * 1000,
              signal: opts.signal,
              emit: (e) => rec.emit(e),
            });
            if (!w.ok)
              throw new AgentFailure(
                agentError('UNAVAILABLE', `The rollout failed: ${w.reason ?? 'unknown'}.`),
              );
            return w;
          },
          () => 'Rollout complete',
        )
        .catch((e: unknown) => ({ failed: errorOf(e) }));
      if ('failed' in watched) return rec.result('failed', watched.failed.message, watched.failed);
    }
    const { revisions } = await listRevisions(client, t.namespace, workload).catch(() => ({ revisions: [] }));
    const current = revisions.find((r) => r.info.current);
    if (current !== undefined) rec.revisions.push({ workload, revision: current.info.revision });
    return rec.result(
      'succeeded',
      `${done.message}${current === undefined ? '' : ` (now revision ${current.info.revision})`}.`,
    );
  } catch (e) {
    const error = errorOf(e);
    return rec.result(outcomeFor(error, rec.written), error.message, error);
  }
}

export function rollbackWorkload(
  env: PlanEnv,
  t: WriteTarget & { workload: WorkloadRef; toRevision?: number },
  opts: OperationOptions,
): Promise<PlanResult> {
  return operate(env, t, `roll back ${label(t.workload)}`, t.workload, opts, async (client) => {
    const { workload, revisions } = await listRevisions(client, t.namespace, t.workload, opts.signal);
    const { current, target } = pickTarget(revisions, t.workload, t.toRevision);
    if (target.info.current || current.info.revision === target.info.revision) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `${label(t.workload)} already runs revision ${target.info.revision}; nothing to roll back.`,
        ),
      );
    }
    const cause = `slipway rollback to revision ${target.info.revision}${target.info.changeCause === undefined ? '' : ` (${target.info.changeCause})`}`;
    await applyRevision(
      client,
      t.namespace,
      t.workload,
      workload,
      target,
      provenanceAnnotations(provenance(`rollback to revision ${target.info.revision}`, t.workspace, cause)),
      opts.signal,
    );
    return {
      message: `Rolled ${label(t.workload)} back from revision ${current.info.revision} to revision ${target.info.revision}`,
      watch: true,
    };
  });
}

export function restartWorkload(
  env: PlanEnv,
  t: WriteTarget & { workload: WorkloadRef },
  opts: OperationOptions,
): Promise<PlanResult> {
  return operate(env, t, `restart ${label(t.workload)}`, t.workload, opts, async (client) => {
    await getWorkload(client, t.namespace, t.workload, opts.signal);
    const now = new Date().toISOString();
    // The same annotation `kubectl rollout restart` sets: a template change, so a fresh rollout.
    await client.patch(
      { apiVersion: 'apps/v1', kind: t.workload.kind, namespace: t.namespace, name: t.workload.name },
      {
        metadata: {
          annotations: provenanceAnnotations(provenance('restart', t.workspace, 'slipway restart')),
        },
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now } } } },
      },
      'strategic',
      { signal: opts.signal },
    );
    return { message: `Restarted ${label(t.workload)}`, watch: true };
  });
}

interface Hpa extends KubeObject {
  spec?: { scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number };
}

export function scaleWorkload(
  env: PlanEnv,
  t: WriteTarget & { workload: WorkloadRef; replicas: number },
  opts: OperationOptions,
): Promise<PlanResult> {
  return operate(
    env,
    t,
    `scale ${label(t.workload)} to ${t.replicas}`,
    t.workload,
    opts,
    async (client, rec) => {
      if (t.workload.kind === 'DaemonSet') {
        throw new AgentFailure(
          agentError('INVALID', 'A DaemonSet runs one pod per node and cannot be scaled.'),
        );
      }
      if (!Number.isInteger(t.replicas) || t.replicas < 0) {
        throw new AgentFailure(
          agentError('INVALID', `Replicas must be a whole number of 0 or more, not ${t.replicas}.`),
        );
      }
      await getWorkload(client, t.namespace, t.workload, opts.signal);
      const hpas = await client
        .list<Hpa>('autoscaling/v2', 'HorizontalPodAutoscaler', t.namespace)
        .catch(() => []);
      const hpa = hpas.find(
        (h) =>
          h.spec?.scaleTargetRef?.kind === t.workload.kind && h.spec.scaleTargetRef.name === t.workload.name,
      );
      if (hpa !== undefined) {
        rec.note(
          `HorizontalPodAutoscaler ${hpa.metadata.name} manages ${label(t.workload)} (${hpa.spec?.minReplicas ?? 1}–${hpa.spec?.maxReplicas ?? '?'} replicas) and may change the count again.`,
          'warning',
        );
      }
      await client.patch(
        { apiVersion: 'apps/v1', kind: t.workload.kind, namespace: t.namespace, name: t.workload.name },
        { spec: { replicas: t.replicas } },
        'merge',
        { subresource: 'scale', signal: opts.signal },
      );
      return {
        message: `Scaled ${label(t.workload)} to ${t.replicas} replica${t.replicas === 1 ? '' : 's'}`,
        watch: true,
      };
    },
  );
}
