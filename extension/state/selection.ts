import type { ContextInfo } from '../../protocol';
import { Emitter, type Event } from '../util/emitter';
import type { Disposable } from '../util/scope';
import type { TopicStore } from './topic-store';

/** What this window remembers; `vscode.Memento` (workspaceState) fits. */
export interface SelectionMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface StoredSelection {
  context: string;
  namespace?: string;
}

export interface Selected {
  context: ContextInfo;
  namespace: string;
  /** True when the user chose the context for this window, false when it is the kubeconfig's current one. */
  chosen: boolean;
}

const KEY = 'slipway.selection';

function parseStored(v: unknown): StoredSelection | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r['context'] !== 'string') return undefined;
  return typeof r['namespace'] === 'string'
    ? { context: r['context'], namespace: r['namespace'] }
    : { context: r['context'] };
}

/**
 * The context and namespace Slipway uses in this window: the one chosen here while the kubeconfig still
 * has it, else the kubeconfig's current context with its own namespace. A kubeconfig without a current
 * context selects nothing rather than guess, since a guess could be production.
 */
export function resolveSelection(
  stored: StoredSelection | undefined,
  contexts: readonly ContextInfo[],
): Selected | undefined {
  const chosen = stored === undefined ? undefined : contexts.find((c) => c.name === stored.context);
  if (chosen !== undefined) {
    return { context: chosen, namespace: stored?.namespace ?? chosen.namespace, chosen: true };
  }
  const current = contexts.find((c) => c.current);
  return current === undefined
    ? undefined
    : { context: current, namespace: current.namespace, chosen: false };
}

function sameSelection(a: Selected | undefined, b: Selected | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.context.name === b.context.name &&
    a.namespace === b.namespace &&
    a.chosen === b.chosen &&
    a.context.production === b.context.production
  );
}

/**
 * The selection of this window, kept in workspace state. It is Slipway's own: the user's kubeconfig and
 * its current-context are never written.
 */
export class Selection implements Disposable {
  private readonly changed = new Emitter<Selected | undefined>();
  /** Fires when the effective context or namespace changes, whether chosen here or in the kubeconfig. */
  readonly onDidChange: Event<Selected | undefined> = this.changed.event;
  private last: Selected | undefined;
  private readonly listener: Disposable;

  constructor(
    private readonly memento: SelectionMemento,
    private readonly kubeconfig: TopicStore<'kubeconfig'>,
  ) {
    this.last = this.compute();
    this.listener = kubeconfig.onDidChange(() => this.update());
  }

  get current(): Selected | undefined {
    return this.last;
  }

  /** Chooses a context (with its default namespace unless one is given) for this window. */
  async choose(context: string, namespace?: string): Promise<void> {
    const value: StoredSelection = namespace === undefined ? { context } : { context, namespace };
    await this.memento.update(KEY, value);
    this.update();
  }

  private compute(): Selected | undefined {
    return resolveSelection(parseStored(this.memento.get(KEY)), this.kubeconfig.items('contexts'));
  }

  private update(): void {
    const next = this.compute();
    if (sameSelection(next, this.last)) {
      this.last = next;
      return;
    }
    this.last = next;
    this.changed.fire(next);
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}
