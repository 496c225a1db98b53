import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { authorize } from '../auth';
import { ApiError, badRequest } from '../errors';
import type { ResourceType } from '../registry';
import { selectorMatches } from '../selectors';
import { type KObject, isJsonObject } from '../types';
import type { ApiContext, RequestInfo } from './context';
import type { LogRequest, PodRuntimeView } from './pod-runtime';

interface ContainerSpec {
  name: string;
  ports?: { containerPort: number; name?: string }[];
}

function containers(pod: KObject): ContainerSpec[] {
  const spec = pod['spec'];
  if (!isJsonObject(spec) || !Array.isArray(spec['containers'])) return [];
  return spec['containers'] as unknown as ContainerSpec[];
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw badRequest(`${name}: Invalid value: "${v}": must be a non-negative integer`);
  return n;
}

/** `pods/log`: the container's log as kubelet serves it, streamed while `follow=true`. */
export function handleLog(
  ctx: ApiContext,
  pods: PodRuntimeView,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
  info: RequestInfo,
): void {
  if (req.method !== 'GET') throw new ApiError('MethodNotAllowed', 'pods/log answers GET only');
  authorize(info.user, 'get', { group: '', plural: 'pods' }, namespace, name, 'log');
  const podType = ctx.registry.lookup('', 'v1', 'pods')!;
  const pod = ctx.store.mustGet(podType, namespace, name);
  const q = info.query;
  const names = containers(pod).map((c) => c.name);
  let container = q.get('container') ?? '';
  if (container === '') {
    if (names.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    }
    container = names[0]!;
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const logReq: LogRequest = {
    container,
    previous: q.get('previous') === 'true',
    follow: q.get('follow') === 'true',
    timestamps: q.get('timestamps') === 'true',
  };
  const sinceTime = q.get('sinceTime');
  if (sinceTime !== null && sinceTime !== '') {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`sinceTime: Invalid value: "${sinceTime}": must be RFC3339`);
    logReq.sinceTime = t;
  }
  const sinceSeconds = intParam(q, 'sinceSeconds');
  if (sinceSeconds !== undefined) logReq.sinceSeconds = sinceSeconds;
  const tail = intParam(q, 'tailLines');
  if (tail !== undefined) logReq.tailLines = tail;
  const limit = intParam(q, 'limitBytes');
  if (limit !== undefined) logReq.limitBytes = limit;
  const stream = pods.openLog(namespace, name, logReq);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  stream.pipe(res);
  res.on('close', () => stream.destroy());
  // A stream that breaks (a dropped-stream fault) cuts the connection without a clean chunked end.
  stream.on('error', () => res.destroy());
}

const PORT_FORWARD_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 16 * 1024 * 1024,
  handleProtocols: (offered) => PORT_FORWARD_PROTOCOLS.find((p) => offered.has(p)) ?? false,
});
const CLOSE_STREAM = 255;

function portFrame(channel: number, port: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUInt8(channel, 0);
  b.writeUInt16LE(port, 1);
  return b;
}

/**
 * `pods/portforward` over WebSocket channels as the kubelet speaks them: for the i-th requested port,
 * channel 2i carries data and 2i+1 errors; each channel first carries its port number (2 bytes, LE).
 */
export function handlePortForwardUpgrade(
  ctx: ApiContext,
  pods: PodRuntimeView,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  namespace: string,
  name: string,
  info: RequestInfo,
): void {
  authorize(info.user, 'create', { group: '', plural: 'pods' }, namespace, name, 'portforward');
  const podType = ctx.registry.lookup('', 'v1', 'pods')!;
  const pod = ctx.store.mustGet(podType, namespace, name);
  const status = pod['status'];
  if (!isJsonObject(status) || status['phase'] !== 'Running') {
    throw badRequest(
      `pod ${name} is not running and cannot be port-forwarded (phase ${isJsonObject(status) ? String(status['phase']) : 'unknown'})`,
    );
  }
  const ports = info.query
    .getAll('ports')
    .flatMap((p) => p.split(','))
    .map((p) => Number(p.trim()));
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw badRequest('query parameter "ports" is required and must list valid port numbers');
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  if (!offered.some((p) => PORT_FORWARD_PROTOCOLS.includes(p))) {
    throw badRequest(
      `port-forward needs one of the WebSocket subprotocols ${PORT_FORWARD_PROTOCOLS.join(', ')}`,
    );
  }
  wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, pods, namespace, name, ports));
}

