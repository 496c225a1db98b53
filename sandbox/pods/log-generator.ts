/**
 * Synthetic application output for simulated containers, so log views, filters and level highlighting
 * have something realistic to show: a service boot sequence, then a steady mix of plain logback-style
 * lines and structured JSON lines. Everything is driven by the injected clock and a seeded random
 * source, so tests with a manual clock see the same lines every time.
 */
import type { Clock, Timer } from '../clock';

export interface LogGeneratorOptions {
  clock: Clock;
  /** Lines per second after startup; 0 writes nothing at all (only access logs remain). */
  ratePerSec: number;
  write: (line: string) => void;
  podName: string;
  container: string;
  /** Overrides the seed otherwise derived from pod and container name. */
  seed?: number;
  /** `sequence`: only `seq=N POD/CONTAINER` lines, N counting from 1 per container instance. */
  format?: 'mixed' | 'sequence';
}

/** Ticks never come more often than this; higher rates write several lines per tick instead. */
const MIN_TICK_MS = 100;

/**
 * Writes the startup lines at once, then `ratePerSec` lines per second on average until cancelled.
 * Fractional lines per tick are carried over so that long-run counts match the rate exactly.
 */
export function startLogGenerator(opts: LogGeneratorOptions): Timer {
  if (!(opts.ratePerSec > 0) || !Number.isFinite(opts.ratePerSec)) return { cancel: () => {} };
  const random = mulberry32(opts.seed ?? hashString(`${opts.podName}/${opts.container}`));
  const ctx: LineContext = { random, service: serviceNameFor(opts.podName), now: opts.clock.now() };
  let seq = 0;
  const sequence = opts.format === 'sequence';
  const next = (): string => (sequence ? `seq=${++seq} ${opts.podName}/${opts.container}` : steadyLine(ctx));
  if (!sequence) for (const line of startupLines(ctx)) opts.write(line);
  const tickMs = Math.max(MIN_TICK_MS, 1000 / opts.ratePerSec);
  const perTick = (opts.ratePerSec * tickMs) / 1000;
  let carry = 0;
  return opts.clock.setInterval(() => {
    carry += perTick;
    ctx.now = opts.clock.now();
    // The small epsilon absorbs floating-point error so, e.g., 0.1 added ten times still yields a line.
    for (; carry >= 1 - 1e-9; carry--) opts.write(next());
  }, tickMs);
}

/**
 * The last line a crashing container prints, in the style of a Go panic (which carries no timestamp).
 * It is one line so the kubelet can also use it as a terminated state's `message`.
 */
export function crashMessage(container: string): string {
  return `panic: ${container}: cannot start: dial tcp postgres:5432: connect: connection refused`;
}

/** A fuller crash sequence for callers that want context before the panic line, oldest line first. */
export function crashLogLines(opts: { podName: string; container: string; now: number }): string[] {
  const ts = new Date(opts.now).toISOString();
  const service = serviceNameFor(opts.podName);
  return [
    JSON.stringify({
      level: 'error',
      ts,
      logger: 'db',
      msg: 'database connection failed',
      attempt: 3,
      error: 'connection refused',
    }),
    JSON.stringify({
      level: 'fatal',
      ts,
      logger: 'main',
      msg: `${service} cannot start without its database`,
      exit_code: 2,
    }),
    crashMessage(opts.container),
  ];
}

/**
 * Turns a pod name into a plausible service class name: `orders-api-7d9f8c6b5-x2k9q` becomes
 * `OrdersApiService`. The ReplicaSet hash, pod suffix and StatefulSet ordinal are generated parts, so
 * they are stripped first.
 */
