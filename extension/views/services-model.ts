import type {
  AgentError,
  HpaInfo,
  IngressInfo,
  PodInfo,
  ServiceInfo,
  WorkloadInfo,
  WorkloadKind,
} from '../../protocol';
import { formatAge, formatPorts, formatReplicas, healthIcon, joinParts, plural, podIcon } from './format';
import { type AgentStatus, type ViewScope, addPreamble, inWhere, messageNode } from './placeholders';
import { TreeBuilder, type TreeModel } from './tree-model';

/** What commands on a Services row act on. */
export type ServicesRef =
  | { kind: 'namespace'; context: string; namespace: string }
  | { kind: 'workload'; context: string; workload: WorkloadInfo }
  | { kind: 'pod'; context: string; pod: PodInfo }
  | { kind: 'service'; context: string; service: ServiceInfo }
  | { kind: 'ingress'; context: string; ingress: IngressInfo }
  | { kind: 'hpa'; context: string; hpa: HpaInfo };

export interface ServicesData {
  loaded: boolean;
  error: AgentError | null;
  workloads: readonly WorkloadInfo[];
  pods: readonly PodInfo[];
  services: readonly ServiceInfo[];
  ingresses: readonly IngressInfo[];
  hpas: readonly HpaInfo[];
}

export interface ServicesInput {
  agent: AgentStatus;
  scope: ViewScope | undefined;
  kubeconfig: { loaded: boolean; error: AgentError | null };
  data: ServicesData | undefined;
  now: number;
}

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

/** True when every label of a non-empty selector is on the object. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function workloadKey(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind}:${namespace}/${name}`;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    let list = m.get(k);
    if (list === undefined) m.set(k, (list = []));
    list.push(item);
  }
  return m;
}

/** The Services a workload is behind: their selector picks its pods (or, before it has pods, its template). */
export function servicesOf(
  w: WorkloadInfo,
  pods: readonly PodInfo[],
  services: readonly ServiceInfo[],
): ServiceInfo[] {
  return services.filter(
    (s) =>
      s.namespace === w.namespace &&
      (pods.length > 0 ? pods.some((p) => selects(s.selector, p.labels)) : selects(s.selector, w.selector)),
  );
}

function workloadTooltip(w: WorkloadInfo, now: number): string {
  return [
    `${w.kind} ${w.namespace}/${w.name}`,
    `Ready ${formatReplicas(w.ready, w.desired)} · updated ${w.updated} · available ${w.available}`,
    `Health: ${w.health}${w.reason === undefined ? '' : ` (${w.reason})`}`,
    `Images: ${w.images.join(', ')}`,
    `Created ${formatAge(w.createdAt, now)} ago`,
  ].join('\n');
}

