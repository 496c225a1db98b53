export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000, factor: 2 };

/**
 * How long to wait before reconnect attempt number `failures` (0 after the first failure): 100 ms, 200 ms,
 * 400 ms … capped at 5 s, so a restarting agent is found at once and a missing one costs little.
 */
export function backoffDelay(failures: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  if (failures <= 0) return o.initialMs;
  // Past the cap the exponent no longer matters; stopping early keeps the number finite.
  const capAt = Math.ceil(Math.log(o.maxMs / o.initialMs) / Math.log(o.factor));
  return Math.min(o.maxMs, o.initialMs * o.factor ** Math.min(failures, capAt));
}