export function serviceNameFor(podName: string): string {
  const base = podName
    .replace(/-[a-z0-9]{5}$/, '')
    .replace(/-[a-f0-9]{6,10}$/, '')
    .replace(/-\d+$/, '');
  const pascal = (base === '' ? podName : base)
    .split(/[^a-zA-Z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  return `${pascal === '' ? 'App' : pascal}Service`;
}

interface LineContext {
  random: () => number;
  service: string;
  now: number;
}

function startupLines(ctx: LineContext): string[] {
  const ts = new Date(ctx.now).toISOString();
  const pkg = `c.e.${lowerFirst(ctx.service)}`;
  const bootSeconds = (1.5 + ctx.random() * 2).toFixed(1);
  return [
    plain(
      ts,
      'INFO',
      'main',
      `${pkg}.Application`,
      `Starting ${ctx.service} v1.4.2 using Java 21.0.5 with PID 1`,
    ),
    plain(
      ts,
      'INFO',
      'main',
      `${pkg}.Application`,
      'No active profile set, falling back to 1 default profile: "default"',
    ),
    plain(
      ts,
      'INFO',
      'main',
      'o.s.b.w.embedded.tomcat.TomcatWebServer',
      'Tomcat initialized with port 8080 (http)',
    ),
    plain(ts, 'INFO', 'main', 'com.zaxxer.hikari.HikariDataSource', 'HikariPool-1 - Start completed.'),
    plain(ts, 'INFO', 'main', `${pkg}.Application`, `Started ${ctx.service} in ${bootSeconds} seconds`),
  ];
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Weights typical of a service at info level with some debug loggers enabled. */
function pickLevel(random: () => number): Level {
  const r = random();
  if (r < 0.68) return 'info';
  if (r < 0.85) return 'debug';
  if (r < 0.95) return 'warn';
  return 'error';
}

function steadyLine(ctx: LineContext): string {
  const level = pickLevel(ctx.random);
  return ctx.random() < 0.5 ? jsonLine(ctx, level) : plainLine(ctx, level);
}

const PATHS = [
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/customers/{id}',
  '/api/v1/inventory',
  '/api/v1/cart',
];

function jsonLine(ctx: LineContext, level: Level): string {
  const ts = new Date(ctx.now).toISOString();
  const r = ctx.random;
  const path = pick(r, PATHS).replace('{id}', String(1000 + Math.floor(r() * 9000)));
  const fields: Record<Level, Record<string, string | number>> = {
    info: {
      msg: 'handled request',
      method: pick(r, ['GET', 'GET', 'GET', 'POST', 'PUT']),
      path,
      status: 200,
      duration_ms: 2 + Math.floor(r() * 40),
    },
    debug: {
      msg: 'cache lookup',
      key: `order:${1000 + Math.floor(r() * 9000)}`,
      hit: r() < 0.8 ? 'true' : 'false',
    },
    warn: {
      msg: 'slow upstream call',
      upstream: 'payments',
      duration_ms: 800 + Math.floor(r() * 1500),
      retry: 1,
    },
    error: { msg: 'request failed', path, status: 500, error: 'context deadline exceeded' },
  };
  return JSON.stringify({ level, ts, logger: 'http', ...fields[level] });
}

function plainLine(ctx: LineContext, level: Level): string {
  const ts = new Date(ctx.now).toISOString();
  const r = ctx.random;
  const pkg = `c.e.${lowerFirst(ctx.service)}`;
  const thread = `http-nio-8080-exec-${1 + Math.floor(r() * 10)}`;
  const n = Math.floor(r() * 50);
  const text: Record<Level, [string, string]> = {
    info: [`${pkg}.OrderController`, `Fetched ${n} orders for customer ${1000 + Math.floor(r() * 9000)}`],
    debug: [
      'com.zaxxer.hikari.pool.HikariPool',
      `HikariPool-1 - Pool stats (total=10, active=${n % 10}, idle=${10 - (n % 10)}, waiting=0)`,
    ],
    warn: [
      `${pkg}.PaymentClient`,
      `Retrying payment authorization (attempt 2 of 3) after ${200 + n * 10} ms`,
    ],
    error: [`${pkg}.PaymentClient`, 'Payment call failed: java.net.SocketTimeoutException: Read timed out'],
  };
  const [logger, msg] = text[level];
  return plain(ts, level === 'warn' ? 'WARN' : level.toUpperCase(), thread, logger, msg);
}

/** The logback default layout, level padded to five columns as in the brief's example. */
function plain(ts: string, level: string, thread: string, logger: string, msg: string): string {
  return `${ts} ${level.padEnd(5)} [${thread}] ${logger} - ${msg}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A small, fast, seedable PRNG; quality is ample for picking log lines. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, used so each pod gets its own but repeatable sequence of lines. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
