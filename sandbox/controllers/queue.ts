import type { Clock, Timer } from '../clock';

export interface WorkQueueOptions {
  /** Delay before a batch of added keys is processed, so bursts of changes coalesce (default 5 ms). */
  batchDelayMs?: number;
  /** First retry delay after a failed sync; each further failure doubles it (default 5 ms). */
  baseBackoffMs?: number;
  /** Longest retry delay (default 60 s). */
  maxBackoffMs?: number;
}

/**
 * A keyed work queue like client-go's rate-limited queue: a key added many times before it is processed
 * is processed once; keys are processed on a clock timer; a failed key is retried with exponential
 * back-off until a sync succeeds. A key added while it is being processed is processed again afterwards.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly failures = new Map<string, number>();
  private flushTimer: Timer | undefined;
  private stopped = false;
  private readonly batchDelayMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly sync: (key: string) => void,
    private readonly onError: (key: string, err: unknown) => void,
    opts: WorkQueueOptions = {},
  ) {
    this.batchDelayMs = opts.batchDelayMs ?? 5;
    this.baseBackoffMs = opts.baseBackoffMs ?? 5;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
  }

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.flushTimer ??= this.clock.setTimeout(() => this.flush(), this.batchDelayMs);
  }

  /** Adds the key after `ms`; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Retries a failed key after an exponentially growing delay. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.baseBackoffMs * 2 ** n, this.maxBackoffMs));
  }

  /** Resets a key's back-off, after a successful sync. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  stop(): void {
    this.stopped = true;
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    this.pending.clear();
  }

  private flush(): void {
    this.flushTimer = undefined;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        this.sync(key);
        this.forget(key);
      } catch (e) {
        this.onError(key, e);
        this.addRateLimited(key);
      }
    }
  }
}
