/**
 * Request metrics read from pods' Prometheus endpoints: the counters and latency histograms that RED
 * dashboards use (`http_requests_total{status}`, `http_request_duration_seconds_bucket{le}`), summed over
 * series, so a canary gate can compare two scrapes without a Prometheus server.
 */

export interface RequestStats {
  total: number;
  errors: number;
  /** Cumulative request counts by bucket upper bound (seconds), +Inf included. */
  buckets: Map<number, number>;
}

export function emptyStats(): RequestStats {
  return { total: 0, errors: 0, buckets: new Map() };
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(re)) {
    out[m[1] ?? ''] = (m[2] ?? '').replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return out;
}

function statusOf(labels: Record<string, string>): string | undefined {
  return labels['status'] ?? labels['code'] ?? labels['status_code'];
}

/** Sums one scrape (Prometheus text format) into request totals, 5xx errors and latency buckets. */
export function parseRequestStats(text: string): RequestStats {
  const stats = emptyStats();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = SAMPLE.exec(line);
    if (m === null) continue;
    const name = m[1] ?? '';
    const value = Number(m[4]);
    if (!Number.isFinite(value)) continue;
    const labels = parseLabels(m[3] ?? '');
    if (name === 'http_requests_total' || name === 'http_server_requests_seconds_count') {
      stats.total += value;
      if (/^5\d\d$/.test(statusOf(labels) ?? '')) stats.errors += value;
    } else if (
      name === 'http_request_duration_seconds_bucket' ||
      name === 'http_server_requests_seconds_bucket'
    ) {
      const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le']);
      if (!Number.isNaN(le)) stats.buckets.set(le, (stats.buckets.get(le) ?? 0) + value);
    }
  }
  return stats;
}

export function addStats(a: RequestStats, b: RequestStats): RequestStats {
  const buckets = new Map(a.buckets);
  for (const [le, v] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + v);
  return { total: a.total + b.total, errors: a.errors + b.errors, buckets };
}

/** What happened between two scrapes; a counter that went down (a restarted pod) counts from zero. */
export function deltaStats(before: RequestStats, after: RequestStats): RequestStats {
  const d = (x: number, y: number): number => (y >= x ? y - x : y);
  const buckets = new Map<number, number>();
  for (const [le, v] of after.buckets) buckets.set(le, d(before.buckets.get(le) ?? 0, v));
  return { total: d(before.total, after.total), errors: d(before.errors, after.errors), buckets };
}

/** A quantile from cumulative buckets, interpolated within the bucket as Prometheus' histogram_quantile does. */
export function quantileSeconds(stats: RequestStats, q: number): number | undefined {
  const bounds = [...stats.buckets.keys()].sort((a, b) => a - b);
  const total =
    stats.buckets.get(Infinity) ??
    (bounds.length > 0 ? stats.buckets.get(bounds[bounds.length - 1] ?? 0) : 0) ??
    0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = stats.buckets.get(le) ?? 0;
    if (count >= rank) {
      if (le === Infinity) return prevBound;
      if (count === prevCount) return le;
      return prevBound + ((le - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}
