import * as vscode from 'vscode';
import {
  AgentFailure,
  type DescribeParams,
  type ForwardSpec,
  type PodInfo,
  type WorkloadInfo,
  agentError,
} from '../../protocol';
import type { AgentClient } from '../agent/client';
import type { DescribeDocuments } from '../describe/describe-documents';
import type { EventsFocus } from '../describe/events-model';
import type { EventsView } from '../describe/events-view';
import { targetLabel } from '../forwards/forwards-model';
import type { ForwardsView } from '../forwards/forwards-view';
import { deleteProfile, readProfiles, saveProfile } from '../forwards/profiles';
import type { LogPanels } from '../logs/log-panel';
import type { MetricPanels } from '../metrics/metric-panel';
import type { Selection } from '../state/selection';
import type { ServicesRef } from '../views/services-model';
import { selects, servicesOf } from '../views/services-model';
import type { ServicesView } from '../views/services-view';

export interface ObserveDeps {
  client: AgentClient;
  selection: Selection;
  services: ServicesView;
  forwards: ForwardsView;
  events: EventsView;
  logs: LogPanels;
  metrics: MetricPanels;
  describe: DescribeDocuments;
}

function invalid(message: string): AgentFailure {
  return new AgentFailure(agentError('INVALID', message));
}

function cancelled(): AgentFailure {
  return new AgentFailure(agentError('CANCELLED', 'Cancelled.'));
}

/** The Services row a command was run on, or a workload picked from the view when run from the palette. */
async function refOf(deps: ObserveDeps, handle: unknown): Promise<ServicesRef> {
  const ref = deps.services.tree.node(handle)?.ref;
  if (ref !== undefined) return ref;
  const context = deps.selection.current?.context.name;
  if (context === undefined) throw invalid('Pick a context first (Slipway: Pick Context…).');
  const workloads = deps.services.workloads();
  if (workloads.length === 0)
    throw invalid(`No workloads to choose from in ${context}; open the Services view.`);
  const picked = await vscode.window.showQuickPick(
    workloads.map((w) => ({ label: w.name, description: `${w.kind} · ${w.namespace}`, w })),
    { title: 'Which workload?', matchOnDescription: true },
  );
  if (picked === undefined) throw cancelled();
  return { kind: 'workload', context, workload: picked.w };
}

function podsOf(deps: ObserveDeps, w: WorkloadInfo): PodInfo[] {
  return deps.services
    .pods()
    .filter((p) => p.namespace === w.namespace && p.owner?.kind === w.kind && p.owner.name === w.name);
}

const workloadTitle = (w: WorkloadInfo): string => `${w.kind.toLowerCase()}/${w.name}`;

export async function showLogs(deps: ObserveDeps, handle: unknown): Promise<void> {
  const ref = await refOf(deps, handle);
  if (ref.kind === 'workload') {
    const w = ref.workload;
    deps.logs.show({
      selection: { context: ref.context, namespace: w.namespace, workload: { kind: w.kind, name: w.name } },
      title: workloadTitle(w),
      pods: podsOf(deps, w).map((p) => p.name),
    });
  } else if (ref.kind === 'pod') {
    deps.logs.show({
      selection: { context: ref.context, namespace: ref.pod.namespace, pods: [ref.pod.name] },
      title: `pod/${ref.pod.name}`,
      pods: [ref.pod.name],
    });
  } else if (ref.kind === 'service') {
    const s = ref.service;
    const pods = deps.services
      .pods()
      .filter((p) => p.namespace === s.namespace && selects(s.selector, p.labels));
    if (pods.length === 0) throw invalid(`Service ${s.name} selects no pods, so there are no logs to show.`);
    deps.logs.show({
      selection: { context: ref.context, namespace: s.namespace, pods: pods.map((p) => p.name) },
      title: `svc/${s.name}`,
      pods: pods.map((p) => p.name),
    });
  } else {
    throw invalid('Logs are shown for a workload, a pod or a Service.');
  }
}

