/** Anything that holds a resource until it is disposed; `vscode.Disposable` fits this shape. */
export interface Disposable {
  dispose(): unknown;
}

/**
 * Owns long-lived things: watches, subscriptions, timers, in-flight requests. Clearing the scope disposes
 * them in reverse order of creation and aborts its signal; the extension has one scope for its lifetime
 * and the supervisor one per agent connection, cleared on every reconnect.
 */
export class Scope implements Disposable {
  private items: Disposable[] = [];
  private controller = new AbortController();
  private disposed = false;

  /** Aborted when the scope is cleared or disposed; pass it to requests that must not outlive the scope. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Adds `item` to the scope; a disposed scope disposes it at once, so nothing leaks after shutdown. */
  add<D extends Disposable>(item: D): D {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Adds a clean-up function. */
  defer(fn: () => void): Disposable {
    return this.add({ dispose: fn });
  }

  /** A scope that ends with this one, or earlier when disposed itself. */
  child(): Scope {
    const child = new Scope();
    const entry = this.add({ dispose: () => child.dispose() });
    child.defer(() => this.remove(entry));
    return child;
  }

  /** Stops tracking `item` without disposing it. */
  remove(item: Disposable): void {
    const i = this.items.indexOf(item);
    if (i >= 0) this.items.splice(i, 1);
  }

  /** Disposes everything added so far; the scope stays usable with a fresh signal. */
  clear(): void {
    const items = this.items;
    this.items = [];
    this.controller.abort();
    this.controller = new AbortController();
    disposeAll(items.reverse());
  }

  dispose(): void {
    if (this.disposed) return;
    this.clear();
    this.disposed = true;
    this.controller.abort();
  }
}

/**
 * Disposes every item even when some throw, then rethrows: one faulty clean-up must not leave the others
 * running, and its error must not be lost either.
 */
export function disposeAll(items: readonly Disposable[]): void {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      item.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Several clean-ups failed.');
}
