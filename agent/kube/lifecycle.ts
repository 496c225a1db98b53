/**
 * Ownership and time for the Kubernetes layer: disposables, private emitters with public events, and the
 * injectable clock, delay and scheduler that tests replace (STYLE rules 3, 4 and 9).
 */

export interface Disposable {
  dispose(): void;
}

export type Listener<E> = (event: E) => void;

/** Subscribes a listener; the returned Disposable unsubscribes it. */
export type Event<E> = (listener: Listener<E>) => Disposable;

/** A private emitter: owners fire it, everybody else only sees its `event`. */
export class Emitter<E> {
  private readonly listeners = new Set<Listener<E>>();

  readonly event: Event<E> = (listener) => {
    // Wrapping makes the same function subscribable twice, each with its own Disposable.
    const entry: Listener<E> = (e) => listener(e);
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  };

  fire(event: E): void {
    for (const l of [...this.listeners]) l(event);
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Milliseconds since the epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Waits `ms`, or less when `signal` aborts; never rejects, so loops simply re-check their own state. */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

export const realDelay: Delay = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** Runs `fn` once after `ms`; the returned function cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};
