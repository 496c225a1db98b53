import { AgentFailure } from '../../protocol';

export type StreamState = 'live' | 'reconnecting' | 'ended';

export interface AttachOptions<C> {
  /** The agent's client while one is connected (it changes when the agent restarts). */
  client: () => C | undefined;
  signal: AbortSignal;
  retryMs: number;
  state(s: StreamState, message?: string): void;
  /**
   * One attachment to the agent's stream. Resolves true when the stream is complete (nothing more to
   * wait for), false to attach again; rejects when the connection breaks.
   */
  attach(client: C): Promise<boolean>;
  /** What the state says while reattaching after a lost connection. */
  lost: string;
}

/**
 * Keeps a panel attached to a streaming agent request (logs.follow, metrics.watch) across agent restarts
 * and lost connections: waits for an agent, attaches, and after a transport failure attaches again; a
 * failure of the request itself (a missing workload, a refusal) ends it with its message. Returns once
 * the stream is complete, ended, or the signal aborts.
 */
export async function keepAttached<C>(o: AttachOptions<C>): Promise<'complete' | 'failed' | 'aborted'> {
  let away = false;
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, o.retryMs));
  while (!o.signal.aborted) {
    const client = o.client();
    if (client === undefined) {
      if (!away) o.state('reconnecting', 'Waiting for the Slipway agent…');
      away = true;
      await pause();
      continue;
    }
    o.state('live');
    away = false;
    try {
      if (await o.attach(client)) return 'complete';
    } catch (e) {
      if (o.signal.aborted) break;
      const code = e instanceof AgentFailure ? e.error.code : 'INTERNAL';
      if (code !== 'UNAVAILABLE' && code !== 'INTERNAL') {
        o.state('ended', e instanceof AgentFailure ? e.error.message : String(e));
        return 'failed';
      }
      o.state('reconnecting', o.lost);
      away = true;
      await pause();
    }
  }
  return 'aborted';
}
