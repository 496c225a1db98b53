import type { ForwardInfo, ForwardSpec } from '../../protocol';
import { COLOR_FAIL, COLOR_OK } from '../views/format';
import { type AgentStatus, agentNode, messageNode } from '../views/placeholders';
import { TreeBuilder, type TreeModel } from '../views/tree-model';

/** A named set of forwards saved in the workspace settings. */
export interface ForwardProfile {
  name: string;
  forwards: ForwardSpec[];
}

export type ForwardsRef =
  { kind: 'forward'; forward: ForwardInfo } | { kind: 'profile'; profile: ForwardProfile };

export interface ForwardsInput {
  agent: AgentStatus;
  loaded: boolean;
  forwards: readonly ForwardInfo[];
  profiles: readonly ForwardProfile[];
  now: number;
}

/** "svc/gateway:http" — what a forward points at, as `kubectl port-forward` names it. */
export function targetLabel(spec: ForwardSpec): string {
  const t = spec.target;
  const kind =
    t.kind === 'service' ? 'svc' : t.kind === 'pod' ? 'pod' : (t.workloadKind ?? 'deployment').toLowerCase();
  return `${kind}/${t.name}:${spec.port}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const STATE_ICON: Record<ForwardInfo['state'], { id: string; color?: string }> = {
  starting: { id: 'loading~spin' },
  active: { id: 'pass-filled', color: COLOR_OK },
  moving: { id: 'sync~spin' },
  failed: { id: 'error', color: COLOR_FAIL },
};

function probed(f: ForwardInfo, now: number): string | undefined {
  if (f.probedAt === undefined) return undefined;
  const s = Math.max(0, Math.round((now - Date.parse(f.probedAt)) / 1000));
  return `probed ${s} s ago`;
}

/**
 * The Port Forwards view: every forward the agent keeps (they outlive windows), newest last, each with its
 * true state, the pod it goes to, and traffic; then the workspace's saved profiles.
 */
export function buildForwardsTree(input: ForwardsInput): TreeModel<ForwardsRef> {
  const b = new TreeBuilder<ForwardsRef>();
  const agent = agentNode<ForwardsRef>(input.agent);
  if (agent !== undefined) {
    b.add(undefined, agent);
    return b.build();
  }
  if (!input.loaded) {
    b.add(undefined, messageNode('loading', 'Loading port-forwards…', 'loading~spin'));
    return b.build();
  }
  const forwards = [...input.forwards].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (forwards.length === 0 && input.profiles.length === 0) {
    b.add(
      undefined,
      messageNode('empty', 'No port-forwards. Right-click a pod, workload or Service → Port Forward…'),
    );
  }
  for (const f of forwards) {
    const where = f.pod === undefined ? undefined : `${f.pod}:${f.podPort ?? '?'}`;
    const traffic = `${formatBytes(f.bytesIn)} in · ${formatBytes(f.bytesOut)} out · ${f.connections} open / ${f.totalConnections} total`;
    b.add(undefined, {
      id: `fwd:${f.id}`,
      label: `localhost:${f.localPort} → ${targetLabel(f.spec)}`,
      description: [
        f.state === 'active' ? undefined : f.state,
        where,
        f.spec.name,
        `${f.spec.context}/${f.spec.namespace}`,
      ]
        .filter((p) => p !== undefined)
        .join(' · '),
      tooltip: [
        `http://localhost:${f.localPort} → ${targetLabel(f.spec)} in ${f.spec.context}/${f.spec.namespace}`,
        `State: ${f.state}${f.message === undefined ? '' : ` — ${f.message}`}`,
        where === undefined ? undefined : `Pod: ${where}`,
        probed(f, input.now),
        traffic,
      ]
        .filter((p) => p !== undefined)
        .join('\n'),
      icon: STATE_ICON[f.state],
      contextValue: `forward.${f.state}`,
      ref: { kind: 'forward', forward: f },
    });
  }
  if (input.profiles.length > 0) {
    const root = b.add(undefined, {
      id: 'profiles',
      label: 'Saved profiles',
      icon: { id: 'bookmark' },
      contextValue: 'profiles',
      expanded: forwards.length === 0,
    });
    for (const p of input.profiles) {
      b.add(root, {
        id: `profile:${p.name}`,
        label: p.name,
        description: p.forwards.map((s) => `${s.localPort ?? 'auto'}→${targetLabel(s)}`).join(', '),
        tooltip: `Start ${p.forwards.length} forward${p.forwards.length === 1 ? '' : 's'}:\n${p.forwards
          .map((s) => `localhost:${s.localPort ?? 'auto'} → ${targetLabel(s)} in ${s.context}/${s.namespace}`)
          .join('\n')}`,
        icon: { id: 'bookmark' },
        contextValue: 'profile',
        ref: { kind: 'profile', profile: p },
      });
    }
  }
  return b.build();
}
