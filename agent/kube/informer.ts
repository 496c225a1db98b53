import { AgentFailure, type AgentError } from '../../protocol';
import { Backoff, type BackoffOptions } from './backoff';
import { deepEqual } from './equal';
import { toAgentError } from './errors';
import { Emitter, realDelay, systemClock, type Clock, type Delay, type Event } from './lifecycle';
import { objectKey, type KubeObject } from './objects';
import type { ResourceDescriptor } from './resources';
import type { KubeTransport, WatchEvent } from './transport';

export type InformerEvent<T> =
  | { type: 'add'; object: T }
  | { type: 'update'; object: T; old: T }
  | { type: 'delete'; object: T }
  /** The first complete list has been applied. */
  | { type: 'synced' }
  /** The informer started failing (it keeps retrying) or recovered (null). */
  | { type: 'error'; error: AgentError | null };

/** What users of a shared informer see: its objects and its events, but not its lifecycle. */
export interface InformerView<T> {
  /** Objects by "namespace/name" ("name" when cluster-scoped), as last seen. */
  readonly objects: ReadonlyMap<string, T>;
  readonly synced: boolean;
  readonly error: AgentError | null;
  readonly onChange: Event<InformerEvent<T>>;
}

export interface InformerHandle<T> extends InformerView<T> {
  start(): void;
  /** Aborts the watch and any wait; resolves once nothing of this informer runs any more. */
  stop(): Promise<void>;
}

export interface InformerOptions {
  transport: KubeTransport;
  resource: ResourceDescriptor;
  /** Undefined: all namespaces (and always for cluster-scoped resources). */
  namespace?: string;
  delay?: Delay;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** A watch that ends sooner than this without delivering anything counts as a failure for backoff. */
  minWatchMs?: number;
}

/**
 * Drops what no view reads and what costs most memory at 10,000 pods. The last-applied annotation goes
 * too: for a Secret applied with kubectl it repeats the secret's data in plain text.
 */
function prune<T extends KubeObject>(o: T): T {
  delete o.metadata.managedFields;
  const annotations = o.metadata.annotations;
  if (annotations !== undefined) delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return o;
}

/**
 * A list-then-watch cache of one collection. It resumes a watch from the last resourceVersion it saw,
 * lists again when the server's history has moved on (410, as a status or as an ERROR event), and after
 * any error waits with capped, jittered exponential backoff and tries again by itself: unlike
 * client-node's informer, it never stays stopped because of a failure.
 */
export class Informer<T extends KubeObject> implements InformerHandle<T> {
  private readonly items = new Map<string, T>();
  private readonly emitter = new Emitter<InformerEvent<T>>();
  private readonly backoff: Backoff;
  private readonly delay: Delay;
  private readonly clock: Clock;
  private resourceVersion: string | undefined;
  private running: { abort: AbortController; loop: Promise<void> } | undefined;
  private isSynced = false;
  private lastError: AgentError | null = null;

  readonly onChange: Event<InformerEvent<T>> = this.emitter.event;

  constructor(private readonly opts: InformerOptions) {
    this.backoff = new Backoff(opts.backoff);
    this.delay = opts.delay ?? realDelay;
    this.clock = opts.clock ?? systemClock;
  }

  get objects(): ReadonlyMap<string, T> {
    return this.items;
  }

  get synced(): boolean {
    return this.isSynced;
  }

  get error(): AgentError | null {
    return this.lastError;
  }

  /** The resourceVersion the next watch resumes from; undefined until the first list. */
  get version(): string | undefined {
    return this.resourceVersion;
  }

  start(): void {
    if (this.running !== undefined) return;
    const abort = new AbortController();
    this.running = { abort, loop: this.run(abort.signal) };
  }

  async stop(): Promise<void> {
    const r = this.running;
    if (r === undefined) return;
    this.running = undefined;
    r.abort.abort();
    await r.loop;
  }

  private setError(error: AgentError | null): void {
    if (deepEqual(error, this.lastError)) return;
    this.lastError = error;
    this.emitter.fire({ type: 'error', error });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { transport, resource, namespace } = this.opts;
    while (!signal.aborted) {
      let failure: AgentError | undefined;
      let quickClose = false;
      try {
        if (this.resourceVersion === undefined) {
          const list = await transport.list<T>(resource, namespace, signal);
          if (signal.aborted) break;
          this.replace(list.items, list.resourceVersion);
        }
        const started = this.clock();
        let events = 0;
        const end = await transport.watch<T>(
          resource,
          namespace,
          this.resourceVersion ?? '',
          {
            opened: () => {
              if (signal.aborted) return;
              this.backoff.reset();
              this.setError(null);
            },
            event: (e) => {
              if (signal.aborted) return;
              events++;
              this.apply(e);
            },
          },
          signal,
        );
        if (end.kind === 'gone') this.resourceVersion = undefined;
        else if (end.kind === 'failed') failure = end.error;
        else quickClose = events === 0 && this.clock() - started < (this.opts.minWatchMs ?? 1000);
      } catch (e) {
        failure = e instanceof AgentFailure ? e.error : toAgentError(e);
      }
      if (signal.aborted) break;
      if (failure !== undefined) this.setError(failure);
      // A stream the server closes at once would otherwise be reopened in a tight loop.
      if (failure !== undefined || quickClose) await this.delay(this.backoff.next(), signal);
    }
  }

  /** Applies a fresh list: adds, updates (by resourceVersion) and deletes what the list no longer has. */
  private replace(items: readonly T[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const raw of items) {
      const o = prune(raw);
      const key = objectKey(o);
      seen.add(key);
      const old = this.items.get(key);
      this.items.set(key, o);
      if (old === undefined) this.emitter.fire({ type: 'add', object: o });
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) {
        this.emitter.fire({ type: 'update', object: o, old });
      }
    }
    for (const [key, old] of [...this.items]) {
      if (seen.has(key)) continue;
      this.items.delete(key);
      this.emitter.fire({ type: 'delete', object: old });
    }
    this.resourceVersion = resourceVersion;
    this.backoff.reset();
    this.setError(null);
    if (!this.isSynced) {
      this.isSynced = true;
      this.emitter.fire({ type: 'synced' });
    }
  }

  private apply(e: WatchEvent<T>): void {
    if (e.type === 'BOOKMARK') {
      this.resourceVersion = e.resourceVersion;
      return;
    }
    const o = prune(e.object);
    const key = objectKey(o);
    const old = this.items.get(key);
    if (e.type === 'DELETED') {
      this.items.delete(key);
      if (old !== undefined) this.emitter.fire({ type: 'delete', object: o });
    } else {
      this.items.set(key, o);
      if (old === undefined) this.emitter.fire({ type: 'add', object: o });
      else this.emitter.fire({ type: 'update', object: o, old });
    }
    if (o.metadata.resourceVersion !== undefined) this.resourceVersion = o.metadata.resourceVersion;
  }
}
