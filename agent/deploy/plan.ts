import { dirname, resolve } from 'node:path';
import {
  AgentFailure,
  agentError,
  type AgentError,
  type DeployParams,
  type DeployPreview,
  type PlanEvent,
  type PlanResult,
  type WorkloadRef,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { KubeObject } from '../kube/objects';
import { loadProject } from '../project/config';
import type { ProjectConfig, ServiceConfig } from '../project/types';
import { type DesiredObject, applyOrder, describe, isWorkload, objectId } from './desired';
import { type BoundHealthCheck, configuredChecks, probeChecks, runHealthChecks } from './health';
import { runCanary } from './canary';
import { type Finding, type PreflightResult, preflight } from './preflight';
import { type Provenance, provenance, provenanceAnnotations } from './provenance';
import { PlanRecorder, outcomeFor } from './recorder';
import {
  defaultNamespaces,
  imageChange,
  readPath,
  renderService,
  resolveImage,
  serviceContainer,
  setServiceImage,
} from './render';
import { applyRevision, getWorkload, listRevisions } from './revisions';
import { watchRollout } from './rollout-watch';
import { type PlanEnv, checkGuards, clientFor, defaultContext, defaultNamespace, guardInfo } from './target';

/** A deploy resolved to concrete objects on one context. */
interface Resolved {
  context: string;
  namespace: string;
  objects: DesiredObject[];
  checks: BoundHealthCheck[];
  provenance: Provenance;
  /** Services with migrations to run first. */
  migrations: { service: ServiceConfig; project: ProjectConfig }[];
  /** Services shipped as canaries rather than rolled in place. */
  canaries: ServiceConfig[];
}

function fail(code: AgentError['code'], message: string): AgentFailure {
  return new AgentFailure(agentError(code, message));
}

function errorOf(e: unknown): AgentError {
  if (e instanceof AgentFailure) return e.error;
  return agentError(
    'INTERNAL',
    `The deploy failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`,
    undefined,
    e instanceof Error ? e.stack : undefined,
  );
}

function target(
  params: DeployParams,
  env: PlanEnv,
): { context: string; namespace: string; project?: ProjectConfig } {
  const s = params.source;
  if (s.kind === 'project') {
    const project = loadProject(s.workspace);
    env.guards.remember(project);
    const e = project.environments[s.env];
    if (e === undefined) {
      const names = Object.keys(project.environments).join(', ');
      throw fail(
        'INVALID',
        `slipway.yaml has no environment "${s.env}"; it has ${names || 'none'}. Pick one of those.`,
      );
    }
    return { context: params.context ?? e.context, namespace: params.namespace ?? e.namespace, project };
  }
  const context = params.context ?? defaultContext(env);
  return { context, namespace: params.namespace ?? defaultNamespace(env, context) };
}

function planLabel(params: DeployParams): string {
  const s = params.source;
  switch (s.kind) {
    case 'project':
      return `deploy env=${s.env}${s.service === undefined ? '' : ` service=${s.service}`}${s.image === undefined ? '' : ` image=${s.image}`}`;
    case 'path':
      return `deploy ${s.path}`;
    case 'image':
      return `set image ${s.workload.kind.toLowerCase()}/${s.workload.name} ${Object.entries(s.images)
        .map(([c, i]) => `${c}=${i}`)
        .join(' ')}`;
  }
}

async function resolveDeploy(
  params: DeployParams,
  client: KubeClient,
  t: { context: string; namespace: string; project?: ProjectConfig },
  signal: AbortSignal,
): Promise<Resolved> {
  const s = params.source;
  let objects: DesiredObject[] = [];
  const checks: BoundHealthCheck[] = [];
  const migrations: Resolved['migrations'] = [];
  const canaries: ServiceConfig[] = [];
  let folder: string | undefined;
  if (s.kind === 'project' && t.project !== undefined) {
    const project = t.project;
    folder = project.root;
    const all = Object.values(project.services);
    const services = s.service === undefined ? all : all.filter((x) => x.name === s.service);
    if (s.service !== undefined && services.length === 0) {
      throw fail(
        'INVALID',
        `slipway.yaml has no service "${s.service}"; it has ${all.map((x) => x.name).join(', ') || 'none'}.`,
      );
    }
    if (s.image !== undefined && services.length !== 1) {
      throw fail('INVALID', 'An image names one service: pass --service NAME with --image.');
    }
    for (const service of services) {
      const rendered = renderService(service, s.env);
      if (s.image !== undefined) {
        const image = resolveImage(service, s.image);
        if (!setServiceImage(rendered, service, image)) {
          const live = await getWorkload(client, t.namespace, service.workload, signal);
          const container = serviceContainer(service, live).name;
          rendered.push(
            await imageChange(client, t.namespace, service.workload, { [container]: image }, signal),
          );
        }
      } else if (rendered.length === 0) {
        throw fail(
          'INVALID',
          `Service ${service.name} has no manifests for environment ${s.env} in slipway.yaml; add them, or deploy an image with --image TAG.`,
        );
      }
      objects.push(...rendered);
      checks.push(...configuredChecks(service.workload, service.health));
      if (service.migrations !== undefined) migrations.push({ service, project });
      if (service.strategy.type === 'canary') canaries.push(service);
    }
  } else if (s.kind === 'path') {
    const path = resolve(s.path);
    folder = dirname(path);
    objects = readPath(path);
    if (objects.length === 0) throw fail('INVALID', `${s.path} holds no Kubernetes objects to deploy.`);
  } else if (s.kind === 'image') {
    objects = [await imageChange(client, t.namespace, s.workload, s.images, signal)];
  }
  await defaultNamespaces(client, objects, t.namespace);
  if (s.kind !== 'project') {
    // Without slipway.yaml, the workloads' own readiness probes say what healthy means.
    for (const d of objects) {
      if (!isWorkload(d.object)) continue;
      const ref: WorkloadRef = { kind: d.object.kind, name: d.object.metadata.name };
      const source =
        s.kind === 'image' ? await getWorkload(client, t.namespace, ref, signal) : (d.object as KubeObject);
      checks.push(...probeChecks(ref, source));
    }
  }
  return {
    context: t.context,
    namespace: t.namespace,
    objects: applyOrder(objects),
    checks,
    provenance: provenance(planLabel(params), folder),
    migrations,
    canaries,
  };
}

/** Stamps who/what/why on each workload (metadata only, so the stamp itself never rolls pods). */
function annotate(objects: DesiredObject[], p: Provenance): void {
  const a = provenanceAnnotations(p);
  for (const d of objects) {
    if (!isWorkload(d.object)) continue;
    d.object.metadata.annotations = { ...(d.object.metadata.annotations ?? {}), ...a };
  }
}

function findingsError(findings: Finding[]): AgentError {
  const invalid = findings.filter((f) => f.kind === 'invalid');
  const first = (invalid[0] ?? findings[0])?.message ?? 'Preflight failed.';
  const more =
    findings.length > 1 ? ` (and ${findings.length - 1} more finding${findings.length > 2 ? 's' : ''})` : '';
  return agentError(
    invalid.length > 0
      ? 'INVALID'
      : findings.some((f) => f.kind === 'forbidden')
        ? 'FORBIDDEN'
        : 'PREFLIGHT_FAILED',
    `${first}${more}. Nothing was applied.`,
    findings.map((f) => f.message).join('\n'),
  );
}

export interface RunOptions {
  signal: AbortSignal;
  emit: (e: PlanEvent) => void;
  /** Runs a service's migrations before apply; absent when this agent cannot run them. */
  migrate?: (
    project: ProjectConfig,
    service: ServiceConfig,
    target: { env: string; context: string; namespace: string },
    client: KubeClient,
    rec: PlanRecorder,
    signal: AbortSignal,
  ) => Promise<void>;
}

/** Renders and dry-runs a deploy without writing anything: what the diff editor shows before a protected deploy. */
export async function previewDeploy(
  params: DeployParams,
  env: PlanEnv,
  signal: AbortSignal,
): Promise<DeployPreview> {
  const t = target(params, env);
  const client = clientFor(env, t.context);
  const r = await resolveDeploy(params, client, t, signal);
  annotate(r.objects, r.provenance);
  const guard = guardInfo(env, t.context, t.namespace);
  const pre = await preflight(client, r.objects, { protectedTarget: guard.protected, signal });
  return {
    context: t.context,
    namespace: t.namespace,
    guard,
    diffs: pre.diffs,
    blockers: pre.blockers.map((b) => b.message),
    warnings: pre.warnings,
  };
}

/** The workloads' current revisions before the plan writes, for an automatic rollback. */
async function snapshotRevisions(
  client: KubeClient,
  namespace: string,
  workloads: WorkloadRef[],
  pre: PreflightResult,
  objects: DesiredObject[],
  signal: AbortSignal,
): Promise<Map<string, number | 'absent'>> {
  const out = new Map<string, number | 'absent'>();
  for (const w of workloads) {
    const d = objects.find((o) => o.object.kind === w.kind && o.object.metadata.name === w.name);
    const live = d === undefined ? undefined : pre.live.get(objectId(d.object));
    if (d !== undefined && live === undefined && pre.live.has(objectId(d.object))) {
      out.set(`${w.kind}/${w.name}`, 'absent');
      continue;
    }
    const { revisions } = await listRevisions(client, namespace, w, signal);
    const current = revisions.find((r) => r.info.current) ?? revisions[revisions.length - 1];
    if (current !== undefined) out.set(`${w.kind}/${w.name}`, current.info.revision);
  }
  return out;
}

/** Puts changed workloads back where they were: the recorded revision, or deleted when the plan created them. */
async function rollBack(
  client: KubeClient,
  namespace: string,
  workloads: WorkloadRef[],
  before: Map<string, number | 'absent'>,
  rec: PlanRecorder,
  reason: string,
): Promise<boolean> {
  rec.start('rollback', `Rolling back: ${reason}`);
  // A rollback must finish even when the deploy was cancelled, so it gets its own signal.
  const signal = new AbortController().signal;
  const restored: WorkloadRef[] = [];
  try {
    for (const w of workloads) {
      const was = before.get(`${w.kind}/${w.name}`);
      if (was === undefined) continue;
      if (was === 'absent') {
        await client.delete({ apiVersion: 'apps/v1', kind: w.kind, namespace, name: w.name });
        rec.note(`Deleted ${w.kind.toLowerCase()}/${w.name}, which this deploy had created.`);
        continue;
      }
      const { workload, revisions } = await listRevisions(client, namespace, w, signal);
      const target = revisions.find((r) => r.info.revision === was);
      if (target === undefined || target.info.current) continue;
      await applyRevision(
        client,
        namespace,
        w,
        workload,
        target,
        provenanceAnnotations(
          provenance(
            `rollback to revision ${was}`,
            undefined,
            `slipway automatic rollback to revision ${was}: ${reason}`,
          ),
        ),
        signal,
      );
      restored.push(w);
    }
    if (restored.length > 0) {
      const watched = await watchRollout({
        client,
        namespace,
        workloads: restored,
        since: Date.now(),
        timeoutMs: 180_000,
        signal,
        emit: (e) => rec.emit(e),
      });
      if (!watched.ok) {
        rec.end('rollback', 'failed', `The previous version did not come back: ${watched.reason ?? ''}`);
        return false;
      }
    }
    rec.end(
      'rollback',
      'ok',
      `Restored ${restored.map((w) => `${w.kind.toLowerCase()}/${w.name}`).join(', ') || 'the previous state'}.`,
    );
    return true;
  } catch (e) {
    rec.end('rollback', 'failed', `Rollback failed: ${errorOf(e).message}`);
    return false;
  }
}

async function recordRevisions(
  client: KubeClient,
  namespace: string,
  workloads: WorkloadRef[],
  rec: PlanRecorder,
): Promise<void> {
  for (const w of workloads) {
    try {
      const { revisions } = await listRevisions(client, namespace, w);
      const current = revisions.find((r) => r.info.current) ?? revisions[revisions.length - 1];
      if (current !== undefined) rec.revisions.push({ workload: w, revision: current.info.revision });
    } catch {
      // The revision number is a report detail; the deploy's outcome does not depend on it.
    }
  }
}

function rolloutTimeoutMs(params: DeployParams, objects: DesiredObject[]): number {
  if (params.timeoutSeconds !== undefined) return params.timeoutSeconds * 1000;
  let deadline = 0;
  for (const d of objects) {
    if (!isWorkload(d.object)) continue;
    const pds = (d.object as { spec?: { progressDeadlineSeconds?: number } }).spec?.progressDeadlineSeconds;
    deadline = Math.max(deadline, typeof pds === 'number' ? pds : 600);
  }
  // A little past the controller's own deadline, so its ProgressDeadlineExceeded is what reports a stall.
  return Math.min(deadline + 15, 900) * 1000;
}

/**
 * The deploy plan: render → preflight → migrations → server-side apply → rollout watch → health checks,
 * with an automatic rollback when the rollout or health fails. Each step is streamed as it happens.
 */
export async function runDeploy(params: DeployParams, env: PlanEnv, opts: RunOptions): Promise<PlanResult> {
  const rec = new PlanRecorder(opts.emit, params.context ?? '', params.namespace ?? '');
  const { signal } = opts;
  let workloads: WorkloadRef[] = [];
  let before = new Map<string, number | 'absent'>();
  let client: KubeClient | undefined;
  try {
    const r = await rec.step(
      'render',
      'Reading manifests',
      async () => {
        const t = target(params, env);
        rec.context = t.context;
        rec.namespace = t.namespace;
        client = clientFor(env, t.context);
        return resolveDeploy(params, client, t, signal);
      },
      (x) =>
        `${x.objects.length} object${x.objects.length === 1 ? '' : 's'} to apply on ${x.context}/${x.namespace}`,
    );
    const c = client as unknown as KubeClient;
    annotate(r.objects, r.provenance);
    const namespaces = r.objects.map((d) => d.object.metadata.namespace ?? r.namespace);
    const guard = checkGuards(env, r.context, [r.namespace, ...namespaces], params.confirm, 'deploy');

    const pre = await rec.step(
      'preflight',
      'Checking permissions, references and the server’s verdict (dry-run)',
      () => preflight(c, r.objects, { protectedTarget: guard.protected, signal }),
      (p) =>
        p.blockers.length > 0
          ? `${p.blockers.length} problem${p.blockers.length === 1 ? '' : 's'} found`
          : `${p.diffs.filter((d) => d.action !== 'unchanged').length} change(s), ${p.diffs.filter((d) => d.action === 'unchanged').length} unchanged`,
    );
    for (const w of pre.warnings) rec.note(w, 'warning');
    if (pre.blockers.length > 0) {
      const error = findingsError(pre.blockers);
      return rec.result(error.code === 'INVALID' ? 'invalid' : 'blocked', error.message, error);
    }

    if (r.migrations.length > 0) {
      if (opts.migrate === undefined) {
        const names = r.migrations.map((m) => m.service.name).join(', ');
        const error = agentError(
          'PREFLIGHT_FAILED',
          `${names} need${r.migrations.length === 1 ? 's' : ''} database migrations before deploying, and this agent cannot run migrations. Nothing was applied.`,
        );
        rec.start('migrate', 'Running migrations');
        rec.end('migrate', 'failed', error.message);
        return rec.result('blocked', error.message, error);
      }
      const migrate = opts.migrate;
      await rec.step(
        'migrate',
        'Running migrations',
        async () => {
          const env = params.source.kind === 'project' ? params.source.env : '';
          const target = { env, context: r.context, namespace: r.namespace };
          for (const m of r.migrations) await migrate(m.project, m.service, target, c, rec, opts.signal);
          rec.written = true;
        },
        () => 'Migrations applied',
      );
    } else {
      rec.start('migrate', 'Migrations');
      rec.end('migrate', 'skipped', 'No migrations configured');
    }

    const changed = new Set(
      pre.diffs
        .filter((d) => d.action !== 'unchanged')
        .map((d) => `${d.kind}|${d.namespace ?? ''}|${d.name}`),
    );
    workloads = r.objects
      .filter(
        (d) =>
          isWorkload(d.object) &&
          changed.has(
            `${d.object.kind ?? ''}|${d.object.metadata.namespace ?? ''}|${d.object.metadata.name}`,
          ),
      )
      .map((d) => ({ kind: d.object.kind as WorkloadRef['kind'], name: d.object.metadata.name }));
    before = await snapshotRevisions(c, r.namespace, workloads, pre, r.objects, signal);
    // A canary needs a running stable version beside it; a workload this deploy creates rolls normally.
    const canaryRuns = r.canaries
      .map((service) => ({
        service,
        desired: r.objects.find(
          (d) => d.object.kind === service.workload.kind && d.object.metadata.name === service.workload.name,
        ),
      }))
      .filter(
        (x): x is { service: ServiceConfig; desired: DesiredObject } =>
          x.desired !== undefined &&
          typeof before.get(`${x.service.workload.kind}/${x.service.workload.name}`) === 'number',
      );
    const canaryObjects = new Set(canaryRuns.map((x) => x.desired));
    const rolling = workloads.filter(
      (w) =>
        !canaryRuns.some((x) => x.service.workload.kind === w.kind && x.service.workload.name === w.name),
    );

    const since = Date.now();
    await rec.step(
      'apply',
      `Applying ${r.objects.length} object${r.objects.length === 1 ? '' : 's'} (server-side apply, field manager slipway)`,
      async () => {
        for (const d of r.objects) {
          if (signal.aborted)
            throw fail('CANCELLED', 'The deploy was cancelled before every object was applied.');
          const id = `${d.object.kind ?? ''}|${d.object.metadata.namespace ?? ''}|${d.object.metadata.name}`;
          const diff = pre.diffs.find((x) => `${x.kind}|${x.namespace ?? ''}|${x.name}` === id);
          if (canaryObjects.has(d)) continue;
          if (diff?.action === 'unchanged') {
            rec.applied.push({
              kind: d.object.kind ?? '',
              name: d.object.metadata.name,
              ...(d.object.metadata.namespace ? { namespace: d.object.metadata.namespace } : {}),
              action: 'unchanged',
            });
            continue;
          }
          await c.apply(d.object, { force: true, signal });
          rec.written = true;
          rec.applied.push({
            kind: d.object.kind ?? '',
            name: d.object.metadata.name,
            ...(d.object.metadata.namespace ? { namespace: d.object.metadata.namespace } : {}),
            action: diff?.action === 'create' ? 'created' : 'configured',
          });
          rec.note(`${describe(d.object)} ${diff?.action === 'create' ? 'created' : 'configured'}`);
        }
      },
      () => {
        const n = rec.applied.filter((a) => a.action !== 'unchanged').length;
        return `${n} changed, ${rec.applied.length - n} unchanged`;
      },
    );

    if (rolling.length === 0) {
      rec.start('rollout', 'Rollout');
      rec.end('rollout', 'skipped', 'No workload changed');
    } else {
      const watched = await rec
        .step(
          'rollout',
          `Watching the rollout of ${workloads.map((w) => `${w.kind.toLowerCase()}/${w.name}`).join(', ')}`,
          async () => {
            const w = await watchRollout({
              client: c,
              namespace: r.namespace,
              workloads,
              since,
              timeoutMs: rolloutTimeoutMs(params, r.objects),
              signal,
              emit: (e) => rec.emit(e),
            });
            if (!w.ok)
              throw fail(
                signal.aborted ? 'CANCELLED' : 'UNAVAILABLE',
                `The rollout failed: ${w.reason ?? 'unknown reason'}.`,
              );
            return w;
          },
          () => 'Rollout complete',
        )
        .catch((e: unknown) => ({ failed: errorOf(e) }));
      if ('failed' in watched)
        return await failAndRollBack(c, r.namespace, watched.failed, params, workloads, before, rec);
    }

    for (const run of canaryRuns) {
      const strategy = run.service.strategy;
      if (strategy.type !== 'canary') continue;
      const canary = await rec
        .step(
          'canary',
          `Canary of ${run.service.name}: ${strategy.canary.steps.map((x) => `${x.weight}%`).join(' → ')}`,
          async () => {
            rec.written = true;
            const out = await runCanary({
              client: c,
              namespace: r.namespace,
              desired: run.desired,
              config: strategy.canary,
              rec,
              signal,
            });
            if (!out.ok) throw fail('UNAVAILABLE', `The canary failed: ${out.reason ?? 'unknown reason'}.`);
            return out;
          },
          () => 'Canary promoted',
        )
        .catch((e: unknown) => ({ failed: errorOf(e) }));
      if ('failed' in canary) {
        // The canary restored its own workload; anything else this plan changed goes back too.
        const others = workloads.filter(
          (w) => !(w.kind === run.service.workload.kind && w.name === run.service.workload.name),
        );
        return await failAndRollBack(c, r.namespace, canary.failed, params, others, before, rec);
      }
    }

    const checks = r.checks.filter(
      (ch) =>
        workloads.length === 0 ||
        workloads.some((w) => w.kind === ch.workload.kind && w.name === ch.workload.name),
    );
    if (checks.length === 0) {
      rec.start('health', 'Health checks');
      rec.end('health', 'skipped', 'No health checks configured and no HTTP readiness probes');
    } else {
      const health = await rec
        .step(
          'health',
          `Running ${checks.length} health check${checks.length === 1 ? '' : 's'} through the API server proxy`,
          async () => {
            const h = await runHealthChecks(c, r.namespace, checks, { signal, emit: (e) => rec.emit(e) });
            if (!h.ok) throw fail('UNAVAILABLE', `Health check failed: ${h.reason ?? ''}.`);
            return h;
          },
          () => 'All health checks passed',
        )
        .catch((e: unknown) => ({ failed: errorOf(e) }));
      if ('failed' in health)
        return await failAndRollBack(c, r.namespace, health.failed, params, workloads, before, rec);
    }

    await recordRevisions(c, r.namespace, workloads, rec);
    const revs = rec.revisions
      .map((x) => `${x.workload.kind.toLowerCase()}/${x.workload.name} revision ${x.revision}`)
      .join(', ');
    return rec.result(
      'succeeded',
      `Deployed to ${r.context}/${r.namespace}${revs === '' ? '' : `: ${revs}`}.`,
    );
  } catch (e) {
    const error = errorOf(e);
    if (rec.written && client !== undefined && workloads.length > 0 && params.autoRollback !== false) {
      return failAndRollBack(client, rec.namespace, error, params, workloads, before, rec);
    }
    return rec.result(outcomeFor(error, rec.written), error.message, error);
  }
}

async function failAndRollBack(
  client: KubeClient,
  namespace: string,
  error: AgentError,
  params: DeployParams,
  workloads: WorkloadRef[],
  before: Map<string, number | 'absent'>,
  rec: PlanRecorder,
): Promise<PlanResult> {
  const reason = error.message.replace(/\.$/, '');
  if (params.autoRollback === false) {
    return rec.result(
      'failed',
      `${reason}. Automatic rollback is off; the new version was left in place.`,
      error,
    );
  }
  const ok = await rollBack(client, namespace, workloads, before, rec, reason);
  if (!ok)
    return rec.result(
      'failed',
      `${reason}. The automatic rollback did not complete; check the workloads.`,
      error,
    );
  await recordRevisions(client, namespace, workloads, rec);
  return rec.result('rolledBack', `${reason}. Rolled back to the previous version.`, error);
}
