import { selectorMatches } from '../selectors';
import type { StoreEvent } from '../store';
import type { JsonObject, KObject } from '../types';
import type { ControllerContext } from './controller';
import {
  isDeleting,
  isPodTerminal,
  keyOf,
  namespaceOf,
  num,
  podContainers,
  podIP,
  rec,
  records,
  specOf,
  str,
  strMap,
  time,
} from './objects';
import type { WorkQueue } from './queue';

export interface ServicePort {
  name: string;
  port: number;
  protocol: string;
  targetPort: number | string;
  appProtocol: string | undefined;
}

/** The service's selector, or undefined for a service without one (its endpoints are someone else's). */
export function serviceSelector(svc: KObject): Record<string, string> | undefined {
  const spec = specOf(svc);
  if (spec['selector'] === undefined || spec['selector'] === null) return undefined;
  return strMap(spec['selector']);
}

export function servicePorts(svc: KObject): ServicePort[] {
  return records(specOf(svc)['ports']).map((p) => {
    const port = num(p['port']) ?? 0;
    const target = p['targetPort'];
    return {
      name: str(p['name']) ?? '',
      port,
      protocol: str(p['protocol']) ?? 'TCP',
      targetPort: typeof target === 'number' || typeof target === 'string' ? target : port,
      appProtocol: str(p['appProtocol']),
    };
  });
}

export function isHeadless(svc: KObject): boolean {
  return specOf(svc)['clusterIP'] === 'None';
}

export function publishNotReady(svc: KObject): boolean {
  return specOf(svc)['publishNotReadyAddresses'] === true;
}

/** Services that manage endpoints: with a selector and not ExternalName. */
export function managesEndpoints(svc: KObject): boolean {
  return specOf(svc)['type'] !== 'ExternalName' && serviceSelector(svc) !== undefined;
}

export function podsForService(ctx: ControllerContext, svc: KObject): KObject[] {
  const selector = serviceSelector(svc);
  if (selector === undefined) return [];
  return ctx.cache
    .list(ctx.res.pods, namespaceOf(svc))
    .filter((p) => selectorMatches({ matchLabels: selector }, p.metadata.labels))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** ShouldPodBeInEndpoints: not finished, has an IP, and not terminating unless terminating ones are wanted. */
export function shouldPodBeInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIP(pod) === '') return false;
  return includeTerminating || !isDeleting(pod);
}

/** podutil.FindPort: a number as is, a name looked up among the containers' (and sidecars') ports. */
export function findPort(pod: KObject, port: ServicePort): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  const sidecars = records(specOf(pod)['initContainers']).filter((c) => c['restartPolicy'] === 'Always');
  const containers = [...podContainers(pod), ...podContainers({ ...pod, spec: { containers: sidecars } })];
  for (const c of containers) {
    for (const p of c.ports)
      if (p.name === port.targetPort && p.protocol === port.protocol) return p.containerPort;
  }
  return undefined;
}

/** ShouldSetHostname: the pod names the service as its subdomain and has a hostname. */
export function hostnameFor(pod: KObject, svc: KObject): string | undefined {
  const spec = specOf(pod);
  const hostname = str(spec['hostname']);
  return hostname !== undefined &&
    hostname !== '' &&
    str(spec['subdomain']) === svc.metadata.name &&
    namespaceOf(pod) === namespaceOf(svc)
    ? hostname
    : undefined;
}

export function targetRef(pod: KObject): JsonObject {
  return {
    kind: 'Pod',
    namespace: namespaceOf(pod),
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
}

/**
 * The trigger time upstream annotates endpoints with: the latest change among the service and its pods
 * (creation and condition transitions), formatted as RFC 3339 with nanoseconds trimmed.
 */
export function lastChangeTriggerTime(svc: KObject, pods: readonly KObject[]): string {
  let latest = time(svc.metadata.creationTimestamp) ?? 0;
  for (const p of pods) {
    latest = Math.max(latest, time(p.metadata.creationTimestamp) ?? 0);
    for (const c of records(rec(p['status'])['conditions']))
      latest = Math.max(latest, time(c['lastTransitionTime']) ?? 0);
  }
  return new Date(latest).toISOString().replace('.000Z', 'Z');
}

/** Queues the services a store change concerns: the service itself, or those selecting a changed pod. */
export function routeServiceChange(
  ctx: ControllerContext,
  ev: StoreEvent,
  queue: WorkQueue,
  ownKey: string,
): void {
  if (ev.key === 'core/services') {
    queue.add(keyOf(ev.object));
    return;
  }
  // Someone deleting what the controller wrote gets it written again.
  if (ev.key === ownKey && ev.type === 'DELETED') {
    const svcName =
      ev.object.metadata.labels?.['kubernetes.io/service-name'] ?? ev.object.metadata.name ?? '';
    queue.add(`${namespaceOf(ev.object)}/${svcName}`);
    return;
  }
  if (ev.key !== 'core/pods') return;
  const labelsets = [ev.object.metadata.labels, ev.old?.metadata.labels];
  for (const svc of ctx.cache.list(ctx.res.services, namespaceOf(ev.object))) {
    const selector = serviceSelector(svc);
    if (selector === undefined) continue;
    if (labelsets.some((l) => l !== undefined && selectorMatches({ matchLabels: selector }, l)))
      queue.add(keyOf(svc));
  }
}

/** IPv4 addresses compare numerically, as the API server sorts endpoint addresses. */
export function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}
