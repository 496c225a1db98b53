import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from '../auth';
import { ApiError, notFound } from '../errors';
import type { ResourceType } from '../registry';
import { fieldsOf, labelsOf, parseFieldSelector, parseLabelSelector } from '../selectors';
import { rfc3339 } from '../store';
import type { JsonObject, KObject } from '../types';
import { sendJson } from './content';
import type { ApiContext, RequestInfo } from './context';
import type { ResourceRoute } from './route';
import type { PodRuntimeView } from './pod-runtime';
import { methodNotAllowed } from './handlers';
import { toTable } from '../tables';
import { parseAccept } from './content';

/** CPU in the units metrics-server reports: nanocores; memory in Ki. */
function cpu(millicores: number): string {
  return `${Math.round(millicores * 1_000_000)}n`;
}

function memory(bytes: number): string {
  return `${Math.round(bytes / 1024)}Ki`;
}

function podMetrics(ctx: ApiContext, pods: PodRuntimeView, pod: KObject): JsonObject | undefined {
  const usage = pods.usage(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
  if (usage === undefined) return undefined;
  const now = ctx.clock.now();
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? '',
      creationTimestamp: rfc3339(now),
      labels: pod.metadata.labels ?? {},
    },
    timestamp: rfc3339(now - 5_000),
    window: '10.0s',
    containers: usage.map((c) => ({
      name: c.name,
      usage: { cpu: cpu(c.cpuMillicores), memory: memory(c.memoryBytes) },
    })),
  };
}

function nodeMetrics(ctx: ApiContext, pods: PodRuntimeView, node: KObject, allPods: KObject[]): JsonObject {
  let cpuSum = 0;
  let memSum = 256 * 1024 * 1024;
  for (const p of allPods) {
    if ((p['spec'] as { nodeName?: string } | undefined)?.nodeName !== node.metadata.name) continue;
    for (const c of pods.usage(p.metadata.namespace ?? '', p.metadata.name ?? '') ?? []) {
      cpuSum += c.cpuMillicores;
      memSum += c.memoryBytes;
    }
  }
  const now = ctx.clock.now();
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: node.metadata.name ?? '',
      creationTimestamp: rfc3339(now),
      labels: node.metadata.labels ?? {},
    },
    timestamp: rfc3339(now - 5_000),
    window: '20.0s',
    usage: { cpu: cpu(cpuSum + 50), memory: memory(memSum) },
  };
}

/** metrics.k8s.io/v1beta1, computed from the simulated kubelet's usage figures; not stored. */
export function handleMetrics(
  ctx: ApiContext,
  pods: PodRuntimeView,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  r: ResourceRoute,
  info: RequestInfo,
): void {
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '');
  if (r.subresource !== undefined)
    throw new ApiError('NotFound', 'the server could not find the requested resource', {});
  const ns = t.namespaced ? r.namespace : undefined;
  authorize(info.user, r.name === undefined ? 'list' : 'get', t, ns, r.name);
  if (info.query.get('watch') === 'true' || info.query.get('watch') === '1') throw methodNotAllowed('WATCH');
  const podType = ctx.registry.lookup('', 'v1', 'pods')!;
  const nodeType = ctx.registry.lookup('', 'v1', 'nodes')!;
  const allPods = ctx.store.list(podType, ns);
  const sources = t.plural === 'pods' ? allPods : ctx.store.list(nodeType);
  const labels = parseLabelSelector(info.query.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(info.query.get('fieldSelector') ?? undefined);
  const render = (o: KObject): JsonObject | undefined =>
    t.plural === 'pods' ? podMetrics(ctx, pods, o) : nodeMetrics(ctx, pods, o, ctx.store.list(podType));
  if (r.name !== undefined) {
    const src = sources.find((o) => o.metadata.name === r.name);
    const m = src === undefined ? undefined : render(src);
    if (m === undefined) throw notFound(t, r.name);
    sendJson(res, 200, m);
    return;
  }
  const items = sources
    .filter((o) => labels(labelsOf(o)) && fields(fieldsOf(o)))
    .map(render)
    .filter((m): m is JsonObject => m !== undefined);
  if (parseAccept(req.headers.accept).table) {
    sendJson(
      res,
      200,
      toTable(t, items as unknown as KObject[], { now: ctx.clock.now(), includeObject: 'None' }),
    );
    return;
  }
  sendJson(res, 200, { kind: t.listKind, apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
}