export async function showMetrics(deps: ObserveDeps, handle: unknown): Promise<void> {
  const ref = await refOf(deps, handle);
  if (ref.kind !== 'workload')
    throw invalid('Metrics are shown for a workload (Deployment, StatefulSet, DaemonSet).');
  const w = ref.workload;
  deps.metrics.show({
    context: ref.context,
    namespace: w.namespace,
    workload: { kind: w.kind, name: w.name },
  });
}

function describeParams(ref: ServicesRef): DescribeParams {
  switch (ref.kind) {
    case 'workload':
      return {
        context: ref.context,
        namespace: ref.workload.namespace,
        kind: ref.workload.kind,
        name: ref.workload.name,
      };
    case 'pod':
      return { context: ref.context, namespace: ref.pod.namespace, kind: 'Pod', name: ref.pod.name };
    case 'service':
      return {
        context: ref.context,
        namespace: ref.service.namespace,
        kind: 'Service',
        name: ref.service.name,
      };
    case 'ingress':
      return {
        context: ref.context,
        namespace: ref.ingress.namespace,
        kind: 'Ingress',
        name: ref.ingress.name,
      };
    case 'hpa':
      return {
        context: ref.context,
        namespace: ref.hpa.namespace,
        kind: 'HorizontalPodAutoscaler',
        name: ref.hpa.name,
      };
    case 'namespace':
      return { context: ref.context, kind: 'Namespace', name: ref.namespace };
  }
}

export async function describe(deps: ObserveDeps, handle: unknown): Promise<void> {
  await deps.describe.show(describeParams(await refOf(deps, handle)));
}

/** What the Events view shows for a row: a workload with its ReplicaSets and pods, or the one object. */
export function eventsFocus(deps: ObserveDeps, ref: ServicesRef): EventsFocus {
  if (ref.kind === 'namespace') return { context: ref.context, namespace: ref.namespace };
  if (ref.kind === 'workload') {
    const w = ref.workload;
    const pods = podsOf(deps, w);
    const replicaSets =
      w.kind === 'Deployment'
        ? [...new Set(pods.map((p) => p.name.replace(/-[a-z0-9]+$/, '')))].map((name) => ({
            kind: 'ReplicaSet',
            name,
          }))
        : [];
    return {
      context: ref.context,
      namespace: w.namespace,
      label: workloadTitle(w),
      objects: [
        { kind: w.kind, name: w.name },
        ...replicaSets,
        ...pods.map((p) => ({ kind: 'Pod', name: p.name })),
      ],
    };
  }
  const d = describeParams(ref);
  return {
    context: ref.context,
    namespace: d.namespace ?? '',
    label: `${d.kind.toLowerCase()}/${d.name}`,
    objects: [{ kind: d.kind, name: d.name }],
  };
}

export async function showEvents(deps: ObserveDeps, handle: unknown): Promise<void> {
  deps.events.show(eventsFocus(deps, await refOf(deps, handle)));
  await deps.events.reveal();
}

// ---- Port-forwards ------------------------------------------------------------------------------------

interface PortChoice extends vscode.QuickPickItem {
  port?: number | string;
}

/** The ports worth offering for a forward target: a Service's ports, or the target ports of the Services in front. */
function portChoices(deps: ObserveDeps, ref: ServicesRef): PortChoice[] {
  const services = deps.services.services();
  if (ref.kind === 'service') {
    return ref.service.ports.map((p) => ({
      label: String(p.port),
      description: `${p.name ?? ''}${p.name === undefined ? '' : ' · '}→ target ${p.targetPort} (${p.protocol})`,
      port: p.name ?? p.port,
    }));
  }
  const fronting =
    ref.kind === 'workload'
      ? servicesOf(ref.workload, podsOf(deps, ref.workload), services)
      : ref.kind === 'pod'
        ? services.filter((s) => s.namespace === ref.pod.namespace && selects(s.selector, ref.pod.labels))
        : [];
  const seen = new Set<string>();
  const out: PortChoice[] = [];
  for (const s of fronting) {
    for (const p of s.ports) {
      if (seen.has(p.targetPort)) continue;
      seen.add(p.targetPort);
      const numeric = /^\d+$/.test(p.targetPort);
      out.push({
        label: p.targetPort,
        description: `container port${p.name === undefined ? '' : ` ${p.name}`} behind Service ${s.name}:${p.port}`,
        port: numeric ? Number(p.targetPort) : p.targetPort,
      });
    }
  }
  return out;
}

