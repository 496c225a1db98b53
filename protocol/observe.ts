import type { WorkloadRef } from './deploy';

/**
 * The incident toolkit's contract: log streams, metric samples, port-forwards, describe and events.
 * Logs and metrics are streamed as `chunk` messages of a long-running, cancellable request.
 */

/** Which pods a log or metric stream follows: a workload's (pods that join later included) or named ones. */
export interface PodSelection {
  context: string;
  namespace: string;
  workload?: WorkloadRef;
  /** Named pods; with a workload, only these of its pods. */
  pods?: string[];
  /** Only these containers; all of each pod's containers otherwise. */
  containers?: string[];
}

/**
 * Where a client left off in one container's log: the stamp of the last line it holds and how many
 * lines with exactly that stamp it holds. A resumed stream skips what the cursor covers.
 */
export interface LogCursor {
  pod: string;
  container: string;
  ts: string;
  n: number;
}

export interface LogFollowParams extends PodSelection {
  follow: boolean;
  /** Also read the log of the instance before the last restart of each restarted container. */
  previous?: boolean;
  sinceSeconds?: number;
  /** Lines per container to start with (when not resuming); all the kubelet keeps when absent. */
  tailLines?: number;
  /** Continue where these cursors end instead of applying since/tail. */
  resume?: LogCursor[];
}

export interface LogLine {
  pod: string;
  container: string;
  /** The kubelet's RFC3339Nano stamp. */
  ts: string;
  text: string;
  /** From the instance before the container's last restart. */
  previous?: true;
}

export type LogNoteKind =
  'joined' | 'left' | 'restarted' | 'reconnecting' | 'resumed' | 'error' | 'diagnosis';

/** Something the panel shows between lines: a pod joined or went away, a stream was resumed... */
export interface LogNote {
  kind: LogNoteKind;
  pod: string;
  container?: string;
  at: string;
  message: string;
}

export interface LogChunk {
  kind: 'logs';
  lines: LogLine[];
  notes: LogNote[];
}

export interface MetricsParams {
  context: string;
  namespace: string;
  workload: WorkloadRef;
  /** Seconds between samples (default 5). */
  intervalSeconds?: number;
  /** A Prometheus base URL for request metrics; the pods' own /metrics are scraped when absent. */
  prometheusUrl?: string;
}

export interface PodUsage {
  pod: string;
  cpuMillicores?: number;
  memoryBytes?: number;
  /** Sums over the pod's containers, from the spec. */
  cpuRequestMillicores?: number;
  cpuLimitMillicores?: number;
  memoryRequestBytes?: number;
  memoryLimitBytes?: number;
}

export interface HpaSample {
  name: string;
  current: number;
  desired: number;
  min: number;
  max: number;
  /** "cpu 42%/70%" per metric, as `kubectl get hpa` shows targets. */
  targets: string[];
}

export interface RedSample {
  source: 'pods' | 'prometheus';
  requestsPerSecond: number;
  /** Share of 5xx answers, 0..1. */
  errorRate: number;
  p95Ms?: number;
}

export interface MetricSample {
  at: string;
  pods: PodUsage[];
  /** Why CPU/memory are missing (no metrics API, forbidden...). */
  usageError?: string;
  hpa?: HpaSample[];
  red?: RedSample;
  redError?: string;
}

export interface MetricsChunk {
  kind: 'metrics';
  /** On attach: the collector's history; then one sample per interval. */
  samples: MetricSample[];
}

export type StreamChunk = LogChunk | MetricsChunk;

export type ForwardTargetKind = 'pod' | 'service' | 'workload';

export interface ForwardSpec {
  context: string;
  namespace: string;
  target: { kind: ForwardTargetKind; name: string; workloadKind?: WorkloadRef['kind'] };
  /** A Service port (number or name) for services; a container port (number or name) otherwise. */
  port: number | string;
  /** 0 or absent: a free port is chosen. */
  localPort?: number;
  /** The profile name it was saved or started under. */
  name?: string;
}

export type ForwardState = 'starting' | 'active' | 'moving' | 'failed';

export interface ForwardInfo {
  id: string;
  spec: ForwardSpec;
  localPort: number;
  /** The pod traffic goes to now, and the port on it. */
  pod?: string;
  podPort?: number;
  state: ForwardState;
  /** Why it is failing or moving, in one sentence. */
  message?: string;
  /** When the last probe (a connection through the tunnel) succeeded. */
  probedAt?: string;
  bytesIn: number;
  bytesOut: number;
  connections: number;
  totalConnections: number;
  startedAt: string;
}

export interface DescribeParams {
  context: string;
  namespace?: string;
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface EventInfo {
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
}

export interface DescribeResult {
  /** The object as `kubectl describe` would print it, Secret values left out. */
  text: string;
  /** One sentence per problem found (CrashLoopBackOff, image pull, OOMKilled...), with log lines. */
  diagnosis: string[];
  events: EventInfo[];
}

export interface TopRow {
  namespace: string;
  pod: string;
  cpuMillicores: number;
  memoryBytes: number;
}

/** A log stamp as a string that sorts like the time: fraction padded to nine digits, UTC "Z". */
export function stampKey(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (m === null) return ts;
  const [, base, frac = '', zone] = m;
  if (zone === 'Z') return `${base}.${frac.padEnd(9, '0')}Z`;
  return `${new Date(Date.parse(`${base}${zone}`)).toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}Z`;
}
