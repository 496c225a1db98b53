import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from '../errors';
import { isJsonObject } from '../types';
import { parseBody, readBody, sendJson } from './content';

/**
 * Faults a test can inject through the control endpoint (`/sandbox/v1/faults`, admin token), each undone
 * by itself: failures count down, refusals end after their time, latency is cleared with 0.
 */
export interface FaultActions {
  dropWatches(): number;
  dropLogStreams(): number;
  expireWatchHistory(): void;
  deletePod(namespace: string, name: string): void;
  refuseConnections(seconds: number): void;
}

export class FaultState {
  private failures: { remaining: number; code: 500 | 429 } | undefined;
  latencyMs = 0;

  /** The error the next request must answer with, if a failure is pending. */
  takeFailure(): ApiError | undefined {
    const f = this.failures;
    if (f === undefined || f.remaining <= 0) return undefined;
    f.remaining--;
    if (f.remaining === 0) this.failures = undefined;
    if (f.code === 429)
      return new ApiError('TooManyRequests', 'sandbox fault: too many requests, please try again later', {
        retryAfterSeconds: 1,
      });
    return new ApiError('InternalError', 'Internal error occurred: sandbox fault injected');
  }

  failNext(count: number, code: 500 | 429): void {
    this.failures = { remaining: count, code };
  }

  pendingFailures(): number {
    return this.failures?.remaining ?? 0;
  }
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw badRequest(`${what} must be a non-negative number`);
  return v;
}

/**
 * POST /sandbox/v1/faults with one JSON object naming a fault:
 * {"dropWatches":true} | {"dropLogStreams":true} | {"failNext":{"count":3,"code":500|429}} | {"latencyMs":200} |
 * {"expireWatches":true} | {"deletePod":{"namespace":"x","name":"y"}} | {"refuseConnections":{"seconds":2}}
 */
export async function handleFaults(
  req: IncomingMessage,
  res: ServerResponse,
  state: FaultState,
  actions: FaultActions,
): Promise<void> {
  if (req.method === 'GET') {
    sendJson(res, 200, { latencyMs: state.latencyMs, pendingFailures: state.pendingFailures() });
    return;
  }
  if (req.method !== 'POST') throw new ApiError('MethodNotAllowed', 'use GET or POST on /sandbox/v1/faults');
  const body = parseBody(await readBody(req), 'application/json');
  if (!isJsonObject(body)) throw badRequest('a fault is a JSON object');
  const done: Record<string, unknown> = {};
  if (body['dropWatches'] === true) done['droppedWatches'] = actions.dropWatches();
  if (body['dropLogStreams'] === true) done['droppedLogStreams'] = actions.dropLogStreams();
  if (isJsonObject(body['failNext'])) {
    const code = body['failNext']['code'] ?? 500;
    if (code !== 500 && code !== 429) throw badRequest('failNext.code must be 500 or 429');
    state.failNext(num(body['failNext']['count'], 'failNext.count'), code);
    done['failNext'] = body['failNext'];
  }
  if (body['latencyMs'] !== undefined) {
    state.latencyMs = num(body['latencyMs'], 'latencyMs');
    done['latencyMs'] = state.latencyMs;
  }
  if (body['expireWatches'] === true) {
    actions.expireWatchHistory();
    done['expireWatches'] = true;
  }
  if (isJsonObject(body['deletePod'])) {
    const { namespace, name } = body['deletePod'];
    if (typeof namespace !== 'string' || typeof name !== 'string')
      throw badRequest('deletePod needs namespace and name');
    actions.deletePod(namespace, name);
    done['deletePod'] = { namespace, name };
  }
  if (isJsonObject(body['refuseConnections'])) {
    const seconds = num(body['refuseConnections']['seconds'], 'refuseConnections.seconds');
    done['refuseConnections'] = { seconds };
    sendJson(res, 200, done);
    // Answer first: refusing closes every connection, this one included.
    setImmediate(() => actions.refuseConnections(seconds));
    return;
  }
  if (Object.keys(done).length === 0)
    throw badRequest('no known fault in the request; see sandbox/README.md');
  sendJson(res, 200, done);
}
