/**
 * The HTTP application inside one simulated pod. It binds the pod's own loopback address on every
 * declared container port and answers probes, a Prometheus endpoint, an echo endpoint, a bulk download
 * (`/bytes?n=`, for throughput tests) and a hello page, so port-forwards, service proxies and metrics
 * scrapes in the sandbox reach something real.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, Timer } from '../clock';
import type { Behavior } from './behavior';
import { hashString } from './log-generator';

export interface PodAppOptions {
  ip: string;
  /** Container ports to serve; 0 binds a free port, see `bindings()`. */
  ports: readonly number[];
  /** Paths of the pod's HTTP probes; they answer from `setState`. */
  probePaths: readonly string[];
  /**
   * Which of `probePaths` are readiness probes. Without it, paths mentioning "ready" count as
   * readiness and the rest as liveness-type (liveness and startup).
   */
  readinessPaths?: readonly string[];
  behavior: Behavior;
  clock: Clock;
  onAccessLog: (line: string) => void;
  podName: string;
  namespace: string;
}

export interface PodState {
  started: boolean;
  ready: boolean;
}

/** The outcome of binding one requested port. */
export interface PortBinding {
  requestedPort: number;
  /** The bound port, absent when binding failed. */
  port?: number;
  /** Why binding failed, e.g. code `EADDRINUSE`. */
  error?: { code: string; message: string };
}

export interface ResourceUsage {
  cpuMillicores: number;
  memoryBytes: number;
}

const LIVENESS_PATHS = ['/health', '/healthz', '/livez'];
const READINESS_PATHS = ['/ready', '/readyz'];
const MAX_BODY_BYTES = 1024 * 1024;

type ProbeKind = 'liveness' | 'readiness';
type Route = 'metrics' | 'echo' | 'bytes' | 'root' | 'unmatched';

interface Reply {
  status: number;
  contentType: string;
  body: string;
  /** Instead of `body`: this many bytes of a fixed pattern, streamed (`GET /bytes?n=`). */
  streamBytes?: number;
}

/** The most `/bytes` sends in one response. */
const MAX_STREAM_BYTES = 1024 ** 3;
const PATTERN = Buffer.alloc(64 * 1024, 'slipway-sandbox-bytes\n');

interface RequestInfo {
  req: http.IncomingMessage;
  path: string;
  query: string;
  body: string;
  tooLarge: boolean;
  port: number;
}

export class PodApp {
  private readonly opts: PodAppOptions;
  private readonly probes = new Map<string, ProbeKind>();
  private readonly metrics = new RequestMetrics();
  private readonly load: LoadModel;
  private readonly pending = new Set<Timer>();
  private servers: http.Server[] = [];
  private bound: PortBinding[] = [];
  private state: PodState = { started: false, ready: false };
  private errorCarry = 0;

  constructor(opts: PodAppOptions) {
    this.opts = opts;
    this.load = new LoadModel(opts.clock, hashString(`${opts.namespace}/${opts.podName}`));
    this.classifyProbes();
  }

  /**
   * Binds every port. A port that cannot be bound (typically EADDRINUSE) does not reject or crash:
   * it is recorded in `bindings()` and reported as a process warning, and the other ports still serve.
   */
  async listen(): Promise<void> {
    if (this.servers.length > 0) throw new Error(`pod ${this.label()}: already listening`);
    const ports = this.opts.ports.filter((p, i, all) => p === 0 || all.indexOf(p) === i);
    this.bound = await Promise.all(ports.map((p) => this.bindOne(p)));
    for (const b of this.bound) {
      if (b.error !== undefined) process.emitWarning(b.error.message, { code: b.error.code });
    }
  }

