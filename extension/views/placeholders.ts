import { type AgentError, assertNever } from '../../protocol';
import { CMD } from '../commands/ids';
import { COLOR_FAIL } from './format';
import type { NodeSpec } from './tree-model';

/** What the views need to know about the agent connection. */
export type AgentStatus = { kind: 'connecting' | 'connected' } | { kind: 'disconnected'; error: AgentError };

function tooltipOf(error: AgentError): string {
  return [error.message, error.detail, `(${error.code})`].filter((s) => s !== undefined).join('\n');
}

/**
 * An error as one row: its sentence, an icon, and a click that leads somewhere useful. Never a stack
 * trace: that is in the log, one click away.
 */
export function errorNode<R>(id: string, error: AgentError): NodeSpec<R> {
  const command =
    error.code === 'KUBECONFIG_INVALID'
      ? { command: CMD.openKubeconfig, title: 'Open kubeconfig' }
      : error.code === 'PROTOCOL_MISMATCH'
        ? { command: CMD.restartAgent, title: 'Restart Agent' }
        : { command: CMD.showLog, title: 'Show Log' };
  return {
    id,
    label: error.message,
    tooltip: tooltipOf(error),
    icon: { id: 'error', color: COLOR_FAIL },
    contextValue: 'error',
    command,
  };
}

export function messageNode<R>(
  id: string,
  label: string,
  icon = 'info',
  command?: NodeSpec<R>['command'],
): NodeSpec<R> {
  return {
    id,
    label,
    icon: { id: icon },
    contextValue: 'message',
    ...(command === undefined ? {} : { command }),
  };
}

/** The row a view shows before it has data of its own, or undefined once the agent is connected. */
export function agentNode<R>(agent: AgentStatus): NodeSpec<R> | undefined {
  switch (agent.kind) {
    case 'connected':
      return undefined;
    case 'connecting':
      return messageNode('agent', 'Connecting to the Slipway agent…', 'loading~spin');
    case 'disconnected':
      return {
        ...errorNode<R>('agent', agent.error),
        description: 'retrying',
        icon: { id: 'debug-disconnect', color: COLOR_FAIL },
        command:
          agent.error.code === 'PROTOCOL_MISMATCH'
            ? { command: CMD.restartAgent, title: 'Restart Agent' }
            : { command: CMD.reconnect, title: 'Retry' },
      };
    default:
      return assertNever(agent, 'agent status');
  }
}

/** Where a view's topic points: one context and one namespace, or every namespace when it is absent. */
export interface ViewScope {
  context: string;
  namespace?: string;
}

export interface PreambleInput {
  agent: AgentStatus;
  scope: ViewScope | undefined;
  kubeconfig: { loaded: boolean; error: AgentError | null };
  data: { loaded: boolean; error: AgentError | null } | undefined;
}

/**
 * The rows above (or instead of) a view's data: the connection, the topic's error, or why there is no
 * data yet. Returns true when the view has data to show below them. Items the agent kept as last seen
 * while the source fails stay visible under the error row.
 */
export function addPreamble<R>(
  b: { add(parent: undefined, spec: NodeSpec<R>): string },
  input: PreambleInput,
  loadingLabel: string,
): boolean {
  const { agent, scope, data } = input;
  if (data?.loaded === true) {
    if (agent.kind === 'disconnected') b.add(undefined, agentNode<R>(agent)!);
    if (data.error !== null) b.add(undefined, errorNode<R>('error', data.error));
    return true;
  }
  if (data?.error != null) {
    b.add(undefined, errorNode<R>('error', data.error));
    return false;
  }
  const a = agentNode<R>(agent);
  if (a !== undefined) {
    b.add(undefined, a);
    return false;
  }
  if (scope === undefined) {
    if (input.kubeconfig.error !== null) {
      b.add(undefined, errorNode<R>('error', input.kubeconfig.error));
      return false;
    }
    b.add(
      undefined,
      input.kubeconfig.loaded
        ? messageNode<R>('pick', 'Pick a Kubernetes context for Slipway', 'info', {
            command: CMD.pickContext,
            title: 'Pick Context',
          })
        : messageNode<R>('loading', 'Reading kubeconfig…', 'loading~spin'),
    );
    return false;
  }
  b.add(undefined, messageNode<R>('loading', loadingLabel, 'loading~spin'));
  return false;
}

export function scopeLabel(scope: ViewScope): string {
  return scope.namespace === undefined ? 'all namespaces' : scope.namespace;
}

/** "shop" or "any namespace", to end a sentence like "No workloads in …". */
export function inWhere(scope: ViewScope): string {
  return scope.namespace ?? 'any namespace';
}
