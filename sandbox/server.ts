import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type Authenticator, Authenticator as AuthenticatorImpl } from './auth';
import { type Clock, systemClock } from './clock';
import { ApiError } from './errors';
import { type Pki, generatePki } from './pki';
import { Registry } from './registry';
import { Store } from './store';
import { sendError, sendJson } from './http/content';
import type { ApiContext, RequestInfo } from './http/context';
import { coreVersions, group, groupList, resourceList, SERVER_VERSION } from './http/discovery';
import { FaultState, handleFaults } from './http/faults';
import { handleResource, lookupType } from './http/handlers';
import { handleReview } from './http/reviews';
import { parseRoute, type ResourceRoute } from './http/route';
import { handleScale } from './http/scale';
import { handleStatus } from './http/status';
import { handleLog, handlePortForwardUpgrade, handleProxy } from './http/pod-io';
import { handleMetrics } from './http/metrics';
import { WatchRegistry } from './http/watch';
import type { PodRuntimeView } from './http/pod-runtime';
import { OpenApiPublisher } from './openapi';
import { installAdmission } from './admission';
import { watchCustomResourceDefinitions } from './crds';

export interface SandboxServerOptions {
  clock?: Clock;
  /** How often watch streams that asked for bookmarks get one. */
  bookmarkIntervalMs?: number;
  historyLimit?: number;
}

/**
 * The sandbox API server: HTTPS on 127.0.0.1, bearer tokens, discovery, OpenAPI, the generic resource
 * endpoints, subresources and the fault-injection control endpoint. Controllers and the simulated
 * kubelet are attached by `Sandbox` (sandbox.ts); this class only serves HTTP.
 */
export class SandboxServer {
  readonly registry = new Registry();
  readonly store: Store;
  readonly clock: Clock;
  readonly auth: Authenticator = new AuthenticatorImpl();
  readonly faults = new FaultState();
  readonly watches = new WatchRegistry();
  readonly openapi: OpenApiPublisher;
  pods: PodRuntimeView | undefined;
  private server: Server | undefined;
  private pki: Pki | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly ctx: ApiContext;
  private refusing = false;

  constructor(opts: SandboxServerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.store = new Store(this.registry, this.clock, opts.historyLimit);
    this.openapi = new OpenApiPublisher(this.registry);
    installAdmission(this.store);
    watchCustomResourceDefinitions(this.store, this.registry, this.openapi);
    this.ctx = {
      registry: this.registry,
      store: this.store,
      clock: this.clock,
      auth: this.auth,
      watches: this.watches,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 5_000,
      openapi: this.openapi,
    };
  }

