import { selectorMatches } from '../selectors';
import type { JsonObject, KObject } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import {
  isDeleting,
  isPodReady,
  keyOf,
  nameOf,
  namespaceOf,
  newControllerRef,
  nodeNameOf,
  podIP,
  records,
  sameJson,
  splitKey,
  uidOf,
} from './objects';
import {
  findPort,
  hostnameFor,
  isHeadless,
  lastChangeTriggerTime,
  managesEndpoints,
  podsForService,
  publishNotReady,
  routeServiceChange,
  servicePorts,
  shouldPodBeInEndpoints,
  targetRef,
} from './service-pods';
import { deleteQuietly, mutateObject } from './writes';

export const ENDPOINTSLICE_COMPONENT = 'endpoint-slice-controller';
const SERVICE_NAME = 'kubernetes.io/service-name';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const MANAGER = 'endpointslice-controller.k8s.io';
const HEADLESS = 'service.kubernetes.io/headless';
const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** maxEndpointsPerSlice, the controller's default. */
const MAX_PER_SLICE = 100;
const ZONE_LABEL = 'topology.kubernetes.io/zone';

interface Group {
  ports: JsonObject[] | null;
  endpoints: JsonObject[];
}

/**
 * The EndpointSlice controller: discovery.k8s.io/v1 slices for each service with a selector, one set of
 * slices per distinct set of resolved ports, at most 100 endpoints each, with ready, serving and
 * terminating conditions (terminating pods stay listed, not ready but possibly serving). A service
 * without endpoints keeps one empty placeholder slice, as upstream does.
 */
export function startEndpointSliceController(ctx: ControllerContext): Controller {
  const loop = startLoop(ctx, {
    name: ENDPOINTSLICE_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.services).map(keyOf),
    route: (ev, queue) => routeServiceChange(ctx, ev, queue, 'discovery.k8s.io/endpointslices'),
    sync: (key) => syncSlices(ctx, key),
  });
  return { stop: () => loop.stop() };
}

function ownedSlices(ctx: ControllerContext, namespace: string, service: string): KObject[] {
  return ctx.cache
    .list(ctx.res.endpointSlices, namespace)
    .filter((s) =>
      selectorMatches({ matchLabels: { [SERVICE_NAME]: service, [MANAGED_BY]: MANAGER } }, s.metadata.labels),
    )
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
}

function endpointFor(ctx: ControllerContext, pod: KObject, svc: KObject): JsonObject {
  const publish = publishNotReady(svc);
  const terminating = isDeleting(pod);
  const serving = publish || isPodReady(pod);
  // For compatibility, ready is never true for a terminating pod unless not-ready addresses are published.
  const ready = serving && (!terminating || publish);
  const ep: JsonObject = { addresses: [podIP(pod)], conditions: { ready, serving, terminating } };
  const hostname = hostnameFor(pod, svc);
  if (hostname !== undefined) ep['hostname'] = hostname;
  ep['targetRef'] = targetRef(pod);
  const node = nodeNameOf(pod);
  if (node !== '') {
    ep['nodeName'] = node;
    const zone = ctx.store.get(ctx.res.nodes, undefined, node)?.metadata.labels?.[ZONE_LABEL];
    if (zone !== undefined) ep['zone'] = zone;
  }
  return ep;
}

function desiredGroups(ctx: ControllerContext, svc: KObject, pods: readonly KObject[]): Map<string, Group> {
  const ports = servicePorts(svc);
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    const resolved: JsonObject[] = [];
    for (const p of ports) {
      const num = findPort(pod, p);
      if (num === undefined) continue;
      const port: JsonObject = { name: p.name, protocol: p.protocol, port: num };
      if (p.appProtocol !== undefined) port['appProtocol'] = p.appProtocol;
      resolved.push(port);
    }
    // A pod offering none of the service's ports is left out, unless the service has no ports at all.
    if (ports.length > 0 && resolved.length === 0) continue;
    const key = JSON.stringify(resolved);
    let g = groups.get(key);
    if (g === undefined) {
      g = { ports: resolved, endpoints: [] };
      groups.set(key, g);
    }
    g.endpoints.push(endpointFor(ctx, pod, svc));
  }
  return groups;
}

function syncSlices(ctx: ControllerContext, key: string): void {
  const { namespace, name } = splitKey(key);
  const svc = ctx.store.get(ctx.res.services, namespace, name);
  const existing = ownedSlices(ctx, namespace, name);
  if (svc === undefined || isDeleting(svc) || !managesEndpoints(svc)) {
    if (svc === undefined || isDeleting(svc))
      for (const s of existing) deleteQuietly(ctx.store, ctx.res.endpointSlices, namespace, nameOf(s));
    return;
  }
  const pods = podsForService(ctx, svc).filter((p) => shouldPodBeInEndpoints(p, true));
  const groups = desiredGroups(ctx, svc, pods);
  // The placeholder: a service with no endpoints still has one empty slice.
  if (groups.size === 0) groups.set('placeholder', { ports: null, endpoints: [] });
  const labels: Record<string, string> = {
    ...(svc.metadata.labels ?? {}),
    [SERVICE_NAME]: nameOf(svc),
    [MANAGED_BY]: MANAGER,
  };
  if (isHeadless(svc)) labels[HEADLESS] = '';
  const trigger = lastChangeTriggerTime(svc, pods);
  const unused = [...existing];
  for (const group of groups.values()) {
    const chunks: JsonObject[][] = [];
    for (let i = 0; i < group.endpoints.length; i += MAX_PER_SLICE)
      chunks.push(group.endpoints.slice(i, i + MAX_PER_SLICE));
    if (chunks.length === 0) chunks.push([]);
    for (const chunk of chunks) {
      // Reuse a slice with the same ports, keeping churn low as the real reconciler tries to.
      const idx = unused.findIndex((s) => sameJson(s['ports'] ?? null, group.ports));
      const reuse = idx >= 0 ? unused.splice(idx, 1)[0] : undefined;
      writeSlice(ctx, svc, reuse, labels, group.ports, chunk, trigger);
    }
  }
  for (const s of unused) deleteQuietly(ctx.store, ctx.res.endpointSlices, namespace, nameOf(s));
}

function writeSlice(
  ctx: ControllerContext,
  svc: KObject,
  existing: KObject | undefined,
  labels: Record<string, string>,
  ports: JsonObject[] | null,
  endpoints: JsonObject[],
  trigger: string,
): void {
  const body = endpoints.length === 0 ? null : endpoints;
  if (existing === undefined) {
    ctx.store.create(ctx.res.endpointSlices, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: `${nameOf(svc)}-`,
        namespace: namespaceOf(svc),
        labels,
        annotations: { [TRIGGER_TIME]: trigger },
        ownerReferences: [newControllerRef(svc)],
      },
      addressType: 'IPv4',
      endpoints: body,
      ports,
    });
    return;
  }
  const sameContent =
    sameJson(existing['endpoints'] ?? null, body) &&
    sameJson(existing['ports'] ?? null, ports) &&
    sameJson(existing.metadata.labels ?? {}, labels) &&
    records(existing.metadata.ownerReferences).length > 0 &&
    existing.metadata.ownerReferences?.[0]?.uid === uidOf(svc);
  if (sameContent) return;
  mutateObject(ctx.store, ctx.res.endpointSlices, namespaceOf(existing), nameOf(existing), (next) => {
    next.metadata.labels = labels;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [TRIGGER_TIME]: trigger };
    next.metadata.ownerReferences = [newControllerRef(svc)];
    next['endpoints'] = body;
    next['ports'] = ports;
    return true;
  });
}