function portError(text: string, allowEmpty: boolean): string | undefined {
  const t = text.trim();
  if (t === '') return allowEmpty ? undefined : 'Type a port number or name.';
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n >= 1 && n <= 65535 ? undefined : 'A port is between 1 and 65535.';
  }
  return allowEmpty ? 'Type a port number, or leave it empty for a free port.' : undefined;
}

export async function startForward(deps: ObserveDeps, handle: unknown): Promise<void> {
  const ref = await refOf(deps, handle);
  let target: ForwardSpec['target'];
  let namespace: string;
  if (ref.kind === 'service') {
    target = { kind: 'service', name: ref.service.name };
    namespace = ref.service.namespace;
  } else if (ref.kind === 'pod') {
    target = { kind: 'pod', name: ref.pod.name };
    namespace = ref.pod.namespace;
  } else if (ref.kind === 'workload') {
    target = { kind: 'workload', name: ref.workload.name, workloadKind: ref.workload.kind };
    namespace = ref.workload.namespace;
  } else {
    throw invalid('Port-forwards start from a pod, a workload or a Service.');
  }
  const choices = portChoices(deps, ref);
  let port: number | string | undefined;
  if (choices.length > 0) {
    const other: PortChoice = { label: 'Another port…', description: 'type a port number or name' };
    const picked = await vscode.window.showQuickPick([...choices, other], {
      title: `Forward which port of ${target.kind === 'service' ? 'svc' : target.kind}/${target.name}?`,
    });
    if (picked === undefined) throw cancelled();
    port = picked.port;
  }
  if (port === undefined) {
    const typed = await vscode.window.showInputBox({
      title: `Port of ${target.name} to forward`,
      prompt: 'A container port number or name (e.g. 8080 or http).',
      validateInput: (t) => portError(t, false),
    });
    if (typed === undefined) throw cancelled();
    port = /^\d+$/.test(typed.trim()) ? Number(typed.trim()) : typed.trim();
  }
  const suggested = typeof port === 'number' && port >= 1024 ? String(port) : '';
  const local = await vscode.window.showInputBox({
    title: `Local port for ${target.name}:${port}`,
    prompt: 'The port on this machine (127.0.0.1). Leave empty for a free one.',
    value: suggested,
    validateInput: (t) => portError(t, true),
  });
  if (local === undefined) throw cancelled();
  const spec: ForwardSpec = {
    context: ref.context,
    namespace,
    target,
    port,
    ...(local.trim() === '' ? {} : { localPort: Number(local.trim()) }),
  };
  const info = await deps.client.request('forward.start', spec);
  const address = `http://localhost:${info.localPort}`;
  void vscode.window
    .showInformationMessage(
      `Forwarding localhost:${info.localPort} → ${targetLabel(spec)}${info.pod === undefined ? '' : ` (pod ${info.pod})`}.`,
      'Open in Browser',
      'Copy Address',
    )
    .then(async (choice) => {
      if (choice === 'Open in Browser') await vscode.env.openExternal(vscode.Uri.parse(address));
      if (choice === 'Copy Address') await vscode.env.clipboard.writeText(address);
    });
}

function forwardOf(deps: ObserveDeps, handle: unknown) {
  const ref = deps.forwards.tree.node(handle)?.ref;
  return ref?.kind === 'forward' ? ref.forward : undefined;
}