  get caCert(): string {
    if (this.pki === undefined) throw new Error('the sandbox server has not started');
    return this.pki.caCert;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<string> {
    this.pki ??= await generatePki(Date.now());
    const server = createServer({ cert: this.pki.serverCert, key: this.pki.serverKey }, (req, res) => {
      void this.handle(req, res);
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('the sandbox server has no TCP address');
    this.port = addr.port;
    this.server = server;
    return this.url;
  }

  async close(): Promise<void> {
    this.watches.dropAll();
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Closes the listener and every connection, then listens again on the same port after `seconds`. */
  refuseConnections(seconds: number): void {
    if (this.refusing) return;
    this.refusing = true;
    const port = this.port;
    void this.close().then(() => {
      setTimeout(() => {
        this.refusing = false;
        void this.listen(port);
      }, seconds * 1000).unref();
    });
  }

  private info(req: IncomingMessage, url: URL): RequestInfo {
    return {
      user: this.auth.authenticate(req),
      query: url.searchParams,
      userAgent: req.headers['user-agent'] ?? '',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const route = parseRoute(url.pathname);
      if (route.kind !== 'control') {
        if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
        const failure = this.faults.takeFailure();
        if (failure !== undefined) {
          const headers: Record<string, string> = failure.code === 429 ? { 'Retry-After': '1' } : {};
          sendError(res, failure, headers);
          return;
        }
      }
      // Like a real cluster, version and health are public (system:public-info-viewer).
      if (route.kind === 'version') return sendJson(res, 200, SERVER_VERSION);
      if (route.kind === 'health') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      const info = this.info(req, url);
      switch (route.kind) {
        case 'coreVersions':
          return sendJson(res, 200, coreVersions(`127.0.0.1:${this.port}`));
        case 'groups':
          return sendJson(res, 200, groupList(this.registry));
        case 'group': {
          const g = group(this.registry, route.group);
          if (g === undefined) throw notFoundPath();
          return sendJson(res, 200, g);
        }
        case 'resourceList': {
          const list = resourceList(this.registry, route.group, route.version);
          if (list === undefined) throw notFoundPath();
          return sendJson(res, 200, list);
        }
        case 'openapiV2':
          // kubectl asks for protobuf and can parse nothing else; other clients get JSON.
          if ((req.headers.accept ?? '').includes('protobuf')) {
            const body = this.openapi.v2Protobuf();
            res.writeHead(200, {
              'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
              'Content-Length': body.length,
            });
            res.end(body);
            return;
          }
          return sendJson(res, 200, this.openapi.v2());
        case 'openapiV3Index':
          return sendJson(res, 200, this.openapi.v3Index());
        case 'openapiV3': {
          const doc = this.openapi.v3Group(route.path);
          if (doc === undefined) throw notFoundPath();
          return sendJson(res, 200, doc);
        }
        case 'control':
          if (info.user.readOnly)
            throw new ApiError('Forbidden', 'the sandbox control endpoint needs the admin token');
          if (route.action === 'faults')
            return await handleFaults(req, res, this.faults, this.faultActions());
          throw notFoundPath();
        case 'resource':
          return await this.handleResourceRoute(req, res, route, info);
        case 'unknown':
          throw notFoundPath();
      }
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError(
              'InternalError',
              `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`,
            );
      if (!(e instanceof ApiError))
        process.stderr.write(`sandbox: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      sendError(res, err);
    }
  }

  private async handleResourceRoute(
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceRoute,
    info: RequestInfo,
  ): Promise<void> {
    const t = lookupType(this.ctx, r);
    if (t.group === 'authorization.k8s.io' && req.method === 'POST')
      return handleReview(this.ctx, req, res, t.plural, info);
    if (t.group === 'metrics.k8s.io') return handleMetrics(this.ctx, this.podRuntime(), req, res, t, r, info);
    if (r.subresource === undefined) return handleResource(this.ctx, req, res, r, info);
    if (!t.subresources.includes(r.subresource) || r.name === undefined) throw notFoundPath();
    const ns = t.namespaced ? r.namespace : undefined;
    switch (r.subresource) {
      case 'scale':
        return handleScale(this.ctx, req, res, t, ns, r.name, info);
      case 'status':
      case 'finalize':
        return handleStatus(this.ctx, req, res, t, ns, r.name, r.subresource, info);
      case 'log':
        return handleLog(this.ctx, this.podRuntime(), req, res, ns!, r.name, info);
      case 'proxy':
        return handleProxy(this.ctx, this.podRuntime(), req, res, t, ns!, r.name, r.rest, info);
      case 'portforward':
        throw new ApiError('BadRequest', 'Upgrade request required');
      default:
        throw new ApiError('MethodNotAllowed', `the sandbox does not serve ${t.plural}/${r.subresource}`);
    }
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    try {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const route = parseRoute(url.pathname);
      const info = this.info(req, url);
      if (
        route.kind === 'resource' &&
        route.plural === 'pods' &&
        route.subresource === 'portforward' &&
        route.name !== undefined
      ) {
        handlePortForwardUpgrade(
          this.ctx,
          this.podRuntime(),
          req,
          socket,
          head,
          route.namespace ?? 'default',
          route.name,
          info,
        );
        return;
      }
      throw new ApiError('BadRequest', 'the sandbox upgrades only pods/portforward requests');
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('InternalError', String(e));
      const body = JSON.stringify(err.toStatus());
      socket.end(
        `HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  }

  private podRuntime(): PodRuntimeView {
    if (this.pods === undefined)
      throw new ApiError('ServiceUnavailable', 'the sandbox kubelet is not running');
    return this.pods;
  }

  private faultActions(): import('./http/faults').FaultActions {
    return {
      dropWatches: () => this.watches.dropAll(),
      dropLogStreams: () => this.pods?.dropLogStreams() ?? 0,
      expireWatchHistory: () => this.store.compact(),
      deletePod: (namespace, name) => {
        const pods = this.registry.lookup('', 'v1', 'pods')!;
        this.store.delete(pods, namespace, name, { gracePeriodSeconds: 0 });
      },
      refuseConnections: (seconds) => this.refuseConnections(seconds),
    };
  }
}

function notFoundPath(): ApiError {
  return new ApiError('NotFound', 'the server could not find the requested resource', {});
}
