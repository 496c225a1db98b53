/**
 * Messages between the log and metric panels (webviews) and the extension host. The host owns the
 * streams from the agent and forwards what arrives in batches; a panel owns what it shows (its ring of
 * lines, its charts, filters) and asks the host for anything that leaves the webview: the clipboard, a
 * file, a new stream. Both sides check what they receive: a webview's channel carries plain JSON, and a
 * panel reloaded from an older build must not act on half a message.
 */
import { type Check, CheckError, array, bool, int, num, object, oneOf, optional, record, str } from './check';
import type { HpaSample, LogLine, LogNote, LogNoteKind, MetricSample, PodUsage, RedSample } from './observe';

/** A release on the Releases timeline, drawn as a marker in the log and on the charts. */
export interface DeployMarker {
  at: string;
  label: string;
}

/** How a log panel's stream starts: the since/tail/previous choices of its toolbar. */
export interface LogStreamOptions {
  /** Seconds back from now; absent: everything the kubelet keeps (bounded by tailLines). */
  sinceSeconds?: number;
  /** Lines per container to start with; absent: no limit. */
  tailLines?: number;
  previous: boolean;
}

export type LogStreamState = 'live' | 'reconnecting' | 'ended';

export type HostToLogPanel =
  | { type: 'init'; title: string; options: LogStreamOptions; pods: string[] }
  | { type: 'lines'; lines: LogLine[] }
  | { type: 'notes'; notes: LogNote[] }
  | { type: 'state'; state: LogStreamState; message?: string }
  | { type: 'markers'; markers: DeployMarker[] }
  /** The stream starts again with new options: the panel empties its ring. */
  | { type: 'reset'; options: LogStreamOptions };

export type LogPanelToHost =
  | { type: 'ready' }
  | { type: 'copy'; text: string; lines: number }
  | { type: 'save'; text: string }
  | { type: 'restart'; options: LogStreamOptions };

export type MetricWindow = 300 | 900 | 3600;

export type HostToMetricPanel =
  | { type: 'init'; title: string; intervalSeconds: number; window: MetricWindow; prometheus?: string }
  | { type: 'samples'; samples: MetricSample[] }
  | { type: 'state'; state: LogStreamState; message?: string }
  | { type: 'markers'; markers: DeployMarker[] }
  | { type: 'reset'; intervalSeconds: number };

export type MetricPanelToHost =
  | { type: 'ready' }
  | { type: 'interval'; intervalSeconds: number }
  | { type: 'window'; window: MetricWindow };

const NOTE_KINDS = [
  'joined',
  'left',
  'restarted',
  'reconnecting',
  'resumed',
  'error',
  'diagnosis',
] as const satisfies readonly LogNoteKind[];
const STATES = ['live', 'reconnecting', 'ended'] as const satisfies readonly LogStreamState[];
export const METRIC_WINDOWS = [300, 900, 3600] as const satisfies readonly MetricWindow[];

const trueOnly: Check<true> = (v, p = 'value') => {
  if (v !== true) throw new CheckError(`${p} must be true`);
  return true;
};

const logLine = object<LogLine>({
  pod: str,
  container: str,
  ts: str,
  text: str,
  previous: optional(trueOnly),
});
const logNote = object<LogNote>({
  kind: oneOf(NOTE_KINDS),
  pod: str,
  container: optional(str),
  at: str,
  message: str,
});
const options = object<LogStreamOptions>({
  sinceSeconds: optional(int),
  tailLines: optional(int),
  previous: bool,
});
const marker = object<DeployMarker>({ at: str, label: str });
const state = oneOf(STATES);

