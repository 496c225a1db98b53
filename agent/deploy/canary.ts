import type { WorkloadRef } from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { KubeObject, LabelSelector, Pod } from '../kube/objects';
import type { CanaryConfig } from '../project/types';
import type { DesiredObject } from './desired';
import {
  type RequestStats,
  addStats,
  deltaStats,
  emptyStats,
  parseRequestStats,
  quantileSeconds,
} from './pod-metrics';
import { type TrafficWindow, prometheusWindow } from './prometheus-gates';
import type { PlanRecorder } from './recorder';
import { getWorkload } from './revisions';
import { watchRollout } from './rollout-watch';

/** The label that tells canary pods from stable ones (the Service selects both by the app's labels). */
export const TRACK_LABEL = 'slipway.dev/track';

export interface CanaryOptions {
  client: KubeClient;
  namespace: string;
  /** The stable workload's new desired state (new image), as rendered. */
  desired: DesiredObject;
  config: CanaryConfig;
  rec: PlanRecorder;
  signal: AbortSignal;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface CanaryOutcome {
  ok: boolean;
  reason?: string;
}

interface WorkloadObject extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
    };
  };
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** The canary workload: the new version under its own name, selector and track label, at `replicas`. */
export function canaryObject(
  desired: KubeObject,
  name: string,
  replicas: number,
): WorkloadObject & Record<string, unknown> {
  const o = JSON.parse(JSON.stringify(desired)) as WorkloadObject & Record<string, unknown>;
  o.metadata = {
    name,
    ...(desired.metadata.namespace === undefined ? {} : { namespace: desired.metadata.namespace }),
    labels: { ...(desired.metadata.labels ?? {}), [TRACK_LABEL]: 'canary' },
    ...(desired.metadata.annotations === undefined ? {} : { annotations: desired.metadata.annotations }),
  };
  const spec = o.spec ?? {};
  spec.replicas = replicas;
  spec.selector = {
    ...(spec.selector ?? {}),
    matchLabels: { ...(spec.selector?.matchLabels ?? {}), [TRACK_LABEL]: 'canary' },
  };
  const template = spec.template ?? {};
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [TRACK_LABEL]: 'canary' },
  };
  spec.template = template;
  o.spec = spec;
  delete o['status'];
  return o;
}

/** Canary replicas for a weight: at least one, and the stable side keeps at least one until promotion. */
export function splitReplicas(total: number, weight: number): { canary: number; stable: number } {
  const canary = Math.min(Math.max(1, Math.ceil((total * weight) / 100)), Math.max(1, total));
  return { canary, stable: Math.max(weight >= 100 ? 0 : 1, total - canary) };
}

