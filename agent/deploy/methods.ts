import { type PlanEvent, describePlanEvent } from '../../protocol';
import { migrateForDeploy } from '../migrate/deploy-step';
import { projectInfo, loadProject } from '../project/config';
import type { MethodHandlers, RequestContext } from '../server/session';
import { rollbackHelmRelease, helmHistory } from './helm-release';
import { restartWorkload, rollbackWorkload, scaleWorkload } from './operations';
import { PlanRecorder, outcomeFor } from './recorder';
import { listRevisions, rollbackPreview } from './revisions';
import { previewDeploy, runDeploy } from './plan';
import { type PlanEnv, checkGuards, clientFor, guardInfo, rememberWorkspace } from './target';
import { AgentFailure, agentError } from '../../protocol';

type DeployMethods = Pick<
  Required<MethodHandlers>,
  | 'project.read'
  | 'guard.info'
  | 'deploy.preview'
  | 'deploy.run'
  | 'workload.history'
  | 'workload.rollbackPreview'
  | 'workload.rollback'
  | 'workload.restart'
  | 'workload.scale'
  | 'helm.history'
  | 'helm.rollback'
>;

function emitter(ctx: RequestContext): (e: PlanEvent) => void {
  return (e) => ctx.progress(describePlanEvent(e), undefined, e);
}

/** The agent's deploy, rollback and workload methods; the CLI runs the same functions in-process. */
export function deployMethods(env: PlanEnv): DeployMethods {
  return {
    'project.read': ({ workspace }) => {
      const p = loadProject(workspace);
      env.guards.remember(p);
      return Promise.resolve(projectInfo(p));
    },
    'guard.info': (t) => {
      rememberWorkspace(env, t.workspace);
      return Promise.resolve(guardInfo(env, t.context, t.namespace));
    },
    'deploy.preview': (params, ctx) => previewDeploy(params, env, ctx.signal),
    'deploy.run': (params, ctx) =>
      runDeploy(params, env, { signal: ctx.signal, emit: emitter(ctx), migrate: migrateForDeploy }),
    'workload.history': async ({ context, namespace, workload }, ctx) => {
      const { revisions } = await listRevisions(clientFor(env, context), namespace, workload, ctx.signal);
      return { revisions: revisions.map((r) => r.info) };
    },
    'workload.rollbackPreview': ({ context, namespace, workload, toRevision }, ctx) =>
      rollbackPreview(clientFor(env, context), namespace, workload, toRevision, ctx.signal),
    'workload.rollback': (t, ctx) => rollbackWorkload(env, t, { signal: ctx.signal, emit: emitter(ctx) }),
    'workload.restart': (t, ctx) => restartWorkload(env, t, { signal: ctx.signal, emit: emitter(ctx) }),
    'workload.scale': (t, ctx) => scaleWorkload(env, t, { signal: ctx.signal, emit: emitter(ctx) }),
    'helm.history': async ({ context, namespace, release }, ctx) => ({
      revisions: await helmHistory(clientFor(env, context), namespace, release, ctx.signal),
    }),
    'helm.rollback': (t, ctx) => runHelmRollback(env, t, { signal: ctx.signal, emit: emitter(ctx) }),
  };
}

export async function runHelmRollback(
  env: PlanEnv,
  t: import('../../protocol').WriteTarget & { release: string; toRevision?: number },
  opts: { signal: AbortSignal; emit: (e: PlanEvent) => void },
): Promise<import('../../protocol').PlanResult> {
  const rec = new PlanRecorder(opts.emit, t.context, t.namespace);
  try {
    rememberWorkspace(env, t.workspace);
    checkGuards(env, t.context, [t.namespace], t.confirm, `roll back Helm release ${t.release}`);
    const client = clientFor(env, t.context);
    const r = await rec.step(
      'rollback',
      `Rolling back Helm release ${t.release}`,
      async () =>
        rollbackHelmRelease(client, {
          namespace: t.namespace,
          release: t.release,
          ...(t.toRevision === undefined ? {} : { toRevision: t.toRevision }),
          signal: opts.signal,
          onEvent: (e: PlanEvent) => rec.emit(e),
        }),
      (x) =>
        `Release ${x.release} rolled back from revision ${x.fromRevision} to ${x.toRevision} (new revision ${x.newRevision})`,
    );
    rec.applied.push(...r.applied);
    return rec.result(
      'succeeded',
      `Rolled Helm release ${r.release} back to revision ${r.toRevision}; Helm now records it as revision ${r.newRevision}.`,
    );
  } catch (e) {
    const error =
      e instanceof AgentFailure
        ? e.error
        : agentError('INTERNAL', e instanceof Error ? e.message : String(e));
    return rec.result(outcomeFor(error, rec.written), error.message, error);
  }
}