function bridge(ws: WebSocket, pods: PodRuntimeView, namespace: string, name: string, ports: number[]): void {
  const conns = new Map<number, Socket>();
  const pending = new Map<number, Buffer[]>();
  ports.forEach((port, i) => {
    ws.send(portFrame(2 * i, port));
    ws.send(portFrame(2 * i + 1, port));
    pending.set(i, []);
    pods
      .connectTarget(namespace, name, port)
      .then((target) => {
        const sock = connect({ port: target.port, host: target.host, noDelay: true });
        conns.set(i, sock);
        for (const chunk of pending.get(i) ?? []) sock.write(chunk);
        pending.delete(i);
        // The channel byte goes out as a frame of its own and the bytes as the message's continuation,
        // so a chunk is never copied to prefix it.
        const channel = Buffer.from([2 * i]);
        sock.on('data', (d: Buffer) => {
          ws.send(channel, { binary: true, fin: false });
          ws.send(d, { binary: true, fin: true });
        });
        sock.on('error', (e) => {
          ws.send(
            Buffer.concat([
              Buffer.from([2 * i + 1]),
              Buffer.from(`error forwarding port ${port} to pod ${name}: ${e.message}`),
            ]),
          );
        });
        sock.on('close', () => ws.close());
      })
      .catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        ws.send(
          Buffer.concat([
            Buffer.from([2 * i + 1]),
            Buffer.from(`error forwarding port ${port} to pod ${name}: ${msg}`),
          ]),
        );
        ws.close();
      });
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data.toString('utf8'), 'utf8');
    if (buf.length === 0) return;
    const channel = buf[0]!;
    if (channel === CLOSE_STREAM) {
      const idx = Math.floor((buf[1] ?? 0) / 2);
      conns.get(idx)?.end();
      return;
    }
    if (channel % 2 === 1) return;
    const idx = channel / 2;
    const payload = buf.subarray(1);
    const sock = conns.get(idx);
    if (sock !== undefined) sock.write(payload);
    else pending.get(idx)?.push(Buffer.from(payload));
  });
  ws.on('close', () => {
    for (const s of conns.values()) s.destroy();
  });
}

/** Splits `name`, `name:port` or `scheme:name:port` as the proxy subresource takes them. */
function splitProxyName(raw: string): { name: string; port: string | undefined } {
  const parts = raw.split(':');
  if (parts.length === 3) return { name: parts[1]!, port: parts[2]! };
  if (parts.length === 2) return { name: parts[0]!, port: parts[1]! };
  return { name: raw, port: undefined };
}

function resolvePodPort(pod: KObject, port: string | undefined): number {
  if (port === undefined || port === '') return 80;
  const n = Number(port);
  if (Number.isInteger(n)) return n;
  for (const c of containers(pod)) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  throw badRequest(`no port named ${port} in pod ${pod.metadata.name ?? ''}`);
}

function serviceTarget(
  ctx: ApiContext,
  namespace: string,
  svcName: string,
  port: string | undefined,
): { pod: KObject; port: number } {
  const svcType = ctx.registry.lookup('', 'v1', 'services')!;
  const svc = ctx.store.mustGet(svcType, namespace, svcName);
  const spec = (svc['spec'] ?? {}) as {
    selector?: Record<string, string>;
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
  const sp = (spec.ports ?? []).find(
    (p) => port === undefined || port === '' || p.name === port || String(p.port) === port,
  );
  if (sp === undefined)
    throw new ApiError('ServiceUnavailable', `no endpoints available for service "${svcName}"`);
  const podType = ctx.registry.lookup('', 'v1', 'pods')!;
  const ready = ctx.store.list(podType, namespace).filter((p) => {
    if (p.metadata.deletionTimestamp !== undefined) return false;
    if (!selectorMatches({ matchLabels: spec.selector ?? {} }, p.metadata.labels)) return false;
    const st = p['status'] as { conditions?: { type: string; status: string }[] } | undefined;
    return (st?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  });
  // The API server picks a random ready endpoint for each request, so traffic spreads over the pods
  // (a canary beside its stable version gets its share).
  const pod = ready[Math.floor(Math.random() * ready.length)];
  if (pod === undefined)
    throw new ApiError('ServiceUnavailable', `no endpoints available for service "${svcName}"`);
  const target = sp.targetPort ?? sp.port;
  return { pod, port: typeof target === 'number' ? target : resolvePodPort(pod, target) };
}

/** `pods/proxy` and `services/proxy`: an HTTP request relayed to the pod's app. */
export async function handleProxy(
  ctx: ApiContext,
  pods: PodRuntimeView,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  namespace: string,
  rawName: string,
  rest: string,
  info: RequestInfo,
): Promise<void> {
  const { name, port } = splitProxyName(rawName);
  const verb = (req.method ?? 'GET') === 'GET' ? 'get' : 'create';
  authorize(info.user, verb, t, namespace, name, 'proxy');
  let pod: KObject;
  let targetPort: number;
  if (t.plural === 'services') ({ pod, port: targetPort } = serviceTarget(ctx, namespace, name, port));
  else {
    pod = ctx.store.mustGet(t, namespace, name);
    targetPort = resolvePodPort(pod, port);
  }
  const target = await pods.connectTarget(namespace, pod.metadata.name ?? '', targetPort);
  const query = info.query.toString();
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers.host;
  await new Promise<void>((resolve) => {
    const out = httpRequest(
      {
        host: target.host,
        port: target.port,
        method: req.method ?? 'GET',
        path: rest + (query === '' ? '' : `?${query}`),
        headers,
      },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
        upstream.on('end', resolve);
      },
    );
    out.on('error', (e) => {
      const err = new ApiError('ServiceUnavailable', `error trying to reach service: ${e.message}`);
      if (!res.headersSent) res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(err.toStatus()));
      resolve();
    });
    req.pipe(out);
  });
}
