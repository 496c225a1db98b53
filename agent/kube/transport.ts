import * as k8s from '@kubernetes/client-node';
import { AgentFailure, agentError, type AgentError } from '../../protocol';
import {
  credentialError,
  fromHttpStatus,
  parseStatus,
  requestTimedOut,
  toAgentError,
  type CredentialSource,
  type KubeErrorContext,
} from './errors';
import { realSchedule, type Schedule } from './lifecycle';
import type { KubeObject } from './objects';
import { collectionPath, type ResourceDescriptor } from './resources';

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEvent<T> =
  { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T } | { type: 'BOOKMARK'; resourceVersion: string };

/** How a watch stream ended: closed (re-watch), gone (history expired: re-list) or failed. */
export type WatchEnd = { kind: 'closed' } | { kind: 'gone' } | { kind: 'failed'; error: AgentError };

export interface WatchHandlers<T> {
  /** The server accepted the watch: the cluster is reachable and the credentials work. */
  opened(): void;
  event(e: WatchEvent<T>): void;
}

/**
 * How an informer talks to a cluster. Failures of `list` are thrown as AgentFailure; `watch` resolves
 * with how the stream ended. Injectable so informer logic is tested without a cluster (STYLE rule 9).
 */
export interface KubeTransport {
  list<T extends KubeObject>(
    resource: ResourceDescriptor,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<ListResult<T>>;
  watch<T extends KubeObject>(
    resource: ResourceDescriptor,
    namespace: string | undefined,
    resourceVersion: string,
    handlers: WatchHandlers<T>,
    signal: AbortSignal,
  ): Promise<WatchEnd>;
}

export interface ClientNodeTransportOptions {
  /** The context's name, for messages. */
  context: string;
  /** Builds the KubeConfig for the context; called again after any failure to pick up a fixed kubeconfig. */
  kubeConfig: () => k8s.KubeConfig;
  pageSize?: number;
  requestTimeoutMs?: number;
  /** Server-side lifetime of one watch request; real API servers pick 5–10 minutes too. */
  watchTimeoutSeconds?: () => number;
  schedule?: Schedule;
}

interface Session {
  kc: k8s.KubeConfig;
  api: k8s.KubernetesObjectApi;
  ctx: KubeErrorContext;
  command: string | undefined;
  userName: string | undefined;
  /** The signal the next API request is sent with; one transport serves one informer, one call at a time. */
  slot: { signal: AbortSignal | undefined };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isKubeObject(v: unknown): v is KubeObject {
  return isRecord(v) && isRecord(v['metadata']) && typeof v['metadata']['name'] === 'string';
}

/**
 * client-node's list deserialises into model classes with Date timestamps; one JSON round trip gives the
 * same plain JSON a watch event carries.
 */
function toWire(item: unknown): unknown {
  return JSON.parse(JSON.stringify(item)) as unknown;
}

/** The exec plugin client-node runs for a user: `user.exec`, or the older `auth-provider.config.exec`. */
function execCommand(user: k8s.User | null): string | undefined {
  const provider: unknown = user?.authProvider;
  const config = isRecord(provider) ? provider['config'] : undefined;
  const exec: unknown = user?.exec ?? (isRecord(config) ? config['exec'] : undefined);
  const command = isRecord(exec) ? exec['command'] : undefined;
  return typeof command === 'string' ? command : undefined;
}

/** The real transport: client-node's KubernetesObjectApi for paged lists and its Watch for streams. */
export class ClientNodeTransport implements KubeTransport {
  private session: Session | undefined;
  private readonly schedule: Schedule;

  constructor(private readonly opts: ClientNodeTransportOptions) {
    this.schedule = opts.schedule ?? realSchedule;
  }

  private open(): Session {
    const kc = this.opts.kubeConfig();
    const server = kc.getCurrentCluster()?.server ?? '';
    const slot: Session['slot'] = { signal: undefined };
    const signalMiddleware: k8s.Middleware = {
      pre: (rc) => {
        if (slot.signal !== undefined) rc.setSignal(slot.signal);
        return Promise.resolve(rc);
      },
      post: (rsp) => Promise.resolve(rsp),
    };
    const api = new k8s.KubernetesObjectApi(
      k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(server, {}),
        authMethods: { default: kc },
        promiseMiddleware: [signalMiddleware],
      }),
    );
    return {
      kc,
      api,
      ctx: { context: this.opts.context, server },
      command: execCommand(kc.getCurrentUser()),
      userName: kc.getCurrentUser()?.name,
      slot,
    };
  }

  private current(): Session {
    this.session ??= this.open();
    return this.session;
  }

  /** Forgets the session after a failure, so the next attempt re-reads the kubeconfig and credentials. */
  private forget(s: Session): void {
    if (this.session === s) this.session = undefined;
  }

  private fail(s: Session, e: unknown): AgentFailure {
    this.forget(s);
    return e instanceof AgentFailure ? e : new AgentFailure(toAgentError(e, s.ctx));
  }

  private credentialSource(s: Session): CredentialSource {
    const src: CredentialSource = {};
    if (s.userName !== undefined) src.user = s.userName;
    if (s.command !== undefined) src.command = s.command;
    return src;
  }

