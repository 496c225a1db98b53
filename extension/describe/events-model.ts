import type { EventInfo } from '../../protocol';
import { COLOR_WARN, formatAge } from '../views/format';
import { type AgentStatus, agentNode, messageNode } from '../views/placeholders';
import { TreeBuilder, type TreeModel } from '../views/tree-model';

/** What the Events view is filtered to: a row of the Services view, or a whole namespace. */
export interface EventsFocus {
  context: string;
  namespace: string;
  /** e.g. "deployment/gateway"; absent for the namespace. */
  label?: string;
  objects?: { kind: string; name: string }[];
}

export interface EventsInput {
  agent: AgentStatus;
  focus: EventsFocus | undefined;
  events: readonly EventInfo[] | undefined;
  error: string | undefined;
  now: number;
}

/** Events newest first, warnings marked, repeated ones with their count, like `kubectl get events`. */
export function buildEventsTree(input: EventsInput): TreeModel<EventInfo> {
  const b = new TreeBuilder<EventInfo>();
  const agent = agentNode<EventInfo>(input.agent);
  if (agent !== undefined) {
    b.add(undefined, agent);
    return b.build();
  }
  const { focus } = input;
  if (focus === undefined) {
    b.add(undefined, messageNode('none', 'Select a workload, pod or Service to see its events.'));
    return b.build();
  }
  if (input.error !== undefined) {
    b.add(undefined, { ...messageNode('error', input.error, 'error'), tooltip: input.error });
    return b.build();
  }
  if (input.events === undefined) {
    b.add(undefined, messageNode('loading', 'Loading events…', 'loading~spin'));
    return b.build();
  }
  const where = focus.label ?? `namespace ${focus.namespace}`;
  if (input.events.length === 0) {
    b.add(
      undefined,
      messageNode('empty', `No events for ${where} (the API server keeps them about an hour).`),
    );
    return b.build();
  }
  const sorted = [...input.events].sort((a, c) => (c.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
  for (const [i, e] of sorted.entries()) {
    const age = e.lastSeen === undefined ? undefined : formatAge(e.lastSeen, input.now);
    b.add(undefined, {
      id: `ev:${i}:${e.object}:${e.reason}:${e.lastSeen ?? ''}`,
      label: `${e.reason}: ${e.message}`,
      description: [
        e.object,
        e.count > 1 ? `×${e.count}` : undefined,
        age === undefined ? undefined : `${age} ago`,
      ]
        .filter((p) => p !== undefined)
        .join(' · '),
      tooltip: `${e.type} ${e.reason} on ${e.object}${e.count > 1 ? ` (${e.count} times)` : ''}\n${e.message}${
        e.firstSeen === undefined ? '' : `\nFirst seen ${e.firstSeen}`
      }${e.lastSeen === undefined ? '' : `\nLast seen ${e.lastSeen}`}`,
      icon: e.type === 'Warning' ? { id: 'warning', color: COLOR_WARN } : { id: 'info' },
      contextValue: 'event',
      ref: e,
    });
  }
  return b.build();
}
