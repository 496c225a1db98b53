export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** In [0, 1); injectable so tests get exact delays. */
  random?: () => number;
}

/**
 * Capped exponential backoff with "equal jitter": each wait is between half and all of the current step,
 * so many agents that lost the same cluster do not come back in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions = {}) {}

  next(): number {
    const initial = this.opts.initialMs ?? 500;
    const max = this.opts.maxMs ?? 30_000;
    const step = Math.min(max, initial * (this.opts.factor ?? 2) ** this.attempt);
    // Stop counting once capped so the exponent cannot grow without bound.
    if (step < max) this.attempt++;
    const r = (this.opts.random ?? Math.random)();
    return Math.round(step / 2 + (step / 2) * r);
  }

  reset(): void {
    this.attempt = 0;
  }
}