  /**
   * Runs exec plugins and reads certificate files before any request, so their failures are reported as
   * credential problems rather than as whatever the request would have made of them.
   */
  private async credentials(s: Session): Promise<void> {
    try {
      await s.kc.applyToFetchOptions({});
    } catch (e) {
      throw new AgentFailure(credentialError(e, s.ctx, this.credentialSource(s)));
    }
  }

  /** One API request bounded by the caller's signal and the request timeout. */
  private async request<R>(s: Session, signal: AbortSignal, send: () => Promise<R>): Promise<R> {
    const ms = this.opts.requestTimeoutMs ?? 30_000;
    const abort = new AbortController();
    let timedOut = false;
    const onAbort = (): void => abort.abort();
    if (signal.aborted) abort.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const cancel = this.schedule(() => {
      timedOut = true;
      abort.abort();
    }, ms);
    s.slot.signal = abort.signal;
    try {
      return await send();
    } catch (e) {
      if (timedOut) throw new AgentFailure(requestTimedOut(ms, s.ctx));
      if (signal.aborted) throw new AgentFailure(agentError('CANCELLED', 'The request was cancelled.'));
      throw e;
    } finally {
      cancel();
      signal.removeEventListener('abort', onAbort);
      s.slot.signal = undefined;
    }
  }

  async list<T extends KubeObject>(
    resource: ResourceDescriptor,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<ListResult<T>> {
    const s = this.current();
    await this.credentials(s).catch((e: unknown) => {
      throw this.fail(s, e);
    });
    const ns = resource.namespaced ? namespace : undefined;
    // A continue token expires with the server's history (410); the list then starts over, as kubectl does.
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let token: string | undefined;
      try {
        for (;;) {
          const page = await this.request(s, signal, () =>
            s.api.list(
              resource.apiVersion,
              resource.kind,
              ns,
              undefined,
              undefined,
              undefined,
              undefined,
              resource.labelSelector,
              this.opts.pageSize ?? 500,
              token,
            ),
          );
          for (const item of page.items) {
            const wire = toWire(item);
            if (isKubeObject(wire)) items.push(wire as T);
          }
          token = page.metadata?._continue;
          if (token === undefined || token === '') {
            return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
          }
        }
      } catch (e) {
        const expired = e instanceof k8s.ApiException && e.code === 410 && token !== undefined;
        if (expired && attempt < 2) continue;
        throw this.fail(s, e);
      }
    }
  }

  watch<T extends KubeObject>(
    resource: ResourceDescriptor,
    namespace: string | undefined,
    resourceVersion: string,
    handlers: WatchHandlers<T>,
    signal: AbortSignal,
  ): Promise<WatchEnd> {
    let s: Session;
    try {
      s = this.current();
    } catch (e) {
      return Promise.resolve({ kind: 'failed', error: toAgentError(e) });
    }
    const path = collectionPath(resource, resource.namespaced ? namespace : undefined);
    const query: Record<string, string | number | boolean> = {
      allowWatchBookmarks: true,
      resourceVersion,
      timeoutSeconds: (this.opts.watchTimeoutSeconds ?? (() => 300 + Math.floor(Math.random() * 300)))(),
    };
    if (resource.labelSelector !== undefined) query['labelSelector'] = resource.labelSelector;

    return new Promise<WatchEnd>((resolve) => {
      let ended = false;
      let opened = false;
      let controller: AbortController | undefined;
      const end = (result: WatchEnd): void => {
        if (ended) return;
        ended = true;
        signal.removeEventListener('abort', onAbort);
        controller?.abort();
        if (result.kind === 'failed') this.forget(s);
        resolve(result);
      };
      const onAbort = (): void => end({ kind: 'closed' });
      if (signal.aborted) {
        end({ kind: 'closed' });
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });

      const deliver = (e: WatchEvent<T>): void => {
        // client-node's Watch swallows whatever its callback throws; surface it as a failure instead.
        try {
          handlers.event(e);
        } catch (err) {
          end({ kind: 'failed', error: toAgentError(err, s.ctx) });
        }
      };
      const onEvent = (type: string, object: unknown): void => {
        if (ended) return;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          if (isKubeObject(object)) deliver({ type, object: object as T });
        } else if (type === 'BOOKMARK') {
          const rv = isKubeObject(object) ? object.metadata.resourceVersion : undefined;
          if (rv !== undefined) deliver({ type: 'BOOKMARK', resourceVersion: rv });
        } else if (type === 'ERROR') {
          const status = parseStatus(object);
          if (status?.code === 410) end({ kind: 'gone' });
          else end({ kind: 'failed', error: fromHttpStatus(status?.code ?? 500, status, s.ctx) });
        }
      };
      const onDone = (err: unknown): void => {
        if (ended) return;
        // Once the stream was open, its end (even a reset connection) is just a reason to watch again.
        if (err === null || err === undefined || opened) end({ kind: 'closed' });
        else if (isRecord(err) && err['statusCode'] === 410) end({ kind: 'gone' });
        else end({ kind: 'failed', error: toAgentError(err, s.ctx) });
      };

      new k8s.Watch(s.kc).watch(path, query, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (ended) c.abort();
          else {
            opened = true;
            handlers.opened();
          }
        },
        // The Watch prepares credentials before its request and rejects when that fails.
        (e: unknown) => end({ kind: 'failed', error: credentialError(e, s.ctx, this.credentialSource(s)) }),
      );
    });
  }
}
