import WebSocket from 'ws';
import {
  type AgentError,
  type AgentMessage,
  type DeltaOp,
  type MethodName,
  type Params,
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
  onProgress?: (message: string, fraction?: number) => void;
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

  constructor(private readonly clientName: string) {}

  get connected(): boolean {
    return this.ws !== undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Connects and greets; resolves once the agent has welcomed us. */
  async connect(ep: Endpoint, timeoutMs = 5_000): Promise<{ agentVersion: string; pid: number }> {
    const ws = new WebSocket(`ws://127.0.0.1:${ep.port}/`, { headers: { Authorization: `Bearer ${ep.token}` }, handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 * 1024 });
    const welcome = await new Promise<{ agentVersion: string; pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new AgentFailure(agentError('TIMEOUT', 'The Slipway agent did not answer in time.')));
      }, timeoutMs);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new AgentFailure(agentError(res.statusCode === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE', `The Slipway agent refused the connection (HTTP ${res.statusCode ?? 0}).`)));
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(new AgentFailure(agentError('UNAVAILABLE', `The Slipway agent is not reachable: ${e.message}.`)));
      });
      ws.once('open', () => ws.send(JSON.stringify({ t: 'hello', protocol: PROTOCOL_VERSION, client: this.clientName })));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as AgentMessage;
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
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => this.onClose());
    ws.on('error', () => undefined);
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

  private onMessage(text: string): void {
    const msg = JSON.parse(text) as AgentMessage;
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
        this.pending.get(msg.id)?.onProgress?.(msg.message, msg.fraction);
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

  request<M extends MethodName>(method: M, params: Params<M>, opts: { signal?: AbortSignal; onProgress?: (m: string, f?: number) => void } = {}): Promise<Result<M>> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new AgentFailure(agentError('UNAVAILABLE', 'The Slipway agent is not connected.')));
    }
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      const pending: Pending = { resolve: (v) => resolve(v as Result<M>), reject };
      if (opts.onProgress !== undefined) pending.onProgress = opts.onProgress;
      this.pending.set(id, pending);
      opts.signal?.addEventListener('abort', () => ws.send(JSON.stringify({ t: 'cancel', id })), { once: true });
      ws.send(JSON.stringify({ t: 'req', id, method, params }));
    });
  }

  subscribe<T extends TopicName>(topic: T, params: TopicParams<T>, handlers: TopicHandlers<T>): { dispose(): void } {
    const id = this.nextId++;
    const rec: SubRecord = { topic, params, resume: undefined, state: undefined, error: null, handlers: handlers as unknown as TopicHandlers<TopicName> };
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
    this.ws!.send(JSON.stringify({ t: 'sub', id, topic: s.topic, params: s.params, ...(s.resume === undefined ? {} : { resume: s.resume }) }));
  }

  close(): void {
    this.ws?.close();
  }
}
