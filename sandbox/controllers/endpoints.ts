import type { JsonObject, KObject } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import { isPodReady, keyOf, nameOf, namespaceOf, nodeNameOf, podIP, sameJson, splitKey } from './objects';
import {
  compareIPs,
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

export const ENDPOINTS_COMPONENT = 'endpoint-controller';
const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
const HEADLESS = 'service.kubernetes.io/headless';
/** The endpoints controller truncates to this many addresses and marks the object over capacity. */
const MAX_ADDRESSES = 1000;

interface Entry {
  address: JsonObject;
  ready: boolean;
}

/**
 * The Endpoints controller: for each service with a selector, the selected pods with an IP as ready or
 * not-ready addresses, one subset per distinct set of resolved ports (RepackSubsets), labelled like the
 * service. Terminating pods are left out unless the service publishes not-ready addresses.
 */
export function startEndpointsController(ctx: ControllerContext): Controller {
  const loop = startLoop(ctx, {
    name: ENDPOINTS_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.services).map(keyOf),
    route: (ev, queue) => routeServiceChange(ctx, ev, queue, 'core/endpoints'),
    sync: (key) => syncEndpoints(ctx, key),
  });
  return { stop: () => loop.stop() };
}

function syncEndpoints(ctx: ControllerContext, key: string): void {
  const { namespace, name } = splitKey(key);
  const svc = ctx.store.get(ctx.res.services, namespace, name);
  if (svc === undefined) {
    // The service is gone: its endpoints go too (they are not owned, so the garbage collector would not).
    deleteQuietly(ctx.store, ctx.res.endpoints, namespace, name);
    return;
  }
  if (!managesEndpoints(svc)) return;
  const pods = podsForService(ctx, svc).filter((p) => shouldPodBeInEndpoints(p, publishNotReady(svc)));
  const ports = servicePorts(svc);
  // Per port, the addresses offering it; a headless service without ports still lists addresses.
  const byPort = new Map<string, { port: JsonObject | undefined; entries: Entry[] }>();
  for (const pod of pods) {
    const address: JsonObject = { ip: podIP(pod) };
    const hostname = hostnameFor(pod, svc);
    if (hostname !== undefined) address['hostname'] = hostname;
    if (nodeNameOf(pod) !== '') address['nodeName'] = nodeNameOf(pod);
    address['targetRef'] = targetRef(pod);
    const entry = { address, ready: publishNotReady(svc) || isPodReady(pod) };
    if (ports.length === 0) {
      if (isHeadless(svc)) addTo(byPort, undefined, entry);
      continue;
    }
    for (const p of ports) {
      const num = findPort(pod, p);
      if (num === undefined) continue;
      const port: JsonObject = {};
      if (p.name !== '') port['name'] = p.name;
      port['port'] = num;
      port['protocol'] = p.protocol;
      if (p.appProtocol !== undefined) port['appProtocol'] = p.appProtocol;
      addTo(byPort, port, entry);
    }
  }
  const subsets = repack(byPort);
  let truncated = false;
  let count = 0;
  for (const s of subsets) {
    for (const field of ['addresses', 'notReadyAddresses']) {
      const list = s[field];
      if (!Array.isArray(list)) continue;
      const room = Math.max(0, MAX_ADDRESSES - count);
      if (list.length > room) {
        s[field] = list.slice(0, room);
        truncated = true;
      }
      count += Math.min(list.length, room);
    }
  }
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS] = '';
  const existing = ctx.store.get(ctx.res.endpoints, namespace, name);
  const annotations: Record<string, string> = Object.fromEntries(
    Object.entries(existing?.metadata.annotations ?? {}).filter(([k]) => k !== OVER_CAPACITY),
  );
  if (truncated) annotations[OVER_CAPACITY] = 'truncated';
  const current = existing === undefined ? undefined : (existing['subsets'] ?? []);
  if (
    existing !== undefined &&
    sameJson(current, subsets) &&
    sameJson(existing.metadata.labels ?? {}, labels) &&
    (existing.metadata.annotations?.[OVER_CAPACITY] === 'truncated') === truncated
  )
    return;
  annotations[TRIGGER_TIME] = lastChangeTriggerTime(svc, pods);
  if (existing === undefined) {
    const ep: KObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: nameOf(svc), namespace: namespaceOf(svc), labels, annotations },
    };
    if (subsets.length > 0) ep['subsets'] = subsets;
    ctx.store.create(ctx.res.endpoints, ep);
    return;
  }
  mutateObject(ctx.store, ctx.res.endpoints, namespace, name, (next) => {
    next.metadata.labels = labels;
    next.metadata.annotations = annotations;
    if (subsets.length > 0) next['subsets'] = subsets;
    else delete next['subsets'];
    return true;
  });
}

function addTo(
  byPort: Map<string, { port: JsonObject | undefined; entries: Entry[] }>,
  port: JsonObject | undefined,
  entry: Entry,
): void {
  const key = port === undefined ? '' : JSON.stringify(port);
  let slot = byPort.get(key);
  if (slot === undefined) {
    slot = { port, entries: [] };
    byPort.set(key, slot);
  }
  slot.entries.push(entry);
}

/** RepackSubsets: ports offered by the same set of addresses share one subset; everything sorted. */
function repack(byPort: Map<string, { port: JsonObject | undefined; entries: Entry[] }>): JsonObject[] {
  const groups = new Map<string, { entries: Entry[]; ports: JsonObject[] }>();
  for (const { port, entries } of byPort.values()) {
    const key = entries
      .map((e) => `${JSON.stringify(e.address)}:${e.ready}`)
      .sort()
      .join('|');
    let g = groups.get(key);
    if (g === undefined) {
      g = { entries, ports: [] };
      groups.set(key, g);
    }
    if (port !== undefined) g.ports.push(port);
  }
  const byIP = (a: JsonObject, b: JsonObject): number => compareIPs(String(a['ip']), String(b['ip']));
  const subsets = [...groups.values()].map((g) => {
    const s: JsonObject = {};
    const ready = g.entries
      .filter((e) => e.ready)
      .map((e) => e.address)
      .sort(byIP);
    const notReady = g.entries
      .filter((e) => !e.ready)
      .map((e) => e.address)
      .sort(byIP);
    if (ready.length > 0) s['addresses'] = ready;
    if (notReady.length > 0) s['notReadyAddresses'] = notReady;
    if (g.ports.length > 0)
      s['ports'] = g.ports.sort(
        (a, b) =>
          String(a['name'] ?? '').localeCompare(String(b['name'] ?? '')) ||
          Number(a['port']) - Number(b['port']),
      );
    return s;
  });
  return subsets.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
