import type { WebSocket } from 'ws';
import {
  type AgentError,
  type AgentMessage,
  type ClientMessage,
  type MethodName,
  type PlanEvent,
  type Params,
  type StreamChunk,
  type Result,
  type TopicName,
  AgentFailure,
  PROTOCOL_VERSION,
  agentError,
  assertNever,
  parseClientMessage,
} from '../../protocol';
import type { Subscription, TopicHub } from '../topics/hub';

export interface RequestContext {
  signal: AbortSignal;
  progress(message: string, fraction?: number, event?: PlanEvent): void;
  /** Sends streamed data (log lines, metric samples) for this request. */
  chunk(c: StreamChunk): void;
  /** A promise while the client is behind on reading; a streaming method waits on it before sending more. */
  pressure(): Promise<void> | undefined;
}

/** The agent's answers; a method left out is reported to the client as not served by this agent. */
export type MethodHandlers = {
  [M in MethodName]?: (params: Params<M>, ctx: RequestContext) => Promise<Result<M>>;
};

/** Above this many unsent bytes a subscriber is treated as lagging: deltas stop, a snapshot follows. */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;

function toAgentError(e: unknown): AgentError {
  if (e instanceof AgentFailure) return e.error;
  const msg = e instanceof Error ? e.message : String(e);
  return agentError(
    'INTERNAL',
    'The agent failed unexpectedly; see the Slipway log for details.',
    msg,
    e instanceof Error ? e.stack : undefined,
  );
}

/**
 * One client connection. Everything it starts — requests, subscriptions — belongs to it and ends when
 * the socket closes. A malformed frame gets a typed error back; it never closes the connection.
 */