function podTooltip(p: PodInfo, now: number): string {
  return [
    `Pod ${p.namespace}/${p.name}`,
    `${p.status} · ${p.readyContainers}/${p.totalContainers} containers ready · ${plural(p.restarts, 'restart')}`,
    p.node === undefined ? undefined : `Node ${p.node}${p.ip === undefined ? '' : ` · IP ${p.ip}`}`,
    `Containers: ${p.containers.join(', ')}`,
    `Created ${formatAge(p.createdAt, now)} ago`,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

/**
 * The Services view: namespaces → workloads (health, ready/desired, reason) → their pods, Services,
 * Ingresses and HPAs. Pods without a workload and Services in front of none are listed under their
 * namespace, so nothing the topic holds is hidden.
 */
export function buildServicesTree(input: ServicesInput): TreeModel<ServicesRef> {
  const b = new TreeBuilder<ServicesRef>();
  const { data, scope, now } = input;
  if (
    !addPreamble(b, input, `Loading workloads of ${scope?.context ?? ''}…`) ||
    data === undefined ||
    !scope
  ) {
    return b.build();
  }
  const context = scope.context;
  const workloadsByNs = groupBy(data.workloads, (w) => w.namespace);
  const known = new Set(data.workloads.map((w) => workloadKey(w.kind, w.namespace, w.name)));
  const podsByOwner = groupBy(data.pods, (p) =>
    p.owner === undefined ? undefined : workloadKey(p.owner.kind, p.namespace, p.owner.name),
  );
  const loosePodsByNs = groupBy(data.pods, (p) =>
    p.owner !== undefined && known.has(workloadKey(p.owner.kind, p.namespace, p.owner.name))
      ? undefined
      : p.namespace,
  );
  const servicesByNs = groupBy(data.services, (s) => s.namespace);
  const ingressesByNs = groupBy(data.ingresses, (i) => i.namespace);
  const hpasByTarget = groupBy(data.hpas, (h) =>
    h.target.kind === 'Deployment' || h.target.kind === 'StatefulSet' || h.target.kind === 'DaemonSet'
      ? workloadKey(h.target.kind, h.namespace, h.target.name)
      : undefined,
  );

  const namespaces = [
    ...new Set([...workloadsByNs.keys(), ...loosePodsByNs.keys(), ...servicesByNs.keys()]),
  ].sort();
  if (namespaces.length === 0) {
    if (data.error === null) {
      b.add(undefined, messageNode('empty', `No workloads in ${inWhere(scope)}`));
    }
    return b.build();
  }
  for (const ns of namespaces) {
    const workloads = [...(workloadsByNs.get(ns) ?? [])].sort(
      (x, y) => byName(x, y) || x.kind.localeCompare(y.kind),
    );
    const failing = workloads.filter((w) => w.health === 'failed' || w.health === 'degraded').length;
    const nsId = b.add(undefined, {
      id: `ns:${ns}`,
      label: ns,
      description: joinParts([plural(workloads.length, 'workload'), failing > 0 && `${failing} failing`]),
      icon: { id: 'symbol-namespace' },
      contextValue: 'namespace',
      expanded: scope.namespace !== undefined,
      ref: { kind: 'namespace', context, namespace: ns },
    });
    const claimed = new Set<string>();
    for (const w of workloads) {
      const key = workloadKey(w.kind, w.namespace, w.name);
      const wid = b.add(nsId, {
        id: `w:${key}`,
        label: w.name,
        description: joinParts([formatReplicas(w.ready, w.desired), w.reason]),
        tooltip: workloadTooltip(w, now),
        icon: healthIcon(w.health),
        contextValue: `workload.${w.kind}`,
        ref: { kind: 'workload', context, workload: w },
      });
      const pods = [...(podsByOwner.get(key) ?? [])].sort(byName);
      for (const p of pods) addPod(b, wid, p, context, now);
      const services = servicesOf(w, pods, servicesByNs.get(ns) ?? []).sort(byName);
      for (const s of services) {
        claimed.add(s.name);
        addService(b, wid, s, context);
      }
      const serviceNames = new Set(services.map((s) => s.name));
      const ingresses = (ingressesByNs.get(ns) ?? []).filter((i) =>
        i.backends.some((x) => serviceNames.has(x.service)),
      );
      for (const i of [...ingresses].sort(byName)) {
        b.add(wid, {
          id: `${wid}|ing:${i.name}`,
          label: i.name,
          description: i.hosts.length > 0 ? i.hosts.join(', ') : '*',
          tooltip: `Ingress ${i.namespace}/${i.name}\n${i.backends.map((x) => `→ ${x.service}:${x.port}`).join('\n')}`,
          icon: { id: 'globe' },
          contextValue: 'ingress',
          ref: { kind: 'ingress', context, ingress: i },
        });
      }
      for (const h of [...(hpasByTarget.get(key) ?? [])].sort(byName)) {
        b.add(wid, {
          id: `${wid}|hpa:${h.name}`,
          label: h.name,
          description: joinParts([`${h.current}/${h.desired} replicas`, `${h.min}–${h.max}`, h.metrics]),
          tooltip: `HorizontalPodAutoscaler ${h.namespace}/${h.name}\nReplicas ${h.current} now, ${h.desired} wanted, between ${h.min} and ${h.max}\n${h.metrics}`,
          icon: { id: 'dashboard' },
          contextValue: 'hpa',
          ref: { kind: 'hpa', context, hpa: h },
        });
      }
    }
    for (const p of [...(loosePodsByNs.get(ns) ?? [])].sort(byName)) addPod(b, nsId, p, context, now);
    for (const s of (servicesByNs.get(ns) ?? []).filter((x) => !claimed.has(x.name)).sort(byName)) {
      addService(b, nsId, s, context);
    }
  }
  return b.build();
}

function addPod(b: TreeBuilder<ServicesRef>, parent: string, p: PodInfo, context: string, now: number): void {
  b.add(parent, {
    id: `${parent}|pod:${p.name}`,
    label: p.name,
    description: joinParts([p.status, plural(p.restarts, 'restart'), p.node, formatAge(p.createdAt, now)]),
    tooltip: podTooltip(p, now),
    icon: podIcon(p),
    contextValue: 'pod',
    ref: { kind: 'pod', context, pod: p },
  });
}

function addService(b: TreeBuilder<ServicesRef>, parent: string, s: ServiceInfo, context: string): void {
  b.add(parent, {
    id: `${parent}|svc:${s.name}`,
    label: s.name,
    description: joinParts([s.type, formatPorts(s.ports)]),
    tooltip: `Service ${s.namespace}/${s.name}\n${s.type}${s.clusterIP === undefined ? '' : ` ${s.clusterIP}`}\n${formatPorts(s.ports)}`,
    icon: { id: 'plug' },
    contextValue: 'service',
    ref: { kind: 'service', context, service: s },
  });
}