  /** Stops serving: pending delayed answers are dropped and open connections are cut. */
  async close(): Promise<void> {
    for (const t of this.pending) t.cancel();
    this.pending.clear();
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((s) => closeServer(s)));
  }

  setState(state: PodState): void {
    this.state = { ...state };
  }

  bindings(): readonly PortBinding[] {
    return this.bound;
  }

  /** The ports actually being served, in the order requested. */
  boundPorts(): number[] {
    return this.bound.flatMap((b) => (b.port === undefined ? [] : [b.port]));
  }

  /** Synthetic usage for metrics.k8s.io: a per-pod baseline plus load, slow drift and startup cost. */
  usage(): ResourceUsage {
    return this.load.usage(this.state.started);
  }

  private label(): string {
    return `${this.opts.namespace}/${this.opts.podName}`;
  }

  private classifyProbes(): void {
    for (const p of LIVENESS_PATHS) this.probes.set(p, 'liveness');
    for (const p of READINESS_PATHS) this.probes.set(p, 'readiness');
    const explicit = this.opts.readinessPaths?.map(stripQuery);
    for (const raw of this.opts.probePaths) {
      const path = stripQuery(raw);
      const isReadiness = explicit === undefined ? /ready|readiness/i.test(path) : explicit.includes(path);
      this.probes.set(path, isReadiness ? 'readiness' : 'liveness');
    }
    for (const path of explicit ?? []) this.probes.set(path, 'readiness');
  }

  private bindOne(requestedPort: number): Promise<PortBinding> {
    return new Promise((resolve) => {
      let port = 0;
      const server = http.createServer((req, res) => this.handle(req, res, port));
      server.once('error', (err: NodeJS.ErrnoException) => {
        resolve({ requestedPort, error: this.describeBindError(err, requestedPort) });
      });
      server.listen({ host: this.opts.ip, port: requestedPort }, () => {
        server.removeAllListeners('error');
        // Errors after a successful bind (e.g. EMFILE on accept) must not take the sandbox down.
        server.on('error', (err) => process.emitWarning(`pod ${this.label()}: server error: ${err.message}`));
        this.servers.push(server);
        port = (server.address() as AddressInfo).port;
        resolve({ requestedPort, port });
      });
    });
  }

  private describeBindError(err: NodeJS.ErrnoException, port: number): { code: string; message: string } {
    const code = err.code ?? 'UNKNOWN';
    const why = code === 'EADDRINUSE' ? 'address already in use' : err.message;
    return {
      code,
      message: `pod ${this.label()}: cannot listen on ${this.opts.ip}:${port}: ${why} (${code})`,
    };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, port: number): void {
    const started = this.opts.clock.now();
    readBody(req, (body, tooLarge) => {
      const [path, query] = splitUrl(req.url ?? '/');
      const info: RequestInfo = { req, path, query, body, tooLarge, port };
      const probe = this.probes.get(path);
      const reply = this.reply(info, probe);
      const delay = faultsApply(path, probe) ? this.opts.behavior.latencyMs : 0;
      this.sendLater(delay, () => this.send(info, res, reply, started, probe));
    });
  }

  private sendLater(delayMs: number, send: () => void): void {
    if (delayMs <= 0) {
      send();
      return;
    }
    const timer = this.opts.clock.setTimeout(() => {
      this.pending.delete(timer);
      send();
    }, delayMs);
    this.pending.add(timer);
  }

  private reply(info: RequestInfo, probe: ProbeKind | undefined): Reply {
    if (probe !== undefined) {
      const failure = this.probeFailure(probe);
      if (failure !== undefined) return json(503, { status: 'unavailable', reason: failure });
    } else if (!this.state.started) {
      return json(503, { error: 'service is starting' });
    }
    if (faultsApply(info.path, probe) && this.injectError()) {
      return json(500, { error: 'internal server error', pod: this.opts.podName });
    }
    return this.routeReply(info, probe);
  }

  /** Why a probe of this kind fails right now, or undefined when it passes. */
  private probeFailure(kind: ProbeKind): string | undefined {
    if (!this.state.started) return 'starting';
    if (kind === 'liveness') return this.opts.behavior.crash ? 'crashing' : undefined;
    if (this.opts.behavior.unready || !this.state.ready) return 'not ready';
    return undefined;
  }

  /**
   * Deterministic error injection: the ratio is accumulated per request and every time it reaches a
   * whole request that request fails, so `errors:0.25` fails exactly every fourth request.
   */
  private injectError(): boolean {
    const ratio = this.opts.behavior.errorRatio;
    if (ratio <= 0) return false;
    this.errorCarry += ratio;
    if (this.errorCarry < 1 - 1e-9) return false;
    this.errorCarry -= 1;
    return true;
  }

  private routeReply(info: RequestInfo, probe: ProbeKind | undefined): Reply {
    switch (routeOf(info.path)) {
      case 'metrics':
        return this.metricsReply();
      case 'echo':
        return info.tooLarge ? json(413, { error: 'request body too large' }) : json(200, this.echo(info));
      case 'bytes': {
        const n = Number(new URLSearchParams(info.query).get('n') ?? 'missing');
        if (!Number.isInteger(n) || n < 0 || n > MAX_STREAM_BYTES) {
          return json(400, { error: `n must be a whole number of bytes up to ${MAX_STREAM_BYTES}` });
        }
        return { status: 200, contentType: 'application/octet-stream', body: '', streamBytes: n };
      }
      case 'root':
        return json(200, this.hello(info));
      case 'unmatched':
        return probe === undefined
          ? json(404, { error: 'not found', path: info.path })
          : json(200, { status: 'ok' });
    }
  }

  private metricsReply(): Reply {
    const usage = this.usage();
    const body = this.metrics.render() + this.load.renderProcessMetrics(usage);
    return { status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body };
  }

  private echo(info: RequestInfo): Record<string, unknown> {
    return {
      method: info.req.method ?? 'GET',
      path: info.path,
      query: queryObject(info.query),
      headers: info.req.headers,
      body: info.body,
      pod: this.opts.podName,
      namespace: this.opts.namespace,
      ip: this.opts.ip,
      port: info.port,
    };
  }

  private hello(info: RequestInfo): Record<string, unknown> {
    return {
      message: `Hello from ${this.opts.podName}`,
      pod: this.opts.podName,
      namespace: this.opts.namespace,
      ip: this.opts.ip,
      port: info.port,
    };
  }

  private send(
    info: RequestInfo,
    res: http.ServerResponse,
    reply: Reply,
    started: number,
    probe?: ProbeKind,
  ): void {
    const bytes = reply.streamBytes ?? Buffer.byteLength(reply.body, 'utf8');
    res.on('finish', () => this.record(info, reply.status, bytes, started, probe));
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': bytes,
      'x-served-by': this.opts.podName,
    });
    if (reply.streamBytes === undefined) res.end(reply.body);
    else pump(res, reply.streamBytes);
  }

  private record(info: RequestInfo, status: number, bytes: number, started: number, probe?: ProbeKind): void {
    const now = this.opts.clock.now();
    const seconds = Math.max(0, now - started) / 1000;
    const route = routeOf(info.path);
    const pathLabel = probe !== undefined || route !== 'unmatched' ? info.path : 'unmatched';
    this.metrics.observe(info.req.method ?? 'GET', pathLabel, status, seconds);
    this.load.recordRequest();
    this.opts.onAccessLog(accessLogLine(info, status, bytes, seconds, now));
  }
}

