/**
 * How a simulated container behaves, derived from its image reference and environment. This is the
 * documented contract that demos and tests elsewhere rely on to provoke crash loops, unready pods,
 * slow starts, error rates and latency without building real images.
 */

export interface Behavior {
  /** The container exits shortly after starting, so the kubelet restarts it (CrashLoopBackOff). */
  crash: boolean;
  /** The readiness probe never passes. */
  unready: boolean;
  /** How long the container takes after start before it can become ready. */
  slowStartMs: number;
  /** Share (0..1) of non-probe requests answered with a 5xx. */
  errorRatio: number;
  /** Added delay before every non-probe answer. */
  latencyMs: number;
  /** Generated application log lines per second; 0 means only access logs. */
  logRatePerSec: number;
  /** `mixed`: realistic plain and JSON lines; `sequence`: numbered lines a test can check for gaps. */
  logFormat: 'mixed' | 'sequence';
  /** Human-readable notes about settings that were invalid and therefore ignored. */
  warnings: string[];
}

export interface EnvVar {
  name: string;
  value?: string;
}

/** The start delay an image tag ending in `-slow` gets. */
export const SLOW_TAG_START_MS = 20_000;
/** The share of failing requests an image tag ending in `-errors` gets: a release that is up but broken. */
export const ERRORS_TAG_RATIO = 0.5;
export const DEFAULT_LOG_RATE_PER_SEC = 1;
/** Upper bounds keep a typo such as `latency:600000000` from wedging a demo or flooding memory. */
export const MAX_LOG_RATE_PER_SEC = 1_000;
export const MAX_LATENCY_MS = 120_000;
export const MAX_SLOW_START_SECONDS = 3_600;

export const BEHAVIOR_ENV = 'SANDBOX_BEHAVIOR';
export const LOG_RATE_ENV = 'SANDBOX_LOG_RATE';
export const LOG_FORMAT_ENV = 'SANDBOX_LOG_FORMAT';

/** A behaviour with nothing special about it, the result for any ordinary image. */
export function healthyBehavior(): Behavior {
  return {
    crash: false,
    unready: false,
    slowStartMs: 0,
    errorRatio: 0,
    latencyMs: 0,
    logRatePerSec: DEFAULT_LOG_RATE_PER_SEC,
    logFormat: 'mixed',
    warnings: [],
  };
}

/** Derives the behaviour of one container; the environment wins over the image tag where both speak. */
export function parseBehavior(image: string, env: readonly EnvVar[]): Behavior {
  const behavior = healthyBehavior();
  applyImageTag(behavior, imageTag(image));
  const spec = lastEnvValue(env, BEHAVIOR_ENV);
  if (spec !== undefined) applyBehaviorSpec(behavior, spec);
  const rate = lastEnvValue(env, LOG_RATE_ENV);
  if (rate !== undefined) applyLogRate(behavior, rate);
  const format = lastEnvValue(env, LOG_FORMAT_ENV);
  if (format === 'sequence' || format === 'mixed') behavior.logFormat = format;
  else if (format !== undefined)
    behavior.warnings.push(`${LOG_FORMAT_ENV}: ignoring "${format}": use mixed or sequence`);
  return behavior;
}

/**
 * The tag of an image reference, or '' when it has none. A colon only starts a tag when it comes after
 * the last slash, because `registry:5000/app` has a port, not a tag; a digest suffix is not part of it.
 */
export function imageTag(image: string): string {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(colon + 1) : '';
}

function applyImageTag(behavior: Behavior, tag: string): void {
  const lower = tag.toLowerCase();
  if (lower === 'crash' || lower.endsWith('-crash')) behavior.crash = true;
  if (lower === 'unready' || lower.endsWith('-unready')) behavior.unready = true;
  if (lower === 'slow' || lower.endsWith('-slow')) behavior.slowStartMs = SLOW_TAG_START_MS;
  if (lower === 'errors' || lower.endsWith('-errors')) behavior.errorRatio = ERRORS_TAG_RATIO;
}

/**
 * Kubernetes uses the last definition when a name repeats in `env`, so the same rule applies here.
 * Entries without a literal value (valueFrom) cannot be resolved by the sandbox and count as unset.
 */
function lastEnvValue(env: readonly EnvVar[], name: string): string | undefined {
  let found: string | undefined;
  for (const entry of env) {
    if (entry.name === name && entry.value !== undefined) found = entry.value;
  }
  return found;
}

function applyBehaviorSpec(behavior: Behavior, spec: string): void {
  for (const raw of spec.split(',')) {
    const token = raw.trim();
    if (token !== '') applyBehaviorToken(behavior, token);
  }
}

function applyBehaviorToken(behavior: Behavior, token: string): void {
  const colon = token.indexOf(':');
  const key = (colon < 0 ? token : token.slice(0, colon)).trim().toLowerCase();
  const value = colon < 0 ? undefined : token.slice(colon + 1).trim();
  const warn = (why: string): void => {
    behavior.warnings.push(`${BEHAVIOR_ENV}: ignoring "${token}": ${why}`);
  };
  if (value === undefined) {
    applyFlag(behavior, key, warn);
    return;
  }
  applyValued(behavior, key, value, warn);
}

function applyFlag(behavior: Behavior, key: string, warn: (why: string) => void): void {
  if (key === 'crash') behavior.crash = true;
  else if (key === 'unready') behavior.unready = true;
  else if (key === 'slow' || key === 'slow-start') behavior.slowStartMs = SLOW_TAG_START_MS;
  else if (key === 'healthy') return;
  else if (VALUED_KEYS.has(key)) warn('a value is required, e.g. "errors:0.2"');
  else warn('unknown behaviour');
}

const VALUED_KEYS = new Set(['errors', 'latency']);

function applyValued(behavior: Behavior, key: string, value: string, warn: (why: string) => void): void {
  const n = parseNumber(value);
  if (key === 'slow-start') {
    if (n === undefined || n < 0 || n > MAX_SLOW_START_SECONDS)
      warn(`seconds must be 0..${MAX_SLOW_START_SECONDS}`);
    else behavior.slowStartMs = Math.round(n * 1000);
  } else if (key === 'errors') {
    if (n === undefined || n < 0 || n > 1) warn('the error ratio must be a number from 0 to 1');
    else behavior.errorRatio = n;
  } else if (key === 'latency') {
    if (n === undefined || n < 0 || n > MAX_LATENCY_MS) warn(`latency must be 0..${MAX_LATENCY_MS} ms`);
    else behavior.latencyMs = Math.round(n);
  } else {
    warn('unknown behaviour');
  }
}

function applyLogRate(behavior: Behavior, raw: string): void {
  const n = parseNumber(raw.trim());
  if (n === undefined || n < 0 || n > MAX_LOG_RATE_PER_SEC) {
    behavior.warnings.push(
      `${LOG_RATE_ENV}: ignoring "${raw}": lines per second must be 0..${MAX_LOG_RATE_PER_SEC}; using ${DEFAULT_LOG_RATE_PER_SEC}`,
    );
    return;
  }
  behavior.logRatePerSec = n;
}

/** `Number('')` is 0 and `Number('0x10')` is 16; only plain decimal notation is accepted here. */
function parseNumber(text: string): number | undefined {
  if (!/^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
