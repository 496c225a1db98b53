import type { Disposable } from './scope';

/** Timers injected so tests can drive time (house style rule 9). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Coalesces bursts of changes into one call of `flush`, at most once per `delayMs`: a rollout can produce
 * hundreds of deltas a second, and a tree should redraw a few times a second, not hundreds.
 */
export class Coalescer implements Disposable {
  private handle: unknown;
  private pending = false;
  private disposed = false;

  constructor(
    private readonly flush: () => void,
    private readonly delayMs = 100,
    private readonly timers: Timers = realTimers,
  ) {}

  schedule(): void {
    if (this.disposed || this.pending) return;
    this.pending = true;
    this.handle = this.timers.setTimeout(() => {
      this.pending = false;
      this.handle = undefined;
      if (!this.disposed) this.flush();
    }, this.delayMs);
  }

  dispose(): void {
    this.disposed = true;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