function metricsPort(config: CanaryConfig, pod: Pod): number | undefined {
  const spec = pod.spec as
    { containers?: { ports?: { name?: string; containerPort: number }[] }[] } | undefined;
  const ports = (spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const wanted = config.metrics.port;
  if (typeof wanted === 'number') return wanted;
  if (typeof wanted === 'string' && /^\d+$/.test(wanted)) return Number(wanted);
  const named = ports.find((p) => p.name === (wanted ?? 'metrics'));
  return (named ?? (wanted === undefined ? ports[0] : undefined))?.containerPort;
}

/**
 * The new version as a whole workload. A set-image deploy carries only the changed container images;
 * the canary needs the rest (selector, labels, ports, probes), so those come from the live stable one.
 */
export function completeDesired(desired: KubeObject, stable: WorkloadObject): KubeObject {
  const d = desired as WorkloadObject;
  if (d.spec?.selector !== undefined) return desired;
  const whole = JSON.parse(JSON.stringify(stable)) as WorkloadObject & Record<string, unknown>;
  delete whole['status'];
  whole.metadata = {
    name: stable.metadata.name,
    ...(stable.metadata.namespace === undefined ? {} : { namespace: stable.metadata.namespace }),
    ...(stable.metadata.labels === undefined ? {} : { labels: stable.metadata.labels }),
    ...(desired.metadata.annotations === undefined ? {} : { annotations: desired.metadata.annotations }),
  };
  const images = new Map(
    ((d.spec?.template?.spec?.containers ?? []) as { name: string; image?: string }[]).map((c) => [
      c.name,
      c.image,
    ]),
  );
  for (const c of (whole.spec?.template?.spec?.containers ?? []) as { name: string; image?: string }[]) {
    const image = images.get(c.name);
    if (image !== undefined) c.image = image;
  }
  return whole;
}

function selectorOf(o: WorkloadObject): string {
  return Object.entries(o.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Ships a new version as a canary beside the stable workload, step by step (the share of replicas it
 * runs), watching its gates — readiness, restarts, 5xx rate and p95 latency from its pods' /metrics —
 * during each step's pause. A failed gate removes the canary and restores the stable replicas; success
 * promotes the new version onto the stable workload and removes the canary.
 */
export async function runCanary(opts: CanaryOptions): Promise<CanaryOutcome> {
  const { client, namespace, config, rec, signal } = opts;
  const sleep = opts.sleep ?? defaultSleep;
  const stableRef: WorkloadRef = {
    kind: opts.desired.object.kind as WorkloadRef['kind'],
    name: opts.desired.object.metadata.name,
  };
  const stable = (await getWorkload(client, namespace, stableRef, signal)) as WorkloadObject;
  const total = stable.spec?.replicas ?? 1;
  const newVersion = completeDesired(opts.desired.object, stable);
  const canaryName = config.workload?.name ?? `${stableRef.name}-canary`;
  const canaryRef: WorkloadRef = { kind: stableRef.kind, name: canaryName };
  const path = (name: string): { apiVersion: string; kind: string; namespace: string; name: string } => ({
    apiVersion: 'apps/v1',
    kind: stableRef.kind,
    namespace,
    name,
  });
  const scaleStable = (replicas: number): Promise<unknown> =>
    client.patch(path(stableRef.name), { spec: { replicas } }, 'merge', { subresource: 'scale' });
  const at = (): string => new Date().toISOString();

  const abort = async (reason: string): Promise<CanaryOutcome> => {
    rec.note(
      `Canary aborted: ${reason}. Removing ${canaryName} and restoring ${stableRef.name} to ${total} replicas.`,
      'warning',
    );
    await scaleStable(total);
    await client.delete(path(canaryName));
    return { ok: false, reason: `canary ${canaryName} failed its gates: ${reason}` };
  };

  for (const [i, step] of config.steps.entries()) {
    if (signal.aborted) return abort('cancelled');
    const split = splitReplicas(total, step.weight);
    rec.emit({
      type: 'canary',
      stepIndex: i,
      weight: step.weight,
      message: `${split.canary} canary / ${split.stable} stable replica${split.stable === 1 ? '' : 's'}`,
      at: at(),
    });
    const since = Date.now();
    await client.apply(canaryObject(newVersion, canaryName, split.canary), { force: true, signal });
    const up = await watchRollout({
      client,
      namespace,
      workloads: [canaryRef],
      since,
      timeoutMs: 180_000,
      signal,
      emit: (e) => rec.emit(e),
      maxRestarts: config.gates.maxRestarts + 1,
    });
    if (!up.ok) return abort(up.reason ?? 'the canary did not become ready');
    await scaleStable(split.stable);

    // Watch the gates for the step's pause.
    const canary = (await getWorkload(client, namespace, canaryRef, signal)) as WorkloadObject;
    const pods = async (): Promise<Pod[]> =>
      (await client.list<Pod>('v1', 'Pod', namespace, { labelSelector: selectorOf(canary), signal })).filter(
        (p) => p.metadata.deletionTimestamp === undefined,
      );
    const scrape = async (list: Pod[]): Promise<RequestStats> => {
      let sum = emptyStats();
      for (const p of list) {
        const port = metricsPort(config, p);
        if (port === undefined) continue;
        const res = await client
          .proxyGet({ kind: 'pods', namespace, name: p.metadata.name, port }, config.metrics.path, {
            signal,
            timeoutMs: 5000,
          })
          .catch(() => undefined);
        if (res?.status === 200) sum = addStats(sum, parseRequestStats(res.body));
      }
      return sum;
    };
    const restarts = (list: Pod[]): number =>
      list.reduce(
        (n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0),
        0,
      );
    const startPods = await pods();
    const startRestarts = restarts(startPods);
    const stepStart = Date.now();
    const start = config.prometheus === undefined ? await scrape(startPods) : emptyStats();
    const observe = async (now: Pod[]): Promise<TrafficWindow> => {
      if (config.prometheus !== undefined) {
        return prometheusWindow(
          config.prometheus.url,
          { namespace, podPrefix: canaryName },
          (Date.now() - stepStart) / 1000,
          signal,
        );
      }
      const d = deltaStats(start, await scrape(now));
      const p95 = quantileSeconds(d, 0.95);
      return { total: d.total, errors: d.errors, ...(p95 === undefined ? {} : { p95Seconds: p95 }) };
    };
    const end = stepStart + step.pauseSeconds * 1000;
    let window: TrafficWindow = { total: 0, errors: 0 };
    while (Date.now() < end && !signal.aborted) {
      await sleep(Math.min(2000, Math.max(0, end - Date.now())), signal);
      const now = await pods();
      const restarted = restarts(now) - startRestarts;
      if (restarted > config.gates.maxRestarts) {
        return abort(
          `its pods restarted ${restarted} time${restarted === 1 ? '' : 's'} (allowed ${config.gates.maxRestarts})`,
        );
      }
      const unready = now.filter(
        (p) => !(p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (unready.length > 0 && unready[0] !== undefined)
        return abort(`pod ${unready[0].metadata.name} is not ready`);
      window = await observe(now);
      const verdict = judge(window, config);
      if (verdict !== undefined) return abort(verdict);
    }
    const rate = window.total > 0 ? window.errors / window.total : undefined;
    rec.emit({
      type: 'canary',
      stepIndex: i,
      weight: step.weight,
      message: `gates passed: ${Math.round(window.total)} requests${rate === undefined ? '' : `, ${(rate * 100).toFixed(1)}% errors`}${window.p95Seconds === undefined ? '' : `, p95 ${Math.round(window.p95Seconds * 1000)} ms`}${config.prometheus === undefined ? '' : ' (Prometheus)'}`,
      at: at(),
    });
    if (
      window.total === 0 &&
      (config.gates.maxErrorRate !== undefined || config.gates.maxP95Ms !== undefined)
    ) {
      rec.note(
        `Canary step ${i + 1}: no requests reached the canary, so the error-rate and latency gates had nothing to judge.`,
        'warning',
      );
    }
  }

  // Promote: the stable workload takes the new version at full size, then the canary goes.
  const since = Date.now();
  await client.apply(opts.desired.object, { force: true, signal });
  await scaleStable(total);
  const rolled = await watchRollout({
    client,
    namespace,
    workloads: [stableRef],
    since,
    timeoutMs: 300_000,
    signal,
    emit: (e) => rec.emit(e),
  });
  if (!rolled.ok)
    return { ok: false, reason: `promotion of ${stableRef.name} failed: ${rolled.reason ?? ''}` };
  await client.delete(path(canaryName));
  rec.note(`Promoted the new version to ${stableRef.name} (${total} replicas) and removed ${canaryName}.`);
  return { ok: true };
}

/** Why a window of canary traffic fails its gates, or undefined when it passes. */
export function judge(window: TrafficWindow, config: CanaryConfig): string | undefined {
  // A handful of requests says little; judge once there are enough to mean something.
  if (window.total < 10) return undefined;
  const rate = window.errors / window.total;
  if (config.gates.maxErrorRate !== undefined && rate > config.gates.maxErrorRate) {
    return `error rate ${(rate * 100).toFixed(1)}% over ${Math.round(window.total)} requests exceeds ${(config.gates.maxErrorRate * 100).toFixed(1)}%`;
  }
  const p95 = window.p95Seconds;
  if (config.gates.maxP95Ms !== undefined && p95 !== undefined && p95 * 1000 > config.gates.maxP95Ms) {
    return `p95 latency ${Math.round(p95 * 1000)} ms exceeds ${config.gates.maxP95Ms} ms`;
  }
  return undefined;
}
