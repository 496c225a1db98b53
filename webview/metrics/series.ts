/**
 * The metric panel's data, free of the DOM: samples kept in time order without duplicates (the agent
 * resends its history when a panel reattaches), and the columns each chart draws.
 */
import type { MetricSample } from '../../protocol/observe';

export interface Series {
  label: string;
  /** pod: one line per pod; request/limit: dashed reference lines; value: a single measure. */
  kind: 'pod' | 'request' | 'limit' | 'value';
  values: (number | null)[];
}

export interface Chart {
  /** Seconds since the epoch, one per sample. */
  x: number[];
  series: Series[];
}

export class SampleStore {
  private samples: MetricSample[] = [];

  constructor(readonly capacity = 4000) {}

  get size(): number {
    return this.samples.length;
  }

  all(): readonly MetricSample[] {
    return this.samples;
  }

  last(): MetricSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Adds samples; a sample with a time already held replaces it. Returns how many were new. */
  add(incoming: readonly MetricSample[]): number {
    let added = 0;
    for (const s of incoming) {
      const t = Date.parse(s.at);
      let i = this.samples.length;
      while (i > 0 && Date.parse(this.samples[i - 1]!.at) > t) i--;
      if (i > 0 && Date.parse(this.samples[i - 1]!.at) === t) {
        this.samples[i - 1] = s;
        continue;
      }
      this.samples.splice(i, 0, s);
      added++;
    }
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
    return added;
  }

  clear(): void {
    this.samples = [];
  }
}

const seconds = (s: MetricSample): number => Date.parse(s.at) / 1000;

/** Pods in the order they first appear, so colours stay put as pods come and go. */
function podsOf(samples: readonly MetricSample[]): string[] {
  const seen = new Set<string>();
  for (const s of samples) for (const p of s.pods) seen.add(p.pod);
  return [...seen];
}

/**
 * Per-pod usage with the pods' request and limit as reference lines (the largest any pod has at that
 * moment: pods of one workload share a template, except across a rollout).
 */
export function usageChart(samples: readonly MetricSample[], field: 'cpu' | 'memory', scale = 1): Chart {
  const pods = podsOf(samples);
  const use = field === 'cpu' ? 'cpuMillicores' : 'memoryBytes';
  const req = field === 'cpu' ? 'cpuRequestMillicores' : 'memoryRequestBytes';
  const lim = field === 'cpu' ? 'cpuLimitMillicores' : 'memoryLimitBytes';
  const series: Series[] = pods.map((pod) => ({
    label: pod,
    kind: 'pod',
    values: samples.map((s) => {
      const v = s.pods.find((p) => p.pod === pod)?.[use];
      return v === undefined ? null : v / scale;
    }),
  }));
  const reference = (key: typeof req | typeof lim): (number | null)[] =>
    samples.map((s) => {
      const vs = s.pods.map((p) => p[key]).filter((v): v is number => v !== undefined);
      return vs.length === 0 ? null : Math.max(...vs) / scale;
    });
  const request = reference(req);
  const limit = reference(lim);
  if (request.some((v) => v !== null)) series.push({ label: 'request', kind: 'request', values: request });
  if (limit.some((v) => v !== null)) series.push({ label: 'limit', kind: 'limit', values: limit });
  return { x: samples.map(seconds), series };
}

export function redChart(samples: readonly MetricSample[], field: 'rate' | 'errors' | 'p95'): Chart {
  const pick = (s: MetricSample): number | null => {
    const r = s.red;
    if (r === undefined) return null;
    if (field === 'rate') return r.requestsPerSecond;
    if (field === 'errors') return r.errorRate * 100;
    return r.p95Ms ?? null;
  };
  const label = field === 'rate' ? 'requests/s' : field === 'errors' ? 'errors %' : 'p95 ms';
  return { x: samples.map(seconds), series: [{ label, kind: 'value', values: samples.map(pick) }] };
}

/** Current and desired replicas of each autoscaler. */
export function hpaChart(samples: readonly MetricSample[]): Chart {
  const names = [...new Set(samples.flatMap((s) => (s.hpa ?? []).map((h) => h.name)))];
  const series: Series[] = [];
  for (const name of names) {
    for (const which of ['current', 'desired'] as const) {
      series.push({
        label: `${name} ${which}`,
        kind: which === 'current' ? 'value' : 'request',
        values: samples.map((s) => s.hpa?.find((h) => h.name === name)?.[which] ?? null),
      });
    }
  }
  return { x: samples.map(seconds), series };
}

/** The most recent value of a series, for the chart's headline. */
export function latest(values: readonly (number | null)[]): number | undefined {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return undefined;
}
