import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type * as k8s from '@kubernetes/client-node';
import { AgentFailure, agentError, type AgentError } from '../../protocol';
import {
  credentialError,
  fromHttpStatus,
  parseStatus,
  requestTimedOut,
  toAgentError,
  type KubeErrorContext,
} from './errors';
import { type LoadedKubeconfig, kubeConfigFor } from './kubeconfig';
import type { KubeObject } from './objects';

/** Names one object, or with `name` omitted a collection, of any kind the cluster serves. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export interface ApiResource {
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A connection the server switched to WebSocket: what follows the handshake is frames. */
export interface UpgradedSocket {
  socket: Socket;
  /** Bytes that arrived with the handshake's end, the first frames' start. */
  head: Buffer;
  /** The subprotocol the server chose. */
  protocol: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

/** The access one SelfSubjectAccessReview asks about. */
export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** The field manager Slipway's server-side applies and updates are recorded under. */
export const FIELD_MANAGER = 'slipway';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads and writes any kind of object on one context. Requests go over the kubeconfig's HTTPS
 * connection settings and credentials, exactly as client-node prepares them, with JSON bodies as the
 * API server sends them (client-node's typed serialisers would drop fields they do not know, and a
 * misspelt field must reach the server so strict field validation can name it).
 */
export class KubeClient {
  private readonly discovered = new Map<string, Promise<Map<string, ApiResource>>>();
  readonly ctx: KubeErrorContext;

  constructor(
    private readonly kc: k8s.KubeConfig,
    readonly context: string,
    private readonly defaults: { timeoutMs: number } = { timeoutMs: 30_000 },
  ) {
    this.ctx = { context, server: kc.getCurrentCluster()?.server ?? '' };
  }

  static forContext(loaded: LoadedKubeconfig, context: string): KubeClient {
    return new KubeClient(kubeConfigFor(loaded, context), context);
  }

  get kubeConfig(): k8s.KubeConfig {
    return this.kc;
  }

  /** The HTTPS options of one request, with the kubeconfig's TLS settings and credentials applied. */
  private async prepare(
    method: string,
    path: string,
    opts: RequestOptions,
  ): Promise<{ options: https.RequestOptions; send: typeof https.request; payload?: Buffer }> {
    const server = this.ctx.server ?? '';
    if (server === '') {
      throw new AgentFailure(
        agentError('KUBECONFIG_INVALID', `Context "${this.context}" names no cluster server.`),
      );
    }
    const url = new URL(server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const options: https.RequestOptions = {
      method,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        Accept: 'application/json',
        'User-Agent': 'slipway',
      },
    };
    try {
      await this.kc.applyToHTTPSOptions(options);
    } catch (e) {
      throw new AgentFailure(credentialError(e, this.ctx, { user: this.kc.getCurrentUser()?.name ?? '' }));
    }
    const headers = options.headers as http.OutgoingHttpHeaders;
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const send = url.protocol === 'http:' ? http.request : https.request;
    return { options, send, ...(payload === undefined ? {} : { payload }) };
  }

