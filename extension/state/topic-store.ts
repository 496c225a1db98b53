import type { AgentError, CollectionName, Item, TopicName, TopicParams, TopicState } from '../../protocol';
import type { TopicHandlers } from '../agent/client';
import { Emitter, type Event } from '../util/emitter';
import type { Disposable } from '../util/scope';

/** The part of `AgentClient` a store needs. */
export interface TopicSubscriber {
  subscribe<T extends TopicName>(topic: T, params: TopicParams<T>, handlers: TopicHandlers<T>): Disposable;
}

/**
 * One live topic instance as the extension sees it: the client's mirror of its state, the source's error
 * (items are kept as last seen while it fails) and, if the agent ended the subscription, why. Listeners
 * hear of every change at once; views coalesce before they redraw.
 */
export class TopicStore<T extends TopicName> implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changed.event;
  private mirror: TopicState<T> | undefined;
  private sourceError: AgentError | null = null;
  private endError: AgentError | undefined;
  private readonly subscription: Disposable;

  constructor(
    client: TopicSubscriber,
    readonly topic: T,
    readonly params: TopicParams<T>,
  ) {
    this.subscription = client.subscribe(topic, params, {
      onState: (state, error) => {
        this.mirror = state;
        this.sourceError = error;
        this.changed.fire();
      },
      onEnd: (error) => {
        this.endError = error;
        this.changed.fire();
      },
    });
  }

  /** False until the first snapshot arrived. */
  get loaded(): boolean {
    return this.mirror !== undefined;
  }

  /** Why the source currently fails, or why the agent ended the subscription. */
  get error(): AgentError | null {
    return this.endError ?? this.sourceError;
  }

  items<C extends CollectionName<T>>(collection: C): Item<T, C>[] {
    if (this.mirror === undefined) return [];
    return Object.values(this.mirror[collection]) as Item<T, C>[];
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
