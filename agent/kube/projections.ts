/**
 * Pure functions from Kubernetes objects to protocol models. They read only what the models show: no
 * Secret value and no Helm values or manifest ever reach a model.
 */
import type {
  Health,
  HpaInfo,
  IngressInfo,
  NamespaceInfo,
  PodInfo,
  RolloutRevision,
  ServiceInfo,
  ServicePort,
  WorkloadInfo,
  WorkloadKind,
} from '../../protocol';
import {
  controllerOf,
  type Condition,
  type ControllerRevision,
  type DaemonSet,
  type Deployment,
  type HorizontalPodAutoscaler,
  type Ingress,
  type IngressBackend,
  type MetricSpec,
  type MetricStatus,
  type MetricTarget,
  type MetricValue,
  type Namespace,
  type Pod,
  type PodTemplate,
  type ReplicaSet,
  type Service,
  type StatefulSet,
} from './objects';
import { podProblem, podStarting, podSummary } from './pod-status';

export { helmRevisionFromSecret } from './helm';
export { podSummary } from './pod-status';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/**
 * Timestamps as the API server writes them (RFC 3339, whole seconds). Lists arrive through client-node's
 * Date objects and watch events as text; both end up in the same form, so equal objects compare equal.
 */
export function rfc3339(v: string | undefined): string {
  if (v === undefined || v === '') return '';
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? v : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

export function namespaceInfo(ns: Namespace): NamespaceInfo {
  return { name: ns.metadata.name, phase: ns.status?.phase ?? 'Active' };
}

export interface PodOwner {
  kind: WorkloadKind;
  name: string;
}

/**
 * The workload that owns a pod: StatefulSets and DaemonSets directly, Deployments through the
 * ReplicaSet's own controller reference. Before the ReplicaSet is known, the Deployment name is read off
 * the ReplicaSet's name, which the Deployment controller builds as "<deployment>-<pod-template-hash>".
 */
export function podOwner(pod: Pod, replicaSet: ReplicaSet | undefined): PodOwner | undefined {
  const ref = controllerOf(pod);
  if (ref === undefined) return undefined;
  if (ref.kind === 'StatefulSet' || ref.kind === 'DaemonSet') return { kind: ref.kind, name: ref.name };
  if (ref.kind !== 'ReplicaSet') return undefined;
  if (replicaSet !== undefined) {
    const rsRef = controllerOf(replicaSet);
    return rsRef?.kind === 'Deployment' ? { kind: 'Deployment', name: rsRef.name } : undefined;
  }
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (hash !== undefined && ref.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  }
  return undefined;
}

export function podInfo(pod: Pod, owner: PodOwner | undefined): PodInfo {
  const summary = podSummary(pod);
  const info: PodInfo = {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
    phase: pod.status?.phase ?? 'Pending',
    status: summary.status,
    readyContainers: summary.readyContainers,
    totalContainers: summary.totalContainers,
    restarts: summary.restarts,
    createdAt: rfc3339(pod.metadata.creationTimestamp),
    labels: { ...pod.metadata.labels },
    containers: (pod.spec?.containers ?? []).map((c) => c.name),
  };
  const node = pod.spec?.nodeName;
  if (node !== undefined && node !== '') info.node = node;
  const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
  if (ip !== undefined && ip !== '') info.ip = ip;
  if (owner !== undefined) info.owner = { ...owner };
  return info;
}

function images(template: PodTemplate | undefined): string[] {
  return (template?.spec?.containers ?? []).map((c) => c.image ?? '');
}

function condition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

interface Verdict {
  health: Health;
  reason?: string;
}

/** The most telling broken-pod reason among a workload's pods, or undefined when none is broken. */
function firstProblem(pods: readonly Pod[]): string | undefined {
  const counts = new Map<string, number>();
  for (const p of pods) {
    const problem = podProblem(p);
    if (problem !== undefined) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [reason, n] of counts) if (best === undefined || n > counts.get(best)!) best = reason;
  return best;
}

function firstStarting(pods: readonly Pod[]): string | undefined {
  for (const p of pods) {
    const s = podSummary(p);
    if (podStarting(s) && p.metadata.deletionTimestamp === undefined) return s.status;
  }
  return undefined;
}

/** Broken pods or a missed deadline: failed when nothing serves, degraded while some replicas still do. */
function broken(ready: number, reason: string): Verdict {
  return { health: ready === 0 ? 'failed' : 'degraded', reason };
}

/** Every replica runs the current template but not all are ready: starting, or unready after a rollout. */
function notAllReady(pods: readonly Pod[], ready: number, rolloutFinished: boolean): Verdict {
  const starting = firstStarting(pods);
  if (starting !== undefined) return { health: 'progressing', reason: starting };
  if (!rolloutFinished) return { health: 'progressing', reason: 'Starting' };
  return broken(ready, 'Unready');
}

function generationObserved(meta: { generation?: number }, observed: number | undefined): boolean {
  return (observed ?? 0) >= (meta.generation ?? 0);
}

function deploymentHealth(d: Deployment, pods: readonly Pod[]): Verdict {
  const desired = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const replicas = st.replicas ?? 0;
  if (desired === 0) {
    return replicas > 0
      ? { health: 'progressing', reason: 'Scaling down' }
      : { health: 'idle', reason: 'Scaled to zero' };
  }
  const problem = firstProblem(pods);
  if (problem !== undefined) return broken(ready, problem);
  const progressing = condition(st.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return broken(ready, 'ProgressDeadlineExceeded');
  const rolledOut =
    generationObserved(d.metadata, st.observedGeneration) && updated >= desired && replicas <= updated;
  const allReady = ready >= desired && available >= desired;
  if (d.spec?.paused === true)
    return { health: rolledOut && allReady ? 'healthy' : 'progressing', reason: 'Paused' };
  if (!rolledOut) return { health: 'progressing', reason: 'Rolling out' };
  if (allReady) return { health: 'healthy' };
  return notAllReady(pods, ready, progressing?.reason === 'NewReplicaSetAvailable');
}

function statefulSetHealth(s: StatefulSet, pods: readonly Pod[]): Verdict {
  const desired = s.spec?.replicas ?? 1;
  const st = s.status ?? {};
  const ready = st.readyReplicas ?? 0;
  if (desired === 0) {
    return (st.replicas ?? 0) > 0
      ? { health: 'progressing', reason: 'Scaling down' }
      : { health: 'idle', reason: 'Scaled to zero' };
  }
  const problem = firstProblem(pods);
  if (problem !== undefined) return broken(ready, problem);
  const revisionsMatch = st.updateRevision === undefined || st.currentRevision === st.updateRevision;
  const rolledOut =
    generationObserved(s.metadata, st.observedGeneration) && revisionsMatch && (st.replicas ?? 0) <= desired;
  if (!rolledOut) return { health: 'progressing', reason: 'Rolling out' };
  if (ready >= desired) return { health: 'healthy' };
  return notAllReady(pods, ready, true);
}

function daemonSetHealth(ds: DaemonSet, pods: readonly Pod[]): Verdict {
  const st = ds.status ?? {};
  const desired = st.desiredNumberScheduled ?? 0;
  const ready = st.numberReady ?? 0;
  if (desired === 0) return { health: 'idle', reason: 'No eligible nodes' };
  const problem = firstProblem(pods);
  if (problem !== undefined) return broken(ready, problem);
  const rolledOut =
    generationObserved(ds.metadata, st.observedGeneration) && (st.updatedNumberScheduled ?? 0) >= desired;
  if (!rolledOut) return { health: 'progressing', reason: 'Rolling out' };
  if (ready >= desired) return { health: 'healthy' };
  return notAllReady(pods, ready, true);
}

export type WorkloadObject =
  | { kind: 'Deployment'; object: Deployment }
  | { kind: 'StatefulSet'; object: StatefulSet }
  | { kind: 'DaemonSet'; object: DaemonSet };

/** A workload with its health; `pods` are the pods it owns (through its ReplicaSets for a Deployment). */
export function workloadInfo(w: WorkloadObject, pods: readonly Pod[]): WorkloadInfo {
  const o = w.object;
  let counts: Pick<WorkloadInfo, 'desired' | 'ready' | 'updated' | 'available'>;
  let verdict: Verdict;
  switch (w.kind) {
    case 'Deployment': {
      const st = w.object.status ?? {};
      counts = {
        desired: w.object.spec?.replicas ?? 1,
        ready: st.readyReplicas ?? 0,
        updated: st.updatedReplicas ?? 0,
        available: st.availableReplicas ?? 0,
      };
      verdict = deploymentHealth(w.object, pods);
      break;
    }
    case 'StatefulSet': {
      const st = w.object.status ?? {};
      counts = {
        desired: w.object.spec?.replicas ?? 1,
        ready: st.readyReplicas ?? 0,
        updated: st.updatedReplicas ?? 0,
        available: st.availableReplicas ?? st.readyReplicas ?? 0,
      };
      verdict = statefulSetHealth(w.object, pods);
      break;
    }
    case 'DaemonSet': {
      const st = w.object.status ?? {};
      counts = {
        desired: st.desiredNumberScheduled ?? 0,
        ready: st.numberReady ?? 0,
        updated: st.updatedNumberScheduled ?? 0,
        available: st.numberAvailable ?? 0,
      };
      verdict = daemonSetHealth(w.object, pods);
      break;
    }
  }
  const info: WorkloadInfo = {
    kind: w.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    uid: o.metadata.uid ?? '',
    ...counts,
    health: verdict.health,
    images: images(o.spec?.template),
    containers: (o.spec?.template?.spec?.containers ?? []).map((c) => c.name),
    selector: { ...o.spec?.selector?.matchLabels },
    createdAt: rfc3339(o.metadata.creationTimestamp),
  };
  if (verdict.reason !== undefined) info.reason = verdict.reason;
  return info;
}

export function serviceInfo(svc: Service): ServiceInfo {
  const spec = svc.spec ?? {};
  const info: ServiceInfo = {
    namespace: svc.metadata.namespace ?? '',
    name: svc.metadata.name,
    type: spec.type ?? 'ClusterIP',
    ports: (spec.ports ?? []).map((p) => {
      const port: ServicePort = {
        port: p.port,
        targetPort: String(p.targetPort ?? p.port),
        protocol: p.protocol ?? 'TCP',
      };
      if (p.name !== undefined && p.name !== '') port.name = p.name;
      if (p.nodePort !== undefined) port.nodePort = p.nodePort;
      return port;
    }),
    selector: { ...spec.selector },
  };
  if (spec.clusterIP !== undefined && spec.clusterIP !== '') info.clusterIP = spec.clusterIP;
  return info;
}

function backendOf(b: IngressBackend): { service: string; port: string } | undefined {
  if (b.service !== undefined) {
    return { service: b.service.name, port: String(b.service.port?.number ?? b.service.port?.name ?? '') };
  }
  if (b.resource !== undefined) return { service: `${b.resource.kind}/${b.resource.name}`, port: '' };
  return undefined;
}

export function ingressInfo(ing: Ingress): IngressInfo {
  const hosts: string[] = [];
  const backends: { service: string; port: string }[] = [];
  const add = (b: IngressBackend | undefined): void => {
    const backend = b === undefined ? undefined : backendOf(b);
    if (
      backend !== undefined &&
      !backends.some((x) => x.service === backend.service && x.port === backend.port)
    ) {
      backends.push(backend);
    }
  };
  add(ing.spec?.defaultBackend);
  for (const rule of ing.spec?.rules ?? []) {
    const host = rule.host === undefined || rule.host === '' ? '*' : rule.host;
    if (!hosts.includes(host)) hosts.push(host);
    for (const p of rule.http?.paths ?? []) add(p.backend);
  }
  return { namespace: ing.metadata.namespace ?? '', name: ing.metadata.name, hosts, backends };
}

const UNKNOWN = '<unknown>';

function targetText(t: MetricTarget | undefined): string {
  if (t?.averageUtilization !== undefined) return `${t.averageUtilization}%`;
  if (t?.averageValue !== undefined) return `${t.averageValue}`;
  if (t?.value !== undefined) return `${t.value}`;
  return UNKNOWN;
}

function currentText(c: MetricValue | undefined, target: MetricTarget | undefined): string {
  if (c === undefined) return UNKNOWN;
  if (target?.averageUtilization !== undefined) {
    return c.averageUtilization === undefined ? UNKNOWN : `${c.averageUtilization}%`;
  }
  const v = c.averageValue ?? c.value;
  return v === undefined ? UNKNOWN : `${v}`;
}

/** The status entry describing the same metric as a spec entry (same type and name), if any. */
function statusFor(spec: MetricSpec, statuses: readonly MetricStatus[]): MetricValue | undefined {
  for (const s of statuses) {
    if (s.type !== spec.type) continue;
    switch (spec.type) {
      case 'Resource':
        if (s.resource?.name === spec.resource?.name) return s.resource?.current;
        break;
      case 'ContainerResource':
        if (
          s.containerResource?.name === spec.containerResource?.name &&
          s.containerResource?.container === spec.containerResource?.container
        ) {
          return s.containerResource?.current;
        }
        break;
      case 'Pods':
        if (s.pods?.metric?.name === spec.pods?.metric?.name) return s.pods?.current;
        break;
      case 'Object':
        if (s.object?.metric?.name === spec.object?.metric?.name) return s.object?.current;
        break;
      case 'External':
        if (s.external?.metric?.name === spec.external?.metric?.name) return s.external?.current;
        break;
    }
  }
  return undefined;
}

function metricText(spec: MetricSpec, statuses: readonly MetricStatus[]): string {
  const current = statusFor(spec, statuses);
  const pair = (name: string, target: MetricTarget | undefined): string =>
    `${name} ${currentText(current, target)}/${targetText(target)}`;
  switch (spec.type) {
    case 'Resource':
      return pair(spec.resource?.name ?? 'resource', spec.resource?.target);
    case 'ContainerResource':
      return pair(
        `${spec.containerResource?.name ?? 'resource'} (${spec.containerResource?.container ?? ''})`,
        spec.containerResource?.target,
      );
    case 'Pods':
      return pair(spec.pods?.metric?.name ?? 'pods', spec.pods?.target);
    case 'Object':
      return pair(spec.object?.metric?.name ?? 'object', spec.object?.target);
    case 'External':
      return pair(spec.external?.metric?.name ?? 'external', spec.external?.target);
    default:
      return spec.type;
  }
}

/** "cpu 45%/70%, memory 200Mi/500Mi": current over target per metric, <unknown> before the first reading. */
export function hpaMetrics(hpa: HorizontalPodAutoscaler): string {
  const statuses = hpa.status?.currentMetrics ?? [];
  return (hpa.spec?.metrics ?? []).map((m) => metricText(m, statuses)).join(', ');
}

export function hpaInfo(hpa: HorizontalPodAutoscaler): HpaInfo {
  const spec = hpa.spec ?? {};
  return {
    namespace: hpa.metadata.namespace ?? '',
    name: hpa.metadata.name,
    target: { kind: spec.scaleTargetRef?.kind ?? '', name: spec.scaleTargetRef?.name ?? '' },
    min: spec.minReplicas ?? 1,
    max: spec.maxReplicas ?? 0,
    current: hpa.status?.currentReplicas ?? 0,
    desired: hpa.status?.desiredReplicas ?? 0,
    metrics: hpaMetrics(hpa),
  };
}

function changeCause(meta: { annotations?: Record<string, string> }): string | undefined {
  const cause = meta.annotations?.[CHANGE_CAUSE_ANNOTATION];
  return cause === undefined || cause === '' ? undefined : cause;
}

/**
 * A Deployment revision from one of its ReplicaSets. The Deployment controller keeps the revision number
 * in an annotation on both; the one whose number the Deployment carries is the one it runs.
 */
export function revisionFromReplicaSet(
  rs: ReplicaSet,
  deployment: Deployment | undefined,
): RolloutRevision | undefined {
  const ref = controllerOf(rs);
  const text = rs.metadata.annotations?.[REVISION_ANNOTATION];
  if (ref?.kind !== 'Deployment' || text === undefined) return undefined;
  const revision = Number(text);
  if (!Number.isInteger(revision)) return undefined;
  const owned = deployment !== undefined && deployment.metadata.name === ref.name;
  const rev: RolloutRevision = {
    workload: { kind: 'Deployment', namespace: rs.metadata.namespace ?? '', name: ref.name },
    revision,
    images: images(rs.spec?.template),
    createdAt: rfc3339(rs.metadata.creationTimestamp),
    current: owned && deployment.metadata.annotations?.[REVISION_ANNOTATION] === text,
    source: rs.metadata.name,
  };
  const cause = changeCause(rs.metadata);
  if (cause !== undefined) rev.changeCause = cause;
  return rev;
}

function templateOfRevision(cr: ControllerRevision): PodTemplate | undefined {
  const data = cr.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const spec = (data as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  return (spec as { template?: PodTemplate }).template;
}

/**
 * A StatefulSet or DaemonSet revision from a ControllerRevision. A StatefulSet names the revision it
 * rolls towards in status.updateRevision; a DaemonSet's current template always has the highest number
 * (a rollback renumbers the old revision), so `siblings` (its other revisions) decide.
 */
export function revisionFromControllerRevision(
  cr: ControllerRevision,
  owner: StatefulSet | DaemonSet | undefined,
  siblings: readonly ControllerRevision[],
): RolloutRevision | undefined {
  const ref = controllerOf(cr);
  if (ref?.kind !== 'StatefulSet' && ref?.kind !== 'DaemonSet') return undefined;
  const highest = siblings.every((s) => s.revision <= cr.revision);
  const updateRevision =
    ref.kind === 'StatefulSet' && owner?.metadata.name === ref.name
      ? (owner as StatefulSet).status?.updateRevision
      : undefined;
  const rev: RolloutRevision = {
    workload: { kind: ref.kind, namespace: cr.metadata.namespace ?? '', name: ref.name },
    revision: cr.revision,
    images: images(templateOfRevision(cr)),
    createdAt: rfc3339(cr.metadata.creationTimestamp),
    current: updateRevision === undefined ? highest : updateRevision === cr.metadata.name,
    source: cr.metadata.name,
  };
  const cause = changeCause(cr.metadata);
  if (cause !== undefined) rev.changeCause = cause;
  return rev;
}
