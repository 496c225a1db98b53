import type { AgentError } from '../protocol';
import type { Selected } from './state/selection';

export type AgentSummary =
  | { kind: 'connecting' }
  | { kind: 'connected'; agentVersion: string; pid: number }
  | { kind: 'disconnected'; error: AgentError };

export interface StatusContent {
  text: string;
  tooltip: string;
  /** Production contexts get the warning background, so a write there never comes as a surprise. */
  warning: boolean;
}

/** The status-bar entry: agent state as its icon, then context and namespace Slipway uses here. */
export function statusContent(
  agent: AgentSummary,
  selection: Selected | undefined,
  allNamespaces: boolean,
): StatusContent {
  const production = selection?.context.production === true;
  const icon =
    agent.kind === 'connecting'
      ? '$(sync~spin)'
      : agent.kind === 'disconnected'
        ? '$(debug-disconnect)'
        : production
          ? '$(flame)'
          : '$(rocket)';
  const where =
    selection === undefined
      ? 'Slipway'
      : `${selection.context.name} · ${allNamespaces ? 'all namespaces' : selection.namespace}`;
  const agentLine =
    agent.kind === 'connected'
      ? `Slipway agent ${agent.agentVersion} (pid ${agent.pid}) connected`
      : agent.kind === 'connecting'
        ? 'Connecting to the Slipway agent…'
        : `Slipway agent not connected: ${agent.error.message}`;
  const lines = [
    agentLine,
    selection === undefined
      ? 'No context selected'
      : `Context ${selection.context.name}${production ? ' (production)' : ''}${
          selection.chosen ? '' : ', the kubeconfig’s current context'
        }`,
    selection === undefined ? undefined : `Namespace ${allNamespaces ? 'all' : selection.namespace}`,
    'Click to pick the context for this window',
  ];
  return {
    text: `${icon} ${where}`,
    tooltip: lines.filter((l) => l !== undefined).join('\n'),
    warning: production,
  };
}
