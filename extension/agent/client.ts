import WebSocket from 'ws';
import {
  type AgentError,
  type AgentMessage,
  type DeltaOp,
  type MethodName,
  type Params,
  type PlanEvent,
  type StreamChunk,
  type Result,
  type Resume,
  type TopicName,
  type TopicParams,
  type TopicState,
  AgentFailure,
  PROTOCOL_VERSION,
  agentError,
  applyDelta,
} from '../../protocol';

export interface Endpoint {
  port: number;
  token: string;
}

export interface TopicHandlers<T extends TopicName> {
  /** Called with the full state after every snapshot and every applied delta batch. */
  onState(state: TopicState<T>, error: AgentError | null, changed: DeltaOp<T>[] | 'snapshot'): void;
  onEnd?(error: AgentError): void;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: AgentFailure): void;
  onProgress?: (message: string, fraction?: number, event?: PlanEvent) => void;
  onChunk?: (chunk: StreamChunk) => void;
}

interface SubRecord {
  topic: TopicName;
  params: object;
  resume: Resume | undefined;
  state: TopicState<TopicName> | undefined;
  error: AgentError | null;
  handlers: TopicHandlers<TopicName>;
}

/**
 * One WebSocket connection to the agent: typed requests, cancellation, and topic subscriptions whose
 * state it keeps as a mirror. On reconnect (`attach` with a new socket) every subscription is resumed
 * from its last sequence number; the agent replays what was missed or sends a fresh snapshot.
 */
export class AgentClient {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly subs = new Map<number, SubRecord>();
  private closedListeners = new Set<(reason: string) => void>();

  /**
   * @param onInternalError receives malformed frames from the agent and exceptions thrown by topic
   * handlers; neither may break the socket's message loop, and neither may vanish silently.
   */
  constructor(
    private readonly clientName: string,
    private readonly onInternalError: (e: unknown) => void = () => undefined,
  ) {}

