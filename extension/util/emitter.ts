import { type Disposable, disposeAll } from './scope';

/**
 * A subscribable event, shaped like `vscode.Event` so it can be handed to VS Code APIs as is, but free
 * of the `vscode` module so the modules that fire it can be tested in plain Node.
 */
export type Event<T> = (
  listener: (e: T) => unknown,
  thisArgs?: unknown,
  disposables?: Disposable[],
) => { dispose(): void };

/** Keep the emitter private and expose its `event` (house style rule 4). */
export class Emitter<T> implements Disposable {
  private readonly listeners = new Set<{ fn: (e: T) => unknown; thisArgs: unknown }>();
  private disposed = false;

  readonly event: Event<T> = (fn, thisArgs, disposables) => {
    const entry = { fn, thisArgs };
    if (!this.disposed) this.listeners.add(entry);
    const subscription = { dispose: () => void this.listeners.delete(entry) };
    disposables?.push(subscription);
    return subscription;
  };

  /** Calls every listener even when one throws; the errors are rethrown afterwards. */
  fire(e: T): void {
    disposeAll(
      [...this.listeners].map((l) => ({
        dispose: () => l.fn.call(l.thisArgs, e),
      })),
    );
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}
