import type { PlanEvent } from './deploy';
import type { StreamChunk } from './observe';
import { type AgentError, agentError } from './errors';
import { CheckError, int, object, optional, record, str } from './check';
import { type MethodName, type Params, type Result, METHOD_PARAMS, isMethodName } from './methods';
import { type DeltaOp, type TopicName, type TopicParams, type TopicState, TOPIC_PARAMS } from './topics';

/** Bumped on any incompatible change; the handshake refuses a mismatch with PROTOCOL_MISMATCH. */
export const PROTOCOL_VERSION = 1;

/** Largest frame either side accepts; the agent's WebSocket server enforces it as maxPayload. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export type RequestMessage = {
  [M in MethodName]: { t: 'req'; id: number; method: M; params: Params<M> };
}[MethodName];
export type SubscribeMessage = {
  [T in TopicName]: { t: 'sub'; id: number; topic: T; params: TopicParams<T>; resume?: Resume };
}[TopicName];

/** Where a re-subscribing client left off: the topic instance's epoch and the last applied sequence. */
export interface Resume {
  epoch: string;
  seq: number;
}

export type ClientMessage =
  | { t: 'hello'; protocol: number; client: string }
  | RequestMessage
  | { t: 'cancel'; id: number }
  | SubscribeMessage
  | { t: 'unsub'; id: number };

export type ResponseMessage<M extends MethodName = MethodName> =
  | { t: 'res'; id: number; ok: true; result: Result<M> }
  | { t: 'res'; id: number; ok: false; error: AgentError };

export type SnapshotMessage<T extends TopicName = TopicName> = {
  t: 'snap';
  id: number;
  epoch: string;
  seq: number;
  state: TopicState<T>;
  error: AgentError | null;
};

export type DeltaMessage<T extends TopicName = TopicName> = {
  t: 'delta';
  id: number;
  seq: number;
  ops: DeltaOp<T>[];
};

export type AgentMessage =
  | { t: 'welcome'; protocol: number; agentVersion: string; pid: number }
  | ResponseMessage
  /** Progress of a long request; plans attach their structured event. */
  | { t: 'progress'; id: number; message: string; fraction?: number; event?: PlanEvent }
  /** Streamed data of a long request (log lines, metric samples). */
  | { t: 'chunk'; id: number; chunk: StreamChunk }
  | SnapshotMessage
  | DeltaMessage
  /** A subscription ended by the agent (e.g. its parameters name a context that disappeared). */
  | { t: 'subEnd'; id: number; error: AgentError }
  /** A frame that could not be attributed to a request, answered so the sender learns why. */
  | { t: 'err'; error: AgentError };

const id = int;

/**
 * Parses and validates one frame from a client. Throws an AgentFailure-compatible value via
 * `{ error }` so the agent can answer with a typed error instead of closing the socket.
 */
export function parseClientMessage(
  text: string,
): { ok: true; msg: ClientMessage } | { ok: false; id?: number; error: AgentError } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: agentError('BAD_REQUEST', 'The message is not valid JSON.') };
  }
  let rid: number | undefined;
  try {
    const r = record(raw, 'message');
    if (typeof r['id'] === 'number' && Number.isSafeInteger(r['id'])) rid = r['id'];
    switch (r['t']) {
      case 'hello':
        return { ok: true, msg: object({ t: str, protocol: int, client: str })(r) as ClientMessage };
      case 'req': {
        const method = r['method'];
        if (!isMethodName(method)) {
          return {
            ok: false,
            ...(rid === undefined ? {} : { id: rid }),
            error: agentError('UNKNOWN_METHOD', `The agent has no method "${String(method)}".`),
          };
        }
        const params = METHOD_PARAMS[method](r['params'] ?? {}, 'params');
        return { ok: true, msg: { t: 'req', id: id(r['id'], 'id'), method, params } as RequestMessage };
      }
      case 'cancel':
      case 'unsub':
        return { ok: true, msg: object({ t: str, id })(r) as ClientMessage };
      case 'sub': {
        const topic = r['topic'];
        if (typeof topic !== 'string' || !Object.prototype.hasOwnProperty.call(TOPIC_PARAMS, topic)) {
          return {
            ok: false,
            ...(rid === undefined ? {} : { id: rid }),
            error: agentError('BAD_REQUEST', `The agent has no topic "${String(topic)}".`),
          };
        }
        const t = topic as TopicName;
        const params = TOPIC_PARAMS[t](r['params'] ?? {}, 'params');
        const resume = optional(object({ epoch: str, seq: int }))(r['resume'], 'resume');
        const msg = {
          t: 'sub',
          id: id(r['id'], 'id'),
          topic: t,
          params,
          ...(resume === undefined ? {} : { resume }),
        };
        return { ok: true, msg: msg as SubscribeMessage };
      }
      default:
        return {
          ok: false,
          ...(rid === undefined ? {} : { id: rid }),
          error: agentError('BAD_REQUEST', `Unknown message type "${String(r['t'])}".`),
        };
    }
  } catch (e) {
    if (e instanceof CheckError)
      return {
        ok: false,
        ...(rid === undefined ? {} : { id: rid }),
        error: agentError('BAD_REQUEST', `Malformed message: ${e.message}.`),
      };
    throw e;
  }
}
