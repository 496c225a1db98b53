/**
 * Time as the sandbox's controllers see it. Production code uses the system clock; tests inject a
 * manual clock to step through rollouts, probe periods and deadlines deterministically.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    h.unref();
    return { cancel: () => clearTimeout(h) };
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, ms);
    h.unref();
    return { cancel: () => clearInterval(h) };
  },
};

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  every?: number;
  cancelled: boolean;
}

/** A clock that only moves when told to: `advance(ms)` runs due timers in time order. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly queue: Scheduled[] = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.schedule(fn, ms);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.schedule(fn, ms, Math.max(1, ms));
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (next === undefined || next.at > end) break;
      this.queue.shift();
      if (next.cancelled) continue;
      this.time = next.at;
      if (next.every !== undefined) {
        next.at += next.every;
        this.queue.push(next);
      }
      next.fn();
    }
    this.time = end;
  }

  private schedule(fn: () => void, ms: number, every?: number): Timer {
    const entry: Scheduled = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    if (every !== undefined) entry.every = every;
    this.queue.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }
}
