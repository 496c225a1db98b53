import {
  AgentFailure,
  type HpaSample,
  type MetricSample,
  type MetricsParams,
  type PodUsage,
  type RedSample,
  type TopRow,
} from '../../protocol';
import { type RequestStats, deltaStats, parseRequestStats, quantileSeconds } from '../deploy/pod-metrics';
import { prometheusWindow } from '../deploy/prometheus-gates';
import type { KubeClient } from '../kube/client';
import type { HorizontalPodAutoscaler, KubeObject, Pod } from '../kube/objects';
import { podResource } from './log-follower';
import { millicores, parseQuantity } from './quantity';

interface PodMetricsItem extends KubeObject {
  containers?: { name: string; usage?: { cpu?: string; memory?: string } }[];
}

interface ResourceSpec {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  ports?: { containerPort: number }[];
}

function message(e: unknown): string {
  return e instanceof AgentFailure ? e.error.message : e instanceof Error ? e.message : String(e);
}

/** CPU and memory of pods from metrics.k8s.io (what `kubectl top pods` reads). */
export async function podUsage(
  client: KubeClient,
  namespace: string | undefined,
  labelSelector: string | undefined,
  signal: AbortSignal,
): Promise<TopRow[]> {
  const path =
    namespace === undefined
      ? '/apis/metrics.k8s.io/v1beta1/pods'
      : `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const res = await client.request<{ items?: PodMetricsItem[] }>('GET', path, {
    query: { labelSelector },
    signal,
  });
  return (res.items ?? [])
    .map((m) => {
      let cpu = 0;
      let mem = 0;
      for (const c of m.containers ?? []) {
        cpu += millicores(c.usage?.cpu) ?? 0;
        mem += parseQuantity(c.usage?.memory) ?? 0;
      }
      return {
        namespace: m.metadata.namespace ?? '',
        pod: m.metadata.name,
        cpuMillicores: cpu,
        memoryBytes: mem,
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}

function sumResources(pod: Pod, kind: 'requests' | 'limits', res: 'cpu' | 'memory'): number | undefined {
  let total: number | undefined;
  for (const c of (pod.spec?.containers ?? []) as (ResourceSpec & { name: string })[]) {
    const q = c.resources?.[kind]?.[res];
    const v = res === 'cpu' ? millicores(q) : parseQuantity(q);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

function hpaSample(h: HorizontalPodAutoscaler): HpaSample {
  const spec = h.spec as
    | {
        minReplicas?: number;
        maxReplicas?: number;
        metrics?: {
          type: string;
          resource?: { name: string; target?: { averageUtilization?: number; averageValue?: string } };
        }[];
      }
    | undefined;
  const status = h.status as
    | {
        currentReplicas?: number;
        desiredReplicas?: number;
        currentMetrics?: {
          type: string;
          resource?: { name: string; current?: { averageUtilization?: number; averageValue?: string } };
        }[];
      }
    | undefined;
  const targets = (spec?.metrics ?? []).map((m) => {
    const name = m.resource?.name ?? m.type;
    const cur = status?.currentMetrics?.find((c) => c.resource?.name === name)?.resource?.current;
    const t = m.resource?.target;
    if (t?.averageUtilization !== undefined) {
      return `${name} ${cur?.averageUtilization === undefined ? '<unknown>' : `${cur.averageUtilization}%`}/${t.averageUtilization}%`;
    }
    return `${name} ${cur?.averageValue ?? '<unknown>'}/${t?.averageValue ?? '?'}`;
  });
  return {
    name: h.metadata.name,
    current: status?.currentReplicas ?? 0,
    desired: status?.desiredReplicas ?? 0,
    min: spec?.minReplicas ?? 1,
    max: spec?.maxReplicas ?? 0,
    targets,
  };
}

const HISTORY = 720;

/**
 * Samples one workload every interval: pod CPU/memory with requests and limits, its HPAs, and request
 * rate, error rate and p95 latency — from the pods' own /metrics through the API server's pod proxy, or
 * from Prometheus when a URL is given. Shared by every panel on the same target; keeps a history so a
 * panel opened later starts with a chart, not a blank.
 */
export class MetricsCollector {
  readonly history: MetricSample[] = [];
  private readonly listeners = new Set<(s: MetricSample) => void>();
  private readonly scrapes = new Map<string, { at: number; stats: RequestStats }>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly client: KubeClient,
    readonly params: MetricsParams,
  ) {}

  get intervalMs(): number {
    return Math.max(1, this.params.intervalSeconds ?? 5) * 1000;
  }

  attach(listener: (s: MetricSample) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) {
      void this.tick();
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  get idle(): boolean {
    return this.listeners.size === 0;
  }

  dispose(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.abort.abort();
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const s = await this.sample(this.abort.signal);
      this.history.push(s);
      if (this.history.length > HISTORY) this.history.shift();
      for (const l of this.listeners) l(s);
    } catch {
      // The next tick tries again; a sample's own errors are reported inside it.
    } finally {
      this.busy = false;
    }
  }

  async sample(signal: AbortSignal): Promise<MetricSample> {
    const p = this.params;
    const at = new Date().toISOString();
    const resource = await podResource(this.client, p, signal);
    const pods = await this.client.list<Pod>('v1', 'Pod', p.namespace, {
      ...(resource.labelSelector === undefined ? {} : { labelSelector: resource.labelSelector }),
      signal,
    });
    const live = pods.filter((x) => x.metadata.deletionTimestamp === undefined);
    const sample: MetricSample = { at, pods: [] };
    const usage = new Map<string, TopRow>();
    try {
      for (const r of await podUsage(this.client, p.namespace, resource.labelSelector, signal))
        usage.set(r.pod, r);
    } catch (e) {
      sample.usageError = `CPU and memory are unavailable: ${message(e)}`;
    }
    for (const pod of live) {
      const u = usage.get(pod.metadata.name);
      const row: PodUsage = { pod: pod.metadata.name };
      if (u !== undefined) {
        row.cpuMillicores = u.cpuMillicores;
        row.memoryBytes = u.memoryBytes;
      }
      const set = (k: keyof PodUsage, v: number | undefined): void => {
        if (v !== undefined) (row as unknown as Record<string, number>)[k] = v;
      };
      set('cpuRequestMillicores', sumResources(pod, 'requests', 'cpu'));
      set('cpuLimitMillicores', sumResources(pod, 'limits', 'cpu'));
      set('memoryRequestBytes', sumResources(pod, 'requests', 'memory'));
      set('memoryLimitBytes', sumResources(pod, 'limits', 'memory'));
      sample.pods.push(row);
    }
    try {
      const hpas = await this.client.list<HorizontalPodAutoscaler>(
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        p.namespace,
        {
          signal,
        },
      );
      const mine = hpas.filter((h) => {
        const ref = (h.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)
          ?.scaleTargetRef;
        return ref?.kind === p.workload.kind && ref.name === p.workload.name;
      });
      if (mine.length > 0) sample.hpa = mine.map(hpaSample);
    } catch {
      // No HPA API or no permission: the panel simply shows no autoscaler.
    }
    try {
      sample.red =
        p.prometheusUrl !== undefined && p.prometheusUrl !== ''
          ? await this.fromPrometheus(p.prometheusUrl, signal)
          : await this.fromPods(live, signal);
    } catch (e) {
      sample.redError = `Request metrics are unavailable: ${message(e)}`;
    }
    return sample;
  }

  private async fromPrometheus(url: string, signal: AbortSignal): Promise<RedSample> {
    const window = Math.max(60, (this.intervalMs / 1000) * 4);
    const w = await prometheusWindow(
      url,
      { namespace: this.params.namespace, podPrefix: this.params.workload.name },
      window,
      signal,
    );
    return {
      source: 'prometheus',
      requestsPerSecond: w.total / window,
      errorRate: w.total > 0 ? w.errors / w.total : 0,
      ...(w.p95Seconds === undefined ? {} : { p95Ms: w.p95Seconds * 1000 }),
    };
  }

  /** Scrapes every ready pod's /metrics through the API server and compares with the last scrape. */
  private async fromPods(pods: Pod[], signal: AbortSignal): Promise<RedSample> {
    const ready = pods.filter((pod) =>
      (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    let total = 0;
    let errors = 0;
    const buckets = new Map<number, number>();
    let seconds = 0;
    const seen = new Set<string>();
    await Promise.all(
      ready.map(async (pod) => {
        const name = pod.metadata.name;
        seen.add(name);
        const port = metricsPort(pod);
        if (port === undefined) return;
        const res = await this.client
          .proxyGet({ kind: 'pods', namespace: this.params.namespace, name, port }, metricsPath(pod), {
            signal,
            timeoutMs: 5_000,
          })
          .catch(() => undefined);
        if (res === undefined || res.status !== 200) return;
        const now = Date.now();
        const stats = parseRequestStats(res.body);
        const before = this.scrapes.get(name);
        this.scrapes.set(name, { at: now, stats });
        if (before === undefined) return;
        const d = deltaStats(before.stats, stats);
        total += d.total;
        errors += d.errors;
        for (const [le, v] of d.buckets) buckets.set(le, (buckets.get(le) ?? 0) + v);
        seconds = Math.max(seconds, (now - before.at) / 1000);
      }),
    );
    for (const k of [...this.scrapes.keys()]) if (!seen.has(k)) this.scrapes.delete(k);
    const p95 = quantileSeconds({ total, errors, buckets }, 0.95);
    return {
      source: 'pods',
      requestsPerSecond: seconds > 0 ? total / seconds : 0,
      errorRate: total > 0 ? errors / total : 0,
      ...(p95 === undefined ? {} : { p95Ms: p95 * 1000 }),
    };
  }
}

function metricsPort(pod: Pod): number | string | undefined {
  const ann = pod.metadata.annotations?.['prometheus.io/port'];
  if (ann !== undefined && ann !== '') return ann;
  for (const c of (pod.spec?.containers ?? []) as ResourceSpec[]) {
    const p = c.ports?.[0]?.containerPort;
    if (p !== undefined) return p;
  }
  return undefined;
}

function metricsPath(pod: Pod): string {
  return pod.metadata.annotations?.['prometheus.io/path'] ?? '/metrics';
}

/** One collector per target, shared by every panel watching it; stopped when the last one leaves. */
export class MetricsHub {
  private readonly collectors = new Map<string, MetricsCollector>();

  watch(client: KubeClient, params: MetricsParams, onSamples: (samples: MetricSample[]) => void): () => void {
    const key = JSON.stringify([
      params.context,
      params.namespace,
      params.workload.kind,
      params.workload.name,
      params.prometheusUrl ?? '',
      params.intervalSeconds ?? 5,
    ]);
    let c = this.collectors.get(key);
    if (c === undefined) {
      c = new MetricsCollector(client, params);
      this.collectors.set(key, c);
    }
    const collector = c;
    if (collector.history.length > 0) onSamples([...collector.history]);
    const detach = collector.attach((s) => onSamples([s]));
    return () => {
      detach();
      if (collector.idle) {
        collector.dispose();
        this.collectors.delete(key);
      }
    };
  }

  get size(): number {
    return this.collectors.size;
  }

  dispose(): void {
    for (const c of this.collectors.values()) c.dispose();
    this.collectors.clear();
  }
}