/**
 * Injected errors and latency hit application traffic only. Probes are exempt because the kubelet
 * simulation owns probe outcomes, and /metrics is exempt because fault demos need working dashboards
 * (frameworks typically serve it from a separate management handler anyway).
 */
function faultsApply(path: string, probe: ProbeKind | undefined): boolean {
  return probe === undefined && routeOf(path) !== 'metrics';
}

/** Writes `n` pattern bytes as fast as the client reads them. */
function pump(res: http.ServerResponse, n: number): void {
  let left = n;
  const more = (): void => {
    while (left > 0) {
      const chunk = left >= PATTERN.length ? PATTERN : PATTERN.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', more);
        return;
      }
    }
    res.end();
  };
  more();
}

function routeOf(path: string): Route {
  if (path === '/metrics') return 'metrics';
  if (path === '/echo') return 'echo';
  if (path === '/bytes') return 'bytes';
  if (path === '/') return 'root';
  return 'unmatched';
}

function json(status: number, value: unknown): Reply {
  return { status, contentType: 'application/json', body: `${JSON.stringify(value)}\n` };
}

/** Splitting by hand avoids `new URL` reading a path like `//host/x` as a host name. */
function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

function stripQuery(path: string): string {
  return splitUrl(path)[0];
}

function queryObject(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const prior = out[key];
    out[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/**
 * Collects the request body up to a limit. Beyond it the rest is still drained, because a server that
 * answers before consuming the upload leaves the client with a reset connection.
 */
function readBody(req: http.IncomingMessage, done: (body: string, tooLarge: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => done(Buffer.concat(chunks).toString('utf8'), size > MAX_BODY_BYTES));
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `01/Jan/2026:00:00:00 +0000`, the timestamp of the Common Log Format, always in UTC. */
export function clfDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}`;
  return `${date}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Quotes a client-supplied value so it cannot break the log line apart. */
function quoted(value: string | undefined): string {
  if (value === undefined || value === '') return '"-"';
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${[...escaped].map((c) => (isControl(c) ? '?' : c)).join('')}"`;
}

function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** The nginx "combined" format followed by the request time in seconds, as many ingress setups log. */
function accessLogLine(
  info: RequestInfo,
  status: number,
  bytes: number,
  seconds: number,
  now: number,
): string {
  const req = info.req;
  const remote = req.socket.remoteAddress ?? '-';
  const request = quoted(`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`);
  const referer = quoted(req.headers.referer);
  const agent = quoted(req.headers['user-agent']);
  return `${remote} - - [${clfDate(now)}] ${request} ${status} ${bytes} ${referer} ${agent} ${seconds.toFixed(3)}`;
}

/** Prometheus' default histogram buckets, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  method: string;
  path: string;
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * Request counters and latency histograms. Unknown paths share the label `unmatched` so that a client
 * probing random URLs cannot create unbounded series.
 */
class RequestMetrics {
  private readonly counters = new Map<
    string,
    { method: string; path: string; status: number; value: number }
  >();
  private readonly histograms = new Map<string, Histogram>();

  observe(method: string, path: string, status: number, seconds: number): void {
    const ckey = `${method} ${path} ${status}`;
    const counter = this.counters.get(ckey) ?? { method, path, status, value: 0 };
    counter.value++;
    this.counters.set(ckey, counter);
    const hkey = `${method} ${path}`;
    const h = this.histograms.get(hkey) ?? {
      method,
      path,
      buckets: DURATION_BUCKETS.map(() => 0),
      sum: 0,
      count: 0,
    };
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.buckets[i]!++;
    });
    h.sum += seconds;
    h.count++;
    this.histograms.set(hkey, h);
  }

  render(): string {
    const lines = [
      '# HELP http_requests_total Total number of HTTP requests handled.',
      '# TYPE http_requests_total counter',
    ];
    for (const c of this.counters.values()) {
      lines.push(
        `http_requests_total${labels({ method: c.method, path: c.path, status: String(c.status) })} ${c.value}`,
      );
    }
    lines.push('# HELP http_request_duration_seconds Time spent answering HTTP requests.');
    lines.push('# TYPE http_request_duration_seconds histogram');
    for (const h of this.histograms.values()) lines.push(...histogramLines(h));
    return `${lines.join('\n')}\n`;
  }
}

