import {
  type AgentError,
  type ClusterStatus,
  type ContextInfo,
  AgentFailure,
  agentError,
} from '../../protocol';
import { Emitter, type Event } from '../util/emitter';
import type { Disposable } from '../util/scope';

export type StatusEntry =
  { kind: 'pending' } | { kind: 'done'; status: ClusterStatus } | { kind: 'failed'; error: AgentError };

export interface StatusSource {
  /** False while there is no agent to ask. */
  readonly connected: boolean;
  request(context: string, signal: AbortSignal): Promise<ClusterStatus>;
}

interface Slot {
  entry: StatusEntry;
  fingerprint: string;
  abort: AbortController;
}

/** A context's identity for reachability: the same name pointing elsewhere must be asked again. */
export function contextFingerprint(c: ContextInfo): string {
  return `${c.cluster}\u0000${c.server}\u0000${c.user}`;
}

/**
 * Reachability and server version per context, asked for lazily the first time a context is shown and
 * again on refresh, on reconnect, or when its kubeconfig entry changes.
 */
export class ClusterStatusCache implements Disposable {
  private readonly slots = new Map<string, Slot>();
  /** Contexts shown so far, with their fingerprint; asked again after a reconnect. */
  private readonly wanted = new Map<string, string>();
  private readonly changed = new Emitter<string>();
  readonly onDidChange: Event<string> = this.changed.event;

  constructor(private readonly source: StatusSource) {}

  get(context: string): StatusEntry | undefined {
    return this.slots.get(context)?.entry;
  }

  /** Asks for the context's status unless it is known (or being asked) for the same cluster. */
  ensure(c: ContextInfo): void {
    const fingerprint = contextFingerprint(c);
    this.wanted.set(c.name, fingerprint);
    const slot = this.slots.get(c.name);
    if (slot !== undefined && slot.fingerprint === fingerprint) return;
    this.start(c.name, fingerprint);
  }

  /** Asks again: one context, or every context shown so far. */
  refresh(context?: string): void {
    const names = context === undefined ? [...this.wanted.keys()] : [context];
    for (const name of names) {
      const fingerprint = this.wanted.get(name);
      if (fingerprint !== undefined) this.start(name, fingerprint);
    }
  }

  /** A new connection (perhaps a new agent): forget every answer and ask again for what is shown. */
  reconnected(): void {
    for (const slot of this.slots.values()) slot.abort.abort();
    this.slots.clear();
    this.refresh();
  }

  private start(name: string, fingerprint: string): void {
    this.slots.get(name)?.abort.abort();
    if (!this.source.connected) {
      // Asked again on reconnect; nothing to show meanwhile.
      if (this.slots.delete(name)) this.changed.fire(name);
      return;
    }
    const slot: Slot = { entry: { kind: 'pending' }, fingerprint, abort: new AbortController() };
    this.slots.set(name, slot);
    this.changed.fire(name);
    this.source.request(name, slot.abort.signal).then(
      (status) => this.settle(name, slot, { kind: 'done', status }),
      (e: unknown) =>
        this.settle(name, slot, {
          kind: 'failed',
          error:
            e instanceof AgentFailure
              ? e.error
              : agentError('INTERNAL', 'Slipway could not ask about this cluster.', String(e)),
        }),
    );
  }

  private settle(name: string, slot: Slot, entry: StatusEntry): void {
    // An answer for a request that was superseded or cancelled is dropped.
    if (this.slots.get(name) !== slot || slot.abort.signal.aborted) return;
    slot.entry = entry;
    this.changed.fire(name);
  }

  dispose(): void {
    for (const slot of this.slots.values()) slot.abort.abort();
    this.slots.clear();
    this.changed.dispose();
  }
}