export async function stopForward(deps: ObserveDeps, handle: unknown): Promise<void> {
  let f = forwardOf(deps, handle);
  if (f === undefined) {
    const all = deps.forwards.forwards();
    if (all.length === 0) throw invalid('No port-forwards are running.');
    const picked = await vscode.window.showQuickPick(
      all.map((x) => ({
        label: `localhost:${x.localPort} → ${targetLabel(x.spec)}`,
        description: x.state,
        x,
      })),
      { title: 'Stop which port-forward?' },
    );
    if (picked === undefined) throw cancelled();
    f = picked.x;
  }
  await deps.client.request('forward.stop', { id: f.id });
}

export async function stopAllForwards(deps: ObserveDeps): Promise<void> {
  const { stopped } = await deps.client.request('forward.stop', {});
  vscode.window.setStatusBarMessage(
    `Slipway: stopped ${stopped} port-forward${stopped === 1 ? '' : 's'}`,
    3000,
  );
}

export async function openForward(deps: ObserveDeps, handle: unknown): Promise<void> {
  const f = forwardOf(deps, handle);
  if (f === undefined) throw invalid('Run this on a port-forward in the Port Forwards view.');
  await vscode.env.openExternal(vscode.Uri.parse(`http://localhost:${f.localPort}`));
}

export async function saveForwardProfile(deps: ObserveDeps): Promise<void> {
  const running = deps.forwards.forwards();
  if (running.length === 0)
    throw invalid('Start the port-forwards to save first; a profile saves the running ones.');
  if (vscode.workspace.workspaceFolders === undefined)
    throw invalid('Open a folder first: profiles are saved in the workspace settings.');
  const existing = readProfiles().profiles.map((p) => p.name);
  const name = await vscode.window.showInputBox({
    title: `Save ${running.length} port-forward${running.length === 1 ? '' : 's'} as a profile`,
    prompt: 'Saved in .vscode/settings.json (slipway.forwardProfiles), so the team can use it too.',
    validateInput: (t) =>
      t.trim() === ''
        ? 'Give the profile a name.'
        : existing.includes(t.trim())
          ? 'This replaces the profile of that name.'
          : undefined,
  });
  if (name === undefined) throw cancelled();
  await saveProfile({
    name: name.trim(),
    // The local port it runs on now is kept, so the profile gives the same addresses next time.
    forwards: running.map(({ spec, localPort }) => ({ ...spec, localPort, name: name.trim() })),
  });
}

export async function startForwardProfile(deps: ObserveDeps, handle: unknown): Promise<void> {
  const ref = deps.forwards.tree.node(handle)?.ref;
  let profile = ref?.kind === 'profile' ? ref.profile : undefined;
  if (profile === undefined) {
    const { profiles } = readProfiles();
    if (profiles.length === 0) throw invalid('No forward profiles are saved in this workspace.');
    const picked = await vscode.window.showQuickPick(
      profiles.map((p) => ({ label: p.name, description: p.forwards.map(targetLabel).join(', '), p })),
      { title: 'Start which profile?' },
    );
    if (picked === undefined) throw cancelled();
    profile = picked.p;
  }
  const running = deps.forwards.forwards();
  const failures: string[] = [];
  for (const spec of profile.forwards) {
    if (running.some((f) => f.localPort === spec.localPort && targetLabel(f.spec) === targetLabel(spec)))
      continue;
    try {
      await deps.client.request('forward.start', { ...spec, name: profile.name });
    } catch (e) {
      failures.push(`${targetLabel(spec)}: ${e instanceof AgentFailure ? e.error.message : String(e)}`);
    }
  }
  if (failures.length > 0)
    throw new AgentFailure(
      agentError(
        'CONFLICT',
        `${failures.length} of the profile's forwards did not start. ${failures.join(' ')}`,
      ),
    );
}

export async function removeForwardProfile(deps: ObserveDeps, handle: unknown): Promise<void> {
  const ref = deps.forwards.tree.node(handle)?.ref;
  if (ref?.kind !== 'profile') throw invalid('Run this on a saved profile in the Port Forwards view.');
  await deleteProfile(ref.profile.name);
}
