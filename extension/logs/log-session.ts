import {
  type LogCursor,
  type LogFollowParams,
  type LogLine,
  type LogNote,
  type Params,
  type Result,
  type StreamChunk,
  stampKey,
} from '../../protocol';
import { keepAttached } from '../agent/stream-attachment';

/** The part of AgentClient a log session uses; the current client may change when the agent restarts. */
export interface LogRequester {
  request(
    method: 'logs.follow',
    params: Params<'logs.follow'>,
    opts: { signal?: AbortSignal; onChunk?: (c: StreamChunk) => void },
  ): Promise<Result<'logs.follow'>>;
}

export interface LogSessionSink {
  lines(lines: LogLine[]): void;
  notes(notes: LogNote[]): void;
  /** live: streaming; reconnecting: the agent is away, lines will resume; ended: done or failed. */
  state(s: 'live' | 'reconnecting' | 'ended', message?: string): void;
}

/**
 * One log panel's stream from the agent. It keeps, per container, the stamp of the last line it received
 * and how many lines carried it; when the connection to the agent breaks (or the agent is restarted) it
 * asks again with those cursors, so the panel gets every line exactly once.
 */
export class LogSession {
  private readonly cursors = new Map<string, LogCursor>();
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  received = 0;
  resumes = 0;

  constructor(
    private readonly client: () => LogRequester | undefined,
    private readonly params: LogFollowParams,
    private readonly sink: LogSessionSink,
    private readonly retryMs = 300,
  ) {}

  start(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Where each container's stream stands (for a resumed request). */
  positions(): LogCursor[] {
    return [...this.cursors.values()].map((c) => ({ ...c }));
  }

  private track(lines: LogLine[]): void {
    for (const l of lines) {
      if (l.previous === true) continue;
      const key = `${l.pod}/${l.container}`;
      const c = this.cursors.get(key);
      if (c !== undefined && stampKey(c.ts) === stampKey(l.ts)) c.n++;
      else this.cursors.set(key, { pod: l.pod, container: l.container, ts: l.ts, n: 1 });
    }
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let first = true;
    const outcome = await keepAttached({
      client: this.client,
      signal,
      retryMs: this.retryMs,
      state: (st, message) => this.sink.state(st, message),
      lost: 'The connection to the Slipway agent was lost; resuming…',
      attach: async (client) => {
        const params: LogFollowParams = first ? this.params : { ...this.params, resume: this.positions() };
        if (!first) this.resumes++;
        first = false;
        await client.request('logs.follow', params, {
          signal,
          onChunk: (c) => {
            if (c.kind !== 'logs') return;
            this.track(c.lines);
            this.received += c.lines.length;
            if (c.lines.length > 0) this.sink.lines(c.lines);
            if (c.notes.length > 0) this.sink.notes(c.notes);
          },
        });
        // A follow that ends normally (the server closed it) attaches again from where it was.
        return !this.params.follow;
      },
    });
    if (outcome !== 'failed') this.sink.state('ended');
  }
}