  get connected(): boolean {
    return this.ws !== undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Connects and greets; resolves once the agent has welcomed us. */
  async connect(ep: Endpoint, timeoutMs = 5_000): Promise<{ agentVersion: string; pid: number }> {
    const ws = new WebSocket(`ws://127.0.0.1:${ep.port}/`, {
      headers: { Authorization: `Bearer ${ep.token}` },
      handshakeTimeout: timeoutMs,
      maxPayload: 64 * 1024 * 1024,
    });
    // Errors after the first (which rejects below) have nowhere to go; an unhandled 'error' would throw.
    ws.on('error', () => undefined);
    const welcome = await new Promise<{ agentVersion: string; pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new AgentFailure(agentError('TIMEOUT', 'The Slipway agent did not answer in time.')));
      }, timeoutMs);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        ws.terminate();
        reject(
          new AgentFailure(
            agentError(
              res.statusCode === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE',
              `The Slipway agent refused the connection (HTTP ${res.statusCode ?? 0}).`,
            ),
          ),
        );
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(
          new AgentFailure(agentError('UNAVAILABLE', `The Slipway agent is not reachable: ${e.message}.`)),
        );
      });
      ws.once('open', () =>
        ws.send(JSON.stringify({ t: 'hello', protocol: PROTOCOL_VERSION, client: this.clientName })),
      );
      ws.once('close', (code) => {
        clearTimeout(timer);
        reject(
          new AgentFailure(
            agentError('UNAVAILABLE', `The Slipway agent closed the connection (code ${code}).`),
          ),
        );
      });
      ws.on('message', (data) => {
        const msg = parseAgentMessage(String(data));
        if (msg === undefined) return;
        if (msg.t === 'welcome') {
          clearTimeout(timer);
          resolve({ agentVersion: msg.agentVersion, pid: msg.pid });
        } else if (msg.t === 'err' && msg.error.code === 'PROTOCOL_MISMATCH') {
          clearTimeout(timer);
          reject(new AgentFailure(msg.error));
        }
      });
    });
    ws.removeAllListeners('message');
    ws.removeAllListeners('close');
    ws.on('message', (data) => this.onFrame(String(data)));
    // A late close of a socket that was already replaced must not tear down its successor.
    ws.on('close', () => {
      if (this.ws === ws) this.onClose();
    });
    this.ws = ws;
    for (const [id, s] of this.subs) this.sendSub(id, s);
    return welcome;
  }

  onClosed(listener: (reason: string) => void): { dispose(): void } {
    this.closedListeners.add(listener);
    return { dispose: () => this.closedListeners.delete(listener) };
  }

  private onClose(): void {
    this.ws = undefined;
    const err = new AgentFailure(agentError('UNAVAILABLE', 'The connection to the Slipway agent was lost.'));
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const l of this.closedListeners) l('closed');
  }

  private onFrame(text: string): void {
    const msg = parseAgentMessage(text);
    if (msg === undefined) {
      this.onInternalError(new Error(`Ignored a malformed frame from the agent: ${text.slice(0, 200)}`));
      return;
    }
    try {
      this.onMessage(msg);
    } catch (e) {
      this.onInternalError(e);
    }
  }

  private onMessage(msg: AgentMessage): void {
    switch (msg.t) {
      case 'res': {
        const p = this.pending.get(msg.id);
        if (p === undefined) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new AgentFailure(msg.error));
        return;
      }
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.message, msg.fraction, msg.event);
        return;
      case 'chunk':
        this.pending.get(msg.id)?.onChunk?.(msg.chunk);
        return;
      case 'snap': {
        const s = this.subs.get(msg.id);
        if (s === undefined) return;
        s.state = msg.state;
        s.error = msg.error;
        s.resume = { epoch: msg.epoch, seq: msg.seq };
        s.handlers.onState(s.state, s.error, 'snapshot');
        return;
      }
      case 'delta': {
        const s = this.subs.get(msg.id);
        if (s?.state === undefined || s.resume === undefined) return;
        // Deltas already applied (a replay overlapping what we had) are dropped.
        if (msg.seq <= s.resume.seq) return;
        const err = applyDelta(s.state, msg.ops);
        if (err !== undefined) s.error = err;
        s.resume = { epoch: s.resume.epoch, seq: msg.seq };
        s.handlers.onState(s.state, s.error, msg.ops);
        return;
      }
      case 'subEnd': {
        const s = this.subs.get(msg.id);
        this.subs.delete(msg.id);
        s?.handlers.onEnd?.(msg.error);
        return;
      }
      case 'welcome':
      case 'err':
        return;
    }
  }

  request<M extends MethodName>(
    method: M,
    params: Params<M>,
    opts: {
      signal?: AbortSignal;
      onProgress?: (m: string, f?: number, event?: PlanEvent) => void;
      /** Streamed data of the request (log lines, metric samples). */
      onChunk?: (chunk: StreamChunk) => void;
    } = {},
  ): Promise<Result<M>> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(
        new AgentFailure(agentError('UNAVAILABLE', 'The Slipway agent is not connected.')),
      );
    }
    const id = this.nextId++;
    if (opts.signal?.aborted === true) {
      return Promise.reject(new AgentFailure(agentError('CANCELLED', 'The request was cancelled.')));
    }
    return new Promise<Result<M>>((resolve, reject) => {
      const onAbort = (): void => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: 'cancel', id }));
      };
      const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
      const pending: Pending = {
        resolve: (v) => {
          done();
          resolve(v as Result<M>);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      if (opts.onProgress !== undefined) pending.onProgress = opts.onProgress;
      if (opts.onChunk !== undefined) pending.onChunk = opts.onChunk;
      this.pending.set(id, pending);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      ws.send(JSON.stringify({ t: 'req', id, method, params }));
    });
  }

  subscribe<T extends TopicName>(
    topic: T,
    params: TopicParams<T>,
    handlers: TopicHandlers<T>,
  ): { dispose(): void } {
    const id = this.nextId++;
    const rec: SubRecord = {
      topic,
      params,
      resume: undefined,
      state: undefined,
      error: null,
      handlers: handlers as unknown as TopicHandlers<TopicName>,
    };
    this.subs.set(id, rec);
    this.sendSub(id, rec);
    return {
      dispose: () => {
        this.subs.delete(id);
        if (this.connected) this.ws!.send(JSON.stringify({ t: 'unsub', id }));
      },
    };
  }

  private sendSub(id: number, s: SubRecord): void {
    if (!this.connected) return;
    this.ws!.send(
      JSON.stringify({
        t: 'sub',
        id,
        topic: s.topic,
        params: s.params,
        ...(s.resume === undefined ? {} : { resume: s.resume }),
      }),
    );
  }

  close(): void {
    this.ws?.close();
  }
}

const AGENT_MESSAGE_TYPES = new Set([
  'welcome',
  'res',
  'progress',
  'chunk',
  'snap',
  'delta',
  'subEnd',
  'err',
]);

/**
 * A light check at the boundary: a frame must be a JSON object of a known type, with a numeric id where
 * the type has one. The payload itself is trusted as the agent's, which validated it on its side.
 */
function parseAgentMessage(text: string): AgentMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r['t'] !== 'string' || !AGENT_MESSAGE_TYPES.has(r['t'])) return undefined;
  if (r['t'] !== 'welcome' && r['t'] !== 'err' && typeof r['id'] !== 'number') return undefined;
  return raw as AgentMessage;
}
