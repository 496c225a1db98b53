import type { PlanEvent, WorkloadRef } from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { KubeObject, LabelSelector, Pod } from '../kube/objects';
import type { HealthCheck } from '../project/types';

/** A health check bound to the workload whose pods it probes. */
export interface BoundHealthCheck {
  workload: WorkloadRef;
  path: string;
  port: number | string;
  /** Expected status; undefined accepts 200–399, as a kubelet HTTP probe does. */
  expect?: number;
  via: 'pod' | 'service';
  service?: string;
  timeoutSeconds: number;
  retries: number;
  /** Where it came from, for messages ("readiness probe of container api"). */
  origin: string;
}

interface ContainerPort {
  name?: string;
  containerPort: number;
}
interface ProbeContainer {
  name: string;
  ports?: ContainerPort[];
  readinessProbe?: { httpGet?: { path?: string; port?: number | string } };
}
interface WorkloadObject extends KubeObject {
  spec?: { selector?: LabelSelector; template?: { spec?: { containers?: ProbeContainer[] } } };
}

/** Checks from slipway.yaml, bound to the service's workload. */
export function configuredChecks(workload: WorkloadRef, checks: HealthCheck[]): BoundHealthCheck[] {
  return checks.map((c) => ({
    workload,
    path: c.path,
    port: c.port,
    expect: c.expect,
    via: c.via,
    ...(c.service === undefined ? {} : { service: c.service }),
    timeoutSeconds: c.timeoutSeconds,
    retries: c.retries,
    origin: `health check ${c.path}`,
  }));
}

/** Without slipway.yaml: one check per HTTP readiness probe of the workload's containers. */
export function probeChecks(workload: WorkloadRef, obj: KubeObject): BoundHealthCheck[] {
  const containers = (obj as WorkloadObject).spec?.template?.spec?.containers ?? [];
  const out: BoundHealthCheck[] = [];
  for (const c of containers) {
    const get = c.readinessProbe?.httpGet;
    if (get?.port === undefined) continue;
    out.push({
      workload,
      path: get.path ?? '/',
      port: get.port,
      via: 'pod',
      timeoutSeconds: 5,
      retries: 3,
      origin: `readiness probe of container ${c.name}`,
    });
  }
  return out;
}

function portOf(
  pod: Pod & { spec?: { containers?: ProbeContainer[] } },
  port: number | string,
): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  }
  return undefined;
}

function ready(pod: Pod): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

const ok = (check: BoundHealthCheck, status: number): boolean =>
  check.expect === undefined ? status >= 200 && status < 400 : status === check.expect;

/**
 * Calls each check through the API server's proxy (pods or services), so it works from any machine
 * that can reach the cluster API, without port-forwards. A pod check probes every ready pod.
 */
export async function runHealthChecks(
  client: KubeClient,
  namespace: string,
  checks: BoundHealthCheck[],
  opts: {
    signal: AbortSignal;
    emit(e: PlanEvent): void;
    delay?: (ms: number) => Promise<void>;
  },
): Promise<{ ok: boolean; reason?: string }> {
  const failed = (check: BoundHealthCheck, why: string): { ok: false; reason: string } => {
    const reason = `${check.origin}: ${why}`;
    opts.emit({
      type: 'health',
      check: check.origin,
      ok: false,
      message: reason,
      at: new Date().toISOString(),
    });
    return { ok: false, reason };
  };
  const delay = opts.delay ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (const check of checks) {
    const targets: { kind: 'pods' | 'services'; name: string; port: number | string }[] = [];
    if (check.via === 'service') {
      targets.push({ kind: 'services', name: check.service ?? check.workload.name, port: check.port });
    } else {
      const live = await client.get<WorkloadObject>(
        { apiVersion: 'apps/v1', kind: check.workload.kind, namespace, name: check.workload.name },
        opts.signal,
      );
      const labels = Object.entries(live?.spec?.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = (
        await client.list<Pod>('v1', 'Pod', namespace, { labelSelector: labels, signal: opts.signal })
      ).filter(ready);
      if (pods.length === 0) {
        return failed(
          check,
          `${check.workload.kind.toLowerCase()} ${check.workload.name} has no ready pod to check`,
        );
      }
      for (const pod of pods) {
        const port = portOf(pod, check.port);
        if (port === undefined) {
          return failed(check, `pod ${pod.metadata.name} has no port named "${String(check.port)}"`);
        }
        targets.push({ kind: 'pods', name: pod.metadata.name, port });
      }
    }
    for (const t of targets) {
      const label = `GET ${t.kind === 'pods' ? 'pod' : 'service'} ${t.name}:${String(t.port)}${check.path}`;
      let last = '';
      let passed = false;
      let status: number | undefined;
      for (let attempt = 1; attempt <= Math.max(1, check.retries) && !passed; attempt++) {
        if (attempt > 1) await delay(1000);
        try {
          const res = await client.proxyGet(
            { kind: t.kind, namespace, name: t.name, port: t.port },
            check.path,
            {
              signal: opts.signal,
              timeoutMs: check.timeoutSeconds * 1000,
            },
          );
          status = res.status;
          passed = ok(check, res.status);
          last = `${res.status}${res.body === '' ? '' : ` ${res.body.slice(0, 120).replace(/\s+/g, ' ').trim()}`}`;
        } catch (e) {
          if (opts.signal.aborted) throw e;
          last = e instanceof Error ? e.message : String(e);
        }
      }
      const expected = check.expect === undefined ? '2xx/3xx' : String(check.expect);
      opts.emit({
        type: 'health',
        check: check.origin,
        ok: passed,
        ...(status === undefined ? {} : { status }),
        message: passed ? `${label} → ${status ?? ''}` : `${label} → ${last} (expected ${expected})`,
        at: new Date().toISOString(),
      });
      if (!passed)
        return {
          ok: false,
          reason: `${check.origin} failed: ${label} answered ${last}, expected ${expected}`,
        };
    }
  }
  return { ok: true };
}
