import { type AgentError, type ContextInfo, type NamespaceInfo, assertNever } from '../../protocol';
import type { StatusEntry } from '../state/cluster-status';
import { joinParts } from './format';
import { CMD } from '../commands/ids';
import { type AgentStatus, agentNode, errorNode, messageNode } from './placeholders';
import { TreeBuilder, type TreeModel } from './tree-model';

/** What commands on a Clusters row act on. */
export type ClustersRef =
  | { kind: 'context'; context: ContextInfo }
  | { kind: 'namespace'; context: string; namespace: string }
  | { kind: 'problem'; file: string };

export interface NamespacesData {
  loaded: boolean;
  error: AgentError | null;
  namespaces: readonly NamespaceInfo[];
}

export interface ClustersInput {
  agent: AgentStatus;
  kubeconfig: {
    loaded: boolean;
    error: AgentError | null;
    contexts: readonly ContextInfo[];
    problems: readonly { file: string; message: string }[];
  };
  selection: { context: string; namespace: string } | undefined;
  status(context: string): StatusEntry | undefined;
  /** Undefined while the context's namespaces are not watched (it is collapsed). */
  namespaces(context: string): NamespacesData | undefined;
}

/** Why a cluster cannot be used, in a word or two. */
function problemWord(error: AgentError | undefined): string {
  switch (error?.code) {
    case 'AUTH_FAILED':
    case 'UNAUTHORIZED':
      return 'not authorized';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'CONTEXT_NOT_FOUND':
      return 'not found';
    default:
      return 'unreachable';
  }
}

/** A context's reachability as its row shows it: "v1.32.4", "unreachable", "checking…". */
export function statusText(entry: StatusEntry | undefined): string | undefined {
  if (entry === undefined) return undefined;
  switch (entry.kind) {
    case 'pending':
      return 'checking…';
    case 'done':
      return entry.status.reachable
        ? (entry.status.serverVersion ?? 'reachable')
        : problemWord(entry.status.error);
    case 'failed':
      return problemWord(entry.error);
    default:
      return assertNever(entry, 'status entry');
  }
}

function statusLine(entry: StatusEntry | undefined): string | undefined {
  if (entry === undefined || entry.kind === 'pending') return undefined;
  if (entry.kind === 'failed') return entry.error.message;
  if (entry.status.reachable) return `Server ${entry.status.serverVersion ?? 'reachable'}`;
  return entry.status.error?.message ?? 'The cluster is unreachable.';
}

function contextTooltip(c: ContextInfo, entry: StatusEntry | undefined, selected: boolean): string {
  return [
    `Context ${c.name}${c.current ? ' (current in kubeconfig)' : ''}`,
    `Cluster ${c.cluster} at ${c.server}`,
    `User ${c.user}, namespace ${c.namespace}`,
    `Defined in ${c.source}`,
    c.production ? 'Production: Slipway asks before it changes anything here.' : undefined,
    statusLine(entry),
    selected ? 'Slipway uses this context in this window.' : undefined,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

function basename(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/**
 * The Clusters view: kubeconfig problems as warnings, then every context (reachability, current and
 * production marked, the one Slipway uses too), each expandable to its namespaces.
 */
export function buildClustersTree(input: ClustersInput): TreeModel<ClustersRef> {
  const b = new TreeBuilder<ClustersRef>();
  const { kubeconfig, selection } = input;
  if (!kubeconfig.loaded) {
    const first =
      kubeconfig.error !== null
        ? errorNode<ClustersRef>('error', kubeconfig.error)
        : agentNode<ClustersRef>(input.agent);
    b.add(undefined, first ?? messageNode('loading', 'Reading kubeconfig…', 'loading~spin'));
    return b.build();
  }
  if (input.agent.kind === 'disconnected') b.add(undefined, agentNode<ClustersRef>(input.agent)!);
  if (kubeconfig.error !== null) b.add(undefined, errorNode('error', kubeconfig.error));
  for (const p of [...kubeconfig.problems].sort((x, y) => x.file.localeCompare(y.file))) {
    b.add(undefined, {
      id: `problem:${p.file}`,
      label: p.message,
      description: basename(p.file),
      tooltip: `${p.file}\n${p.message}`,
      icon: { id: 'warning', color: 'list.warningForeground' },
      contextValue: 'kubeconfigProblem',
      command: { command: CMD.openKubeconfig, title: 'Open kubeconfig', args: [p.file] },
      ref: { kind: 'problem', file: p.file },
    });
  }
  const contexts = [...kubeconfig.contexts].sort((x, y) => x.name.localeCompare(y.name));
  if (contexts.length === 0 && kubeconfig.problems.length === 0 && kubeconfig.error === null) {
    b.add(
      undefined,
      messageNode('empty', 'Your kubeconfig has no contexts', 'info', {
        command: CMD.openKubeconfig,
        title: 'Open kubeconfig',
      }),
    );
  }
  for (const c of contexts) {
    const entry = input.status(c.name);
    const selected = selection?.context === c.name;
    const cid = b.add(undefined, {
      id: `ctx:${c.name}`,
      label: c.name,
      description: joinParts([
        statusText(entry),
        c.current && 'current',
        c.production && 'production',
        selected && 'in use',
      ]),
      tooltip: contextTooltip(c, entry, selected),
      icon: c.production ? { id: 'flame', color: 'charts.red' } : { id: 'server-environment' },
      contextValue: c.production ? 'context.production' : 'context',
      lazy: true,
      ref: { kind: 'context', context: c },
    });
    const ns = input.namespaces(c.name);
    if (ns?.error != null) b.add(cid, errorNode(`${cid}|error`, ns.error));
    if (ns === undefined || !ns.loaded) {
      if (ns?.error == null) b.add(cid, messageNode(`${cid}|loading`, 'Loading namespaces…', 'loading~spin'));
      continue;
    }
    for (const n of [...ns.namespaces].sort((x, y) => x.name.localeCompare(y.name))) {
      const chosen = selected && selection?.namespace === n.name;
      b.add(cid, {
        id: `${cid}|ns:${n.name}`,
        label: n.name,
        description: n.phase === 'Active' ? undefined : n.phase,
        icon: { id: chosen ? 'check' : 'symbol-namespace' },
        contextValue: 'namespace',
        ref: { kind: 'namespace', context: c.name, namespace: n.name },
      });
    }
  }
  return b.build();
}
