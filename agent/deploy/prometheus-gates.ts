import { AgentFailure, agentError } from '../../protocol';

/** Requests a canary served in a window, as the gates judge them. */
export interface TrafficWindow {
  total: number;
  errors: number;
  p95Seconds?: number;
}

interface QueryResponse {
  status?: string;
  error?: string;
  data?: { result?: { value?: [number, string] }[] };
}

async function scalar(url: string, query: string, signal: AbortSignal): Promise<number | undefined> {
  const endpoint = `${url.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
  let res: Response;
  try {
    res = await fetch(endpoint, { signal });
  } catch (e) {
    throw new AgentFailure(
      agentError(
        'UNAVAILABLE',
        `Prometheus at ${url} could not be reached for the canary gates (${e instanceof Error ? e.message : String(e)}). Check canary.prometheus.url in slipway.yaml.`,
      ),
    );
  }
  const body = (await res.json().catch(() => ({}))) as QueryResponse;
  if (!res.ok || body.status !== 'success') {
    throw new AgentFailure(
      agentError(
        'UNAVAILABLE',
        `Prometheus at ${url} refused the gate query: ${body.error ?? `HTTP ${res.status}`}.`,
      ),
    );
  }
  const v = body.data?.result?.[0]?.value?.[1];
  const n = v === undefined ? undefined : Number(v);
  return n === undefined || Number.isNaN(n) ? undefined : n;
}

/**
 * The canary's traffic over the last `seconds`, from Prometheus. Series are matched on the `namespace`
 * and `pod` labels, as kube-prometheus ServiceMonitors and the usual Kubernetes SD relabelling set them.
 */
export async function prometheusWindow(
  url: string,
  selector: { namespace: string; podPrefix: string },
  seconds: number,
  signal: AbortSignal,
): Promise<TrafficWindow> {
  const range = `${Math.max(1, Math.round(seconds))}s`;
  const pods = `namespace="${selector.namespace}",pod=~"${selector.podPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')}-.*"`;
  const total = (await scalar(url, `sum(increase(http_requests_total{${pods}}[${range}]))`, signal)) ?? 0;
  const errors =
    (await scalar(url, `sum(increase(http_requests_total{${pods},status=~"5.."}[${range}]))`, signal)) ?? 0;
  const p95 = await scalar(
    url,
    `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${pods}}[${range}])))`,
    signal,
  );
  return { total, errors, ...(p95 === undefined || !Number.isFinite(p95) ? {} : { p95Seconds: p95 }) };
}
