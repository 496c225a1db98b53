import type { TopicParams } from '../../protocol';
import type { ViewScope } from '../views/placeholders';
import type { Disposable } from '../util/scope';
import { TopicStore, type TopicSubscriber } from './topic-store';

type ScopedTopic = 'services' | 'releases';

function sameScope(a: ViewScope, b: ViewScope): boolean {
  return a.context === b.context && a.namespace === b.namespace;
}

/**
 * A topic that follows the window's selection: re-subscribed when the context or namespace changes, and
 * only while its view is visible, so a hidden view costs the agent (and the cluster) nothing.
 */
export class ScopedStore<T extends ScopedTopic> implements Disposable {
  private store: TopicStore<T> | undefined;
  private listener: Disposable | undefined;
  private scope: ViewScope | undefined;

  constructor(
    private readonly client: TopicSubscriber,
    private readonly topic: T,
    private readonly onChange: () => void,
  ) {}

  get current(): TopicStore<T> | undefined {
    return this.store;
  }

  update(scope: ViewScope | undefined, active: boolean): void {
    const wanted = active ? scope : undefined;
    if (wanted !== undefined && this.scope !== undefined && sameScope(wanted, this.scope)) return;
    this.drop();
    if (wanted !== undefined) {
      this.scope = wanted;
      const params = (
        wanted.namespace === undefined
          ? { context: wanted.context }
          : { context: wanted.context, namespace: wanted.namespace }
      ) as TopicParams<T>;
      this.store = new TopicStore(this.client, this.topic, params);
      this.listener = this.store.onDidChange(() => this.onChange());
    }
    this.onChange();
  }

  private drop(): void {
    this.listener?.dispose();
    this.store?.dispose();
    this.listener = undefined;
    this.store = undefined;
    this.scope = undefined;
  }

  dispose(): void {
    this.drop();
  }
}