const podUsage = object<PodUsage>({
  pod: str,
  cpuMillicores: optional(num),
  memoryBytes: optional(num),
  cpuRequestMillicores: optional(num),
  cpuLimitMillicores: optional(num),
  memoryRequestBytes: optional(num),
  memoryLimitBytes: optional(num),
});
const hpaSample = object<HpaSample>({
  name: str,
  current: int,
  desired: int,
  min: int,
  max: int,
  targets: array(str),
});
const redSample = object<RedSample>({
  source: oneOf(['pods', 'prometheus'] as const),
  requestsPerSecond: num,
  errorRate: num,
  p95Ms: optional(num),
});
const metricSample = object<MetricSample>({
  at: str,
  pods: array(podUsage),
  usageError: optional(str),
  hpa: optional(array(hpaSample)),
  red: optional(redSample),
  redError: optional(str),
});
const metricWindow: Check<MetricWindow> = (v, p = 'value') => {
  if (!(METRIC_WINDOWS as readonly unknown[]).includes(v))
    throw new CheckError(`${p} must be one of ${METRIC_WINDOWS.join(', ')}`);
  return v as MetricWindow;
};

const HOST_TO_LOG: { [K in HostToLogPanel['type']]: Check<Extract<HostToLogPanel, { type: K }>> } = {
  init: object({ type: oneOf(['init'] as const), title: str, options, pods: array(str) }),
  lines: object({ type: oneOf(['lines'] as const), lines: array(logLine) }),
  notes: object({ type: oneOf(['notes'] as const), notes: array(logNote) }),
  state: object<Extract<HostToLogPanel, { type: 'state' }>>({
    type: oneOf(['state'] as const),
    state,
    message: optional(str),
  }),
  markers: object({ type: oneOf(['markers'] as const), markers: array(marker) }),
  reset: object({ type: oneOf(['reset'] as const), options }),
};

const LOG_TO_HOST: { [K in LogPanelToHost['type']]: Check<Extract<LogPanelToHost, { type: K }>> } = {
  ready: object({ type: oneOf(['ready'] as const) }),
  copy: object({ type: oneOf(['copy'] as const), text: str, lines: int }),
  save: object({ type: oneOf(['save'] as const), text: str }),
  restart: object({ type: oneOf(['restart'] as const), options }),
};

const HOST_TO_METRIC: { [K in HostToMetricPanel['type']]: Check<Extract<HostToMetricPanel, { type: K }>> } = {
  init: object<Extract<HostToMetricPanel, { type: 'init' }>>({
    type: oneOf(['init'] as const),
    title: str,
    intervalSeconds: int,
    window: metricWindow,
    prometheus: optional(str),
  }),
  samples: object({ type: oneOf(['samples'] as const), samples: array(metricSample) }),
  state: object<Extract<HostToMetricPanel, { type: 'state' }>>({
    type: oneOf(['state'] as const),
    state,
    message: optional(str),
  }),
  markers: object({ type: oneOf(['markers'] as const), markers: array(marker) }),
  reset: object({ type: oneOf(['reset'] as const), intervalSeconds: int }),
};

const METRIC_TO_HOST: { [K in MetricPanelToHost['type']]: Check<Extract<MetricPanelToHost, { type: K }>> } = {
  ready: object({ type: oneOf(['ready'] as const) }),
  interval: object({ type: oneOf(['interval'] as const), intervalSeconds: int }),
  window: object({ type: oneOf(['window'] as const), window: metricWindow }),
};

/** Checks a message against the table of its type; `undefined` for anything not whole and valid. */
function parseBy<M extends { type: string }>(
  table: Record<string, Check<unknown>>,
  v: unknown,
): M | undefined {
  try {
    const type = record(v, 'message')['type'];
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) return undefined;
    return table[type]!(v, 'message') as M;
  } catch (e) {
    if (e instanceof CheckError) return undefined;
    throw e;
  }
}

export const parseHostToLogPanel = (v: unknown): HostToLogPanel | undefined =>
  parseBy<HostToLogPanel>(HOST_TO_LOG, v);
export const parseLogPanelToHost = (v: unknown): LogPanelToHost | undefined =>
  parseBy<LogPanelToHost>(LOG_TO_HOST, v);
export const parseHostToMetricPanel = (v: unknown): HostToMetricPanel | undefined =>
  parseBy<HostToMetricPanel>(HOST_TO_METRIC, v);
export const parseMetricPanelToHost = (v: unknown): MetricPanelToHost | undefined =>
  parseBy<MetricPanelToHost>(METRIC_TO_HOST, v);