function histogramLines(h: Histogram): string[] {
  const base = { method: h.method, path: h.path };
  const name = 'http_request_duration_seconds';
  const lines = DURATION_BUCKETS.map(
    (le, i) => `${name}_bucket${labels({ ...base, le: String(le) })} ${h.buckets[i]}`,
  );
  lines.push(`${name}_bucket${labels({ ...base, le: '+Inf' })} ${h.count}`);
  lines.push(`${name}_sum${labels(base)} ${h.sum}`);
  lines.push(`${name}_count${labels(base)} ${h.count}`);
  return lines;
}

function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `{${parts.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * Invents resource usage that behaves like a small JVM service: a baseline that differs per pod, CPU
 * that follows the request rate of the last minute, memory that grows with traffic up to a plateau,
 * a slow sinusoidal drift so graphs are not flat, and a CPU spike while the process is still starting.
 */
class LoadModel {
  private readonly perSecond = new Array<number>(60).fill(0);
  private readonly secondOf = new Array<number>(60).fill(-1);
  private readonly startMs: number;
  private readonly baseCpu: number;
  private readonly baseMemory: number;
  private readonly phase: number;
  private totalRequests = 0;
  private cpuSeconds = 0;
  private lastSample: number;

  constructor(
    private readonly clock: Clock,
    seed: number,
  ) {
    this.startMs = clock.now();
    this.lastSample = this.startMs;
    this.baseCpu = 2 + (seed % 5);
    this.baseMemory = 96 * 1024 * 1024 + (seed % 32) * 1024 * 1024;
    this.phase = ((seed >>> 8) % 628) / 100;
  }

  recordRequest(): void {
    const second = Math.floor(this.clock.now() / 1000);
    const slot = second % 60;
    if (this.secondOf[slot] !== second) {
      this.secondOf[slot] = second;
      this.perSecond[slot] = 0;
    }
    this.perSecond[slot]!++;
    this.totalRequests++;
  }

  usage(started: boolean): ResourceUsage {
    const now = this.clock.now();
    const rate = this.requestRate(now);
    const t = (now - this.startMs) / 1000;
    const drift = Math.sin((2 * Math.PI * t) / 300 + this.phase);
    const cpu = started ? this.baseCpu + rate * 0.8 + drift * 1.5 : 180 + drift * 20;
    const growth = Math.min(this.totalRequests * 2048, 64 * 1024 * 1024);
    const memory = this.baseMemory + growth + rate * 256 * 1024 + drift * 2 * 1024 * 1024;
    const usage = { cpuMillicores: Math.max(1, Math.round(cpu)), memoryBytes: pageAlign(memory) };
    this.accumulateCpu(now, usage.cpuMillicores);
    return usage;
  }

  /** Prometheus process metrics consistent with `usage()`. */
  renderProcessMetrics(usage: ResourceUsage): string {
    return [
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
      '# TYPE process_cpu_seconds_total counter',
      `process_cpu_seconds_total ${round6(this.cpuSeconds)}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${usage.memoryBytes}`,
      '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${this.startMs / 1000}`,
      '',
    ].join('\n');
  }

  /** CPU time is the integral of usage, so the counter only grows and matches the reported rate. */
  private accumulateCpu(now: number, millicores: number): void {
    const dt = Math.max(0, now - this.lastSample) / 1000;
    this.cpuSeconds += (millicores / 1000) * dt;
    this.lastSample = Math.max(now, this.lastSample);
  }

  private requestRate(now: number): number {
    const current = Math.floor(now / 1000);
    let total = 0;
    for (let i = 0; i < 60; i++) {
      const second = this.secondOf[i]!;
      if (second > current - 60 && second <= current) total += this.perSecond[i]!;
    }
    return total / 60;
  }
}

function pageAlign(bytes: number): number {
  return Math.max(4096, Math.round(bytes / 4096) * 4096);
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
