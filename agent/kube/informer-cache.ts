import type { BackoffOptions } from './backoff';
import { Informer, type InformerHandle, type InformerOptions, type InformerView } from './informer';
import { kubeConfigFor, type LoadedKubeconfig } from './kubeconfig';
import { realSchedule, type Clock, type Delay, type Schedule } from './lifecycle';
import type { KubeObject } from './objects';
import { RESOURCES, type ResourceName, type ResourceObjects } from './resources';
import { ClientNodeTransport, type ClientNodeTransportOptions } from './transport';

export interface InformerKey {
  context: string;
  resource: ResourceName;
  /** Undefined for all namespaces and for cluster-scoped resources. */
  namespace: string | undefined;
}

/** Makes the informer for a key; it must hold objects of the key's resource type (ResourceObjects). */
export type InformerFactory = (key: InformerKey) => InformerHandle<KubeObject>;

export interface Lease<T> {
  readonly informer: InformerView<T>;
  /** Gives the informer back; calling it again does nothing. */
  release(): void;
}

export interface InformerCacheOptions {
  create: InformerFactory;
  /** How long an informer nobody uses stays open, so switching views back and forth does not re-list. */
  lingerMs?: number;
  schedule?: Schedule;
}

interface Entry {
  informer: InformerHandle<KubeObject>;
  leases: number;
  cancelLinger: (() => void) | undefined;
}

/**
 * Shares informers by (context, resource, namespace): opened on the first acquire, closed a linger after
 * the last lease is released, all closed by dispose.
 */
export class InformerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly schedule: Schedule;
  private readonly lingerMs: number;
  private readonly stopping = new Set<Promise<void>>();

  constructor(private readonly opts: InformerCacheOptions) {
    this.schedule = opts.schedule ?? realSchedule;
    this.lingerMs = opts.lingerMs ?? 30_000;
  }

  acquire<R extends ResourceName>(
    context: string,
    resource: R,
    namespace?: string,
  ): Lease<ResourceObjects[R]> {
    const key: InformerKey = {
      context,
      resource,
      namespace: RESOURCES[resource].namespaced ? namespace : undefined,
    };
    const id = JSON.stringify([key.context, key.resource, key.namespace ?? null]);
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { informer: this.opts.create(key), leases: 0, cancelLinger: undefined };
      this.entries.set(id, entry);
      entry.informer.start();
    }
    entry.cancelLinger?.();
    entry.cancelLinger = undefined;
    entry.leases++;
    const held = entry;
    let released = false;
    return {
      // The factory's contract: the informer for `resource` holds ResourceObjects[resource].
      informer: held.informer as unknown as InformerView<ResourceObjects[R]>,
      release: () => {
        if (released) return;
        released = true;
        held.leases--;
        if (held.leases > 0) return;
        held.cancelLinger = this.schedule(() => this.close(id, held), this.lingerMs);
      },
    };
  }

  private close(id: string, entry: Entry): void {
    if (this.entries.get(id) !== entry || entry.leases > 0) return;
    this.entries.delete(id);
    entry.cancelLinger = undefined;
    const done = entry.informer.stop();
    this.stopping.add(done);
    void done.finally(() => this.stopping.delete(done));
  }

  /** Open informers, including lingering ones. */
  get size(): number {
    return this.entries.size;
  }

  /** Stops every informer now, leased or not; resolves when all have stopped. */
  async dispose(): Promise<void> {
    for (const [id, entry] of [...this.entries]) {
      entry.cancelLinger?.();
      entry.leases = 0;
      this.close(id, entry);
    }
    await Promise.all([...this.stopping]);
  }
}

export interface ClientNodeInformerOptions {
  delay?: Delay;
  clock?: Clock;
  backoff?: BackoffOptions;
  transport?: Partial<Omit<ClientNodeTransportOptions, 'context' | 'kubeConfig'>>;
}

/**
 * The production factory: each informer gets a client-node transport that builds its KubeConfig from the
 * kubeconfig as loaded at the time, so a fixed kubeconfig or renewed login is picked up on the next retry.
 */
export function clientNodeInformers(
  loaded: () => LoadedKubeconfig,
  opts: ClientNodeInformerOptions = {},
): InformerFactory {
  return (key) => {
    const transport = new ClientNodeTransport({
      ...opts.transport,
      context: key.context,
      kubeConfig: () => kubeConfigFor(loaded(), key.context),
    });
    const informerOpts: InformerOptions = {
      transport,
      resource: RESOURCES[key.resource],
    };
    if (key.namespace !== undefined) informerOpts.namespace = key.namespace;
    if (opts.delay !== undefined) informerOpts.delay = opts.delay;
    if (opts.clock !== undefined) informerOpts.clock = opts.clock;
    if (opts.backoff !== undefined) informerOpts.backoff = opts.backoff;
    return new Informer<KubeObject>(informerOpts);
  };
}
