import type { AgentError } from './errors';
import { type Check, object, optional, str } from './check';
import type {
  ContextInfo,
  HelmRevision,
  HpaInfo,
  IngressInfo,
  NamespaceInfo,
  PodInfo,
  RolloutRevision,
  ServiceInfo,
  WorkloadInfo,
} from './models';
import type { ForwardInfo } from './observe';

/**
 * Live views of agent state. A subscription answers with a snapshot of keyed collections, then numbered
 * deltas that put or delete single items. Every topic and its collections are declared here once.
 */
export interface Topics {
  kubeconfig: {
    params: Record<string, never>;
    collections: { contexts: ContextInfo; problems: { file: string; message: string } };
  };
  namespaces: {
    params: { context: string };
    collections: { namespaces: NamespaceInfo };
  };
  services: {
    params: { context: string; namespace?: string };
    collections: {
      workloads: WorkloadInfo;
      pods: PodInfo;
      services: ServiceInfo;
      ingresses: IngressInfo;
      hpas: HpaInfo;
    };
  };
  releases: {
    params: { context: string; namespace?: string };
    collections: { revisions: RolloutRevision; helm: HelmRevision };
  };
  /** The port-forwards the agent keeps, with live status. */
  forwards: {
    params: Record<string, never>;
    collections: { forwards: ForwardInfo };
  };
}

export type TopicName = keyof Topics;
export type TopicParams<T extends TopicName> = Topics[T]['params'];
export type CollectionName<T extends TopicName> = keyof Topics[T]['collections'] & string;
export type Item<T extends TopicName, C extends CollectionName<T>> = Topics[T]['collections'][C];

/** A topic's whole state: per collection, items by key. */
export type TopicState<T extends TopicName> = { [C in CollectionName<T>]: Record<string, Item<T, C>> };

export type DeltaOp<T extends TopicName> =
  | { [C in CollectionName<T>]: { op: 'put'; c: C; key: string; value: Item<T, C> } }[CollectionName<T>]
  | { op: 'del'; c: CollectionName<T>; key: string }
  /** The source is failing (unreachable, forbidden...) or recovered (null); items are kept as last seen. */
  | { op: 'error'; error: AgentError | null };

export const TOPIC_COLLECTIONS: { [T in TopicName]: readonly CollectionName<T>[] } = {
  kubeconfig: ['contexts', 'problems'],
  namespaces: ['namespaces'],
  services: ['workloads', 'pods', 'services', 'ingresses', 'hpas'],
  releases: ['revisions', 'helm'],
  forwards: ['forwards'],
};

export const TOPIC_PARAMS: { [T in TopicName]: Check<TopicParams<T>> } = {
  kubeconfig: object<Record<string, never>>({}),
  namespaces: object({ context: str }),
  services: object<TopicParams<'services'>>({ context: str, namespace: optional(str) }),
  releases: object<TopicParams<'releases'>>({ context: str, namespace: optional(str) }),
  forwards: object<Record<string, never>>({}),
};

export function emptyState<T extends TopicName>(topic: T): TopicState<T> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const c of TOPIC_COLLECTIONS[topic]) state[c] = {};
  return state as TopicState<T>;
}

/** Applies deltas to a state in place; returns the last error op's value, if any. */
export function applyDelta<T extends TopicName>(
  state: TopicState<T>,
  ops: readonly DeltaOp<T>[],
): AgentError | null | undefined {
  let error: AgentError | null | undefined;
  for (const op of ops) {
    if (op.op === 'error') {
      error = op.error;
      continue;
    }
    const coll = state[op.c] as Record<string, unknown>;
    if (op.op === 'put') coll[op.key] = op.value;
    else Reflect.deleteProperty(coll, op.key);
  }
  return error;
}