export class Session {
  private greeted = false;
  private readonly requests = new Map<number, AbortController>();
  private readonly subs = new Map<number, Subscription>();
  private readonly lagging = new Set<number>();
  private drainTimer: NodeJS.Timeout | undefined;
  private drained: { promise: Promise<void>; timer: NodeJS.Timeout; resolve: () => void } | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: {
      hub: TopicHub;
      methods: MethodHandlers;
      agentVersion: string;
      log: (line: string) => void;
    },
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.send({ t: 'err', error: agentError('BAD_REQUEST', 'The agent accepts text frames only.') });
        return;
      }
      this.onText(
        Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Array.isArray(data)
            ? Buffer.concat(data).toString('utf8')
            : Buffer.from(data).toString('utf8'),
      );
    });
    ws.on('close', () => this.dispose());
    ws.on('error', (e) => deps.log(`socket error: ${e.message}`));
  }

  private send(msg: AgentMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  private onText(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      if (parsed.id !== undefined) this.send({ t: 'res', id: parsed.id, ok: false, error: parsed.error });
      else this.send({ t: 'err', error: parsed.error });
      return;
    }
    const msg = parsed.msg;
    if (!this.greeted && msg.t !== 'hello') {
      this.send({
        t: 'err',
        error: agentError('BAD_REQUEST', 'Say hello first: the first message must be {"t":"hello"}.'),
      });
      return;
    }
    this.handle(msg);
  }

  private handle(msg: ClientMessage): void {
    switch (msg.t) {
      case 'hello':
        if (msg.protocol !== PROTOCOL_VERSION) {
          this.send({
            t: 'err',
            error: agentError(
              'PROTOCOL_MISMATCH',
              `This agent speaks protocol ${PROTOCOL_VERSION}, the client ${msg.protocol}; restart the agent from the same Slipway version.`,
            ),
          });
          this.ws.close(1002, 'protocol mismatch');
          return;
        }
        this.greeted = true;
        this.send({
          t: 'welcome',
          protocol: PROTOCOL_VERSION,
          agentVersion: this.deps.agentVersion,
          pid: process.pid,
        });
        return;
      case 'req':
        void this.request(msg.id, msg.method, msg.params);
        return;
      case 'cancel':
        this.requests.get(msg.id)?.abort();
        return;
      case 'sub':
        this.subscribe(msg.id, msg.topic, msg.params, msg.resume);
        return;
      case 'unsub':
        this.subs.get(msg.id)?.dispose();
        this.subs.delete(msg.id);
        this.lagging.delete(msg.id);
        return;
      default:
        assertNever(msg, 'client message');
    }
  }

  private async request<M extends MethodName>(id: number, method: M, params: Params<M>): Promise<void> {
    if (this.requests.has(id)) {
      this.send({
        t: 'res',
        id,
        ok: false,
        error: agentError('BAD_REQUEST', `Request id ${id} is already in use.`),
      });
      return;
    }
    const ac = new AbortController();
    this.requests.set(id, ac);
    const handler = this.deps.methods[method] as
      ((p: Params<M>, ctx: RequestContext) => Promise<Result<M>>) | undefined;
    try {
      if (handler === undefined) {
        throw new AgentFailure(
          agentError(
            'UNKNOWN_METHOD',
            `This agent does not serve "${method}"; restart the agent to update it.`,
          ),
        );
      }
      const result = await handler(params, {
        signal: ac.signal,
        progress: (message, fraction, event) =>
          this.send({
            t: 'progress',
            id,
            message,
            ...(fraction === undefined ? {} : { fraction }),
            ...(event === undefined ? {} : { event }),
          }),
        chunk: (c) => this.send({ t: 'chunk', id, chunk: c }),
        pressure: () => this.pressure(),
      });
      this.send({ t: 'res', id, ok: true, result } as AgentMessage);
    } catch (e) {
      const error = ac.signal.aborted
        ? agentError('CANCELLED', 'The request was cancelled.')
        : toAgentError(e);
      if (error.code === 'INTERNAL')
        this.deps.log(`${method} failed: ${error.cause ?? error.detail ?? error.message}`);
      this.send({ t: 'res', id, ok: false, error });
    } finally {
      this.requests.delete(id);
    }
  }

  private subscribe<T extends TopicName>(
    id: number,
    topic: T,
    params: import('../../protocol').TopicParams<T>,
    resume: import('../../protocol').Resume | undefined,
  ): void {
    if (this.subs.has(id)) {
      this.send({
        t: 'subEnd',
        id,
        error: agentError('BAD_REQUEST', `Subscription id ${id} is already in use.`),
      });
      return;
    }
    try {
      const sub = this.deps.hub.subscribe(topic, params, resume, {
        snapshot: (epoch, seq, state, error) => {
          this.lagging.delete(id);
          this.send({ t: 'snap', id, epoch, seq, state, error } as AgentMessage);
        },
        delta: (seq, ops) => {
          if (this.lagging.has(id)) return;
          if (this.ws.bufferedAmount > HIGH_WATER_BYTES) {
            this.lagging.add(id);
            this.watchDrain();
            return;
          }
          this.send({ t: 'delta', id, seq, ops } as AgentMessage);
        },
      });
      this.subs.set(id, sub);
    } catch (e) {
      this.send({ t: 'subEnd', id, error: toAgentError(e) });
    }
  }

  /** Resolves once the socket's send buffer is below the high-water mark again (or it closed). */
  private pressure(): Promise<void> | undefined {
    if (this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount <= HIGH_WATER_BYTES / 2)
      return undefined;
    if (this.drained !== undefined) return this.drained.promise;
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    const timer = setInterval(() => {
      if (this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > HIGH_WATER_BYTES / 8) return;
      clearInterval(timer);
      this.drained = undefined;
      resolve();
    }, 20);
    this.drained = { promise, timer, resolve };
    return promise;
  }

  /** Once a slow client has caught up, each lagging subscription gets a fresh snapshot. */
  private watchDrain(): void {
    if (this.drainTimer !== undefined) return;
    this.drainTimer = setInterval(() => {
      if (this.ws.bufferedAmount > HIGH_WATER_BYTES / 4) return;
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
      for (const id of [...this.lagging]) this.subs.get(id)?.resync();
    }, 100);
    this.drainTimer.unref();
  }

  dispose(): void {
    for (const ac of this.requests.values()) ac.abort();
    this.requests.clear();
    for (const s of this.subs.values()) s.dispose();
    this.subs.clear();
    if (this.drainTimer !== undefined) clearInterval(this.drainTimer);
    if (this.drained !== undefined) {
      clearInterval(this.drained.timer);
      this.drained.resolve();
    }
  }
}