  /**
   * A GET whose body is read as it arrives (log follow): resolves with the response once a 2xx status
   * is in; any other status throws AgentFailure with the server's message. Aborting the signal ends it.
   */
  async stream(
    path: string,
    opts: { query?: RequestOptions['query']; signal?: AbortSignal; connectTimeoutMs?: number } = {},
  ): Promise<http.IncomingMessage> {
    const { options, send } = await this.prepare(
      'GET',
      path,
      opts.query === undefined ? {} : { query: opts.query },
    );
    const timeoutMs = opts.connectTimeoutMs ?? this.defaults.timeoutMs;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const guard = this.settler(opts.signal, timeoutMs, reject);
      const req = send(options, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // Aborting still ends the body while it streams; after that the listener must go.
          guard.finish(() => resolve(res), true);
          res.once('close', guard.release);
          return;
        }
        void this.refusal(res, (parsed) => this.statusError(status, parsed)).then((e) =>
          guard.finish(() => reject(new AgentFailure(e))),
        );
        res.on('error', (e) => guard.finish(() => reject(new AgentFailure(toAgentError(e, this.ctx)))));
      });
      guard.watch(req);
      req.end();
    });
  }

  /**
   * A WebSocket handshake on one path (port-forward, exec) with the same TLS settings and credentials as
   * every other request. Resolves with the raw connection once the server switches protocols (frames are
   * the caller's: see agent/kube/ws-frames.ts); a refusal throws AgentFailure with the server's Status
   * message (an RBAC 403 reads as one), as does a timeout or an aborted signal.
   */
  async upgrade(
    path: string,
    opts: { query?: RequestOptions['query']; protocols: string[]; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<UpgradedSocket> {
    const { options, send } = await this.prepare(
      'GET',
      path,
      opts.query === undefined ? {} : { query: opts.query },
    );
    const key = randomBytes(16).toString('base64');
    Object.assign(options.headers as http.OutgoingHttpHeaders, {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Protocol': opts.protocols.join(', '),
    });
    const timeoutMs = opts.timeoutMs ?? this.defaults.timeoutMs;
    return new Promise<UpgradedSocket>((resolve, reject) => {
      const guard = this.settler(opts.signal, timeoutMs, reject);
      const req = send(options);
      req.on('upgrade', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
        const accept = createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
        if (res.headers['sec-websocket-accept'] !== accept || !opts.protocols.includes(protocol)) {
          socket.destroy();
          guard.finish(() =>
            reject(
              new AgentFailure(
                agentError(
                  'UNAVAILABLE',
                  `${this.ctx.server ?? 'The cluster'} answered the WebSocket handshake wrongly (protocol "${protocol}"); a proxy in between may not pass WebSockets.`,
                ),
              ),
            ),
          );
          return;
        }
        socket.setNoDelay(true);
        guard.finish(() => resolve({ socket, head, protocol }));
      });
      req.on('response', (res) => {
        const code = res.statusCode ?? 0;
        void this.refusal(res, (parsed) => {
          const said = parseStatus(parsed)?.message;
          // A 400 here is about the target (a pod not running), not a manifest to fix.
          return code === 400 && said !== undefined
            ? agentError('INVALID', `The API server refused the connection: ${said}.`, said, 'HTTP 400')
            : this.statusError(code, parsed);
        }).then((e) => guard.finish(() => reject(new AgentFailure(e))));
      });
      guard.watch(req);
      req.end();
    });
  }

  /**
   * Settles one request's promise exactly once: by its own outcome (`finish`), its timeout, the caller's
   * abort or a transport error (`watch`). `keepAbort` lets an abort still end a body that streams on, until
   * `release`.
   */
  private settler(
    signal: AbortSignal | undefined,
    timeoutMs: number,
    reject: (e: AgentFailure) => void,
  ): {
    finish(f: () => void, keepAbort?: boolean): void;
    watch(req: http.ClientRequest): void;
    release(): void;
  } {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let req: http.ClientRequest | undefined;
    const release = (): void => signal?.removeEventListener('abort', onAbort);
    const finish = (f: () => void, keepAbort = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keepAbort) release();
      f();
    };
    const onAbort = (): void => {
      finish(() => reject(new AgentFailure(agentError('CANCELLED', 'The request was cancelled.'))));
      req?.destroy();
    };
    return {
      finish,
      release,
      watch: (r) => {
        req = r;
        timer = setTimeout(() => {
          finish(() => reject(new AgentFailure(requestTimedOut(timeoutMs, this.ctx))));
          r.destroy();
        }, timeoutMs);
        if (signal?.aborted === true) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
        r.on('error', (e) => finish(() => reject(new AgentFailure(toAgentError(e, this.ctx)))));
      },
    };
  }

  /** A refused request's answer as one AgentError, from the Status object its body holds (if any). */
  private refusal(res: http.IncomingMessage, toError: (parsed: unknown) => AgentError): Promise<AgentError> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        resolve(toError(parsed));
      });
    });
  }

  /** One request; any status is returned, transport and credential failures throw AgentFailure. */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const { options, send, payload } = await this.prepare(method, path, opts);
    const timeoutMs = opts.timeoutMs ?? this.defaults.timeoutMs;
    return new Promise<RawResponse>((resolve, reject) => {
      const guard = this.settler(opts.signal, timeoutMs, reject);
      const req = send(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          guard.finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
        res.on('error', (e) => guard.finish(() => reject(new AgentFailure(toAgentError(e, this.ctx)))));
      });
      guard.watch(req);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** One JSON request; a non-2xx answer throws AgentFailure with the server's Status message. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    let parsed: unknown;
    try {
      parsed = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status >= 300) {
      throw new AgentFailure(this.statusError(res.status, parsed));
    }
    return parsed as T;
  }

  statusError(status: number, body: unknown): AgentError {
    return fromHttpStatus(status, parseStatus(body), this.ctx);
  }

  /** The cluster's resources of one group-version, by kind, from discovery (cached per client). */
  private groupVersion(apiVersion: string): Promise<Map<string, ApiResource>> {
    let p = this.discovered.get(apiVersion);
    if (p === undefined) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = this.request<{
        resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
      }>('GET', path).then((list) => {
        const byKind = new Map<string, ApiResource>();
        for (const r of list.resources ?? []) {
          if (r.name.includes('/')) continue;
          byKind.set(r.kind, { plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] });
        }
        return byKind;
      });
      p.catch(() => this.discovered.delete(apiVersion));
      this.discovered.set(apiVersion, p);
    }
    return p;
  }

  /**
   * The apiVersion the cluster serves a kind in, found by discovery: the core group first, then each
   * group's preferred version in the server's order; undefined when no group serves it.
   */
  async apiVersionOf(kind: string): Promise<string | undefined> {
    const candidates = ['v1'];
    const groups = await this.request<{ groups?: { preferredVersion?: { groupVersion?: string } }[] }>(
      'GET',
      '/apis',
    );
    for (const g of groups.groups ?? []) {
      const gv = g.preferredVersion?.groupVersion;
      if (gv !== undefined) candidates.push(gv);
    }
    for (const gv of candidates) {
      const byKind = await this.groupVersion(gv).catch(() => new Map<string, ApiResource>());
      if (byKind.has(kind)) return gv;
    }
    return undefined;
  }

  /** How the cluster serves a kind; INVALID with a next step when it does not. */
  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    let byKind: Map<string, ApiResource>;
    try {
      byKind = await this.groupVersion(apiVersion);
    } catch (e) {
      if (e instanceof AgentFailure && e.error.code === 'NOT_FOUND') byKind = new Map();
      else throw e;
    }
    const r = byKind.get(kind);
    if (r === undefined) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `The cluster of context "${this.context}" does not serve ${kind} in ${apiVersion}. Check the apiVersion, or install the CRD that defines it first.`,
        ),
      );
    }
    return r;
  }

  /** The URL path of an object (or of its collection when `name` is ''). */
  async path(ref: ObjectRef, subresource?: string): Promise<string> {
    const r = await this.resource(ref.apiVersion, ref.kind);
    const root = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace ?? 'default')}` : '';
    const name = ref.name === '' ? '' : `/${encodeURIComponent(ref.name)}`;
    return `${root}${ns}/${r.plural}${name}${subresource === undefined ? '' : `/${subresource}`}`;
  }

  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)).namespaced;
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends KubeObject>(ref: ObjectRef, signal?: AbortSignal): Promise<T | undefined> {
    const res = await this.raw('GET', await this.path(ref), { signal });
    if (res.status === 404) return undefined;
    const body = JSON.parse(res.body || 'null') as unknown;
    if (res.status < 200 || res.status >= 300) throw new AgentFailure(this.statusError(res.status, body));
    return body as T;
  }

  async list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    opts: { labelSelector?: string; fieldSelector?: string; signal?: AbortSignal } = {},
  ): Promise<T[]> {
    const path = await this.path({ apiVersion, kind, namespace, name: '' });
    const items: T[] = [];
    let token: string | undefined;
    do {
      const page = await this.request<{ items?: T[]; metadata?: { continue?: string } }>('GET', path, {
        query: {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: 500,
          continue: token,
        },
        signal: opts.signal,
      });
      for (const item of page.items ?? []) {
        // Lists leave out each item's apiVersion and kind; restore them so items can be re-sent.
        items.push({ apiVersion, kind, ...item });
      }
      token = page.metadata?.continue || undefined;
    } while (token !== undefined);
    return items;
  }

  /**
   * Server-side apply under Slipway's field manager with strict field validation, so a misspelt field
   * is an error instead of being dropped.
   */
  async apply<T extends KubeObject>(
    obj: KubeObject,
    opts: { dryRun?: boolean; force?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const ref = refOf(obj);
    return this.request<T>('PATCH', await this.path(ref), {
      query: {
        fieldManager: FIELD_MANAGER,
        fieldValidation: 'Strict',
        force: opts.force === true ? true : undefined,
        dryRun: opts.dryRun === true ? 'All' : undefined,
      },
      body: obj,
      contentType: 'application/apply-patch+yaml',
      signal: opts.signal,
    });
  }

  async patch<T extends KubeObject>(
    ref: ObjectRef,
    body: unknown,
    type: PatchType,
    opts: { dryRun?: boolean; subresource?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.request<T>('PATCH', await this.path(ref, opts.subresource), {
      query: { fieldManager: FIELD_MANAGER, dryRun: opts.dryRun === true ? 'All' : undefined },
      body,
      contentType: PATCH_CONTENT_TYPES[type],
      signal: opts.signal,
    });
  }

  async create<T extends KubeObject>(obj: KubeObject, opts: { signal?: AbortSignal } = {}): Promise<T> {
    const ref = refOf(obj);
    return this.request<T>('POST', await this.path({ ...ref, name: '' }), {
      query: { fieldManager: FIELD_MANAGER },
      body: obj,
      signal: opts.signal,
    });
  }

  async replace<T extends KubeObject>(obj: KubeObject, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.request<T>('PUT', await this.path(refOf(obj)), {
      query: { fieldManager: FIELD_MANAGER },
      body: obj,
      signal: opts.signal,
    });
  }

  /** Deletes the object; a missing object counts as deleted. */
  async delete(ref: ObjectRef, opts: { propagation?: 'Foreground' | 'Background' } = {}): Promise<void> {
    const res = await this.raw('DELETE', await this.path(ref), {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: opts.propagation ?? 'Background' },
    });
    if (res.status === 404 || (res.status >= 200 && res.status < 300)) return;
    throw new AgentFailure(this.statusError(res.status, JSON.parse(res.body || 'null')));
  }

  /** Asks the API server whether the context's user may do something (SelfSubjectAccessReview). */
  async canI(attrs: AccessAttributes, signal?: AbortSignal): Promise<{ allowed: boolean; reason: string }> {
    const resourceAttributes: Record<string, string> = {
      verb: attrs.verb,
      group: attrs.group,
      resource: attrs.resource,
    };
    if (attrs.namespace !== undefined) resourceAttributes['namespace'] = attrs.namespace;
    if (attrs.name !== undefined) resourceAttributes['name'] = attrs.name;
    if (attrs.subresource !== undefined) resourceAttributes['subresource'] = attrs.subresource;
    const review = await this.request<{ status?: { allowed?: boolean; reason?: string } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes },
        },
        signal,
      },
    );
    return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? '' };
  }

  /** A GET through the API server's proxy to a pod's or service's port; any HTTP status is returned. */
  async proxyGet(
    target: { kind: 'pods' | 'services'; namespace: string; name: string; port: string | number },
    path: string,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<RawResponse> {
    const p = path.startsWith('/') ? path : `/${path}`;
    const url = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/${target.kind}/${encodeURIComponent(
      target.name,
    )}:${encodeURIComponent(String(target.port))}/proxy${p}`;
    return this.raw('GET', url, {
      signal: opts.signal,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    });
  }

  /** The last lines a container wrote; '' when the log cannot be read (the pod may be gone). */
  async logTail(
    namespace: string,
    pod: string,
    opts: { container?: string; tailLines: number; previous?: boolean; signal?: AbortSignal },
  ): Promise<string> {
    const res = await this.raw(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
      {
        query: {
          container: opts.container,
          tailLines: opts.tailLines,
          previous: opts.previous === true ? true : undefined,
        },
        signal: opts.signal,
      },
    );
    return res.status === 200 ? res.body : '';
  }
}

/** The ref of an object about to be sent; objects without apiVersion, kind or name are rejected. */
export function refOf(obj: KubeObject): ObjectRef {
  if (obj.apiVersion === undefined || obj.kind === undefined || !isRecord(obj.metadata)) {
    throw new AgentFailure(agentError('INVALID', 'An object has no apiVersion, kind or metadata.name.'));
  }
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
  };
}
