import type { IncomingMessage } from 'node:http';
import { AgentFailure, type LogCursor, type LogLine, type LogNote } from '../../protocol';
import type { KubeClient } from '../kube/client';
import { realDelay } from '../kube/lifecycle';
import { ContainerCursor, LineSplitter, resumeSinceTime, splitStamp } from './log-cursor';

/** What a container stream needs to know about its pod, as the follower's informer last saw it. */
export interface ContainerView {
  /** The pod was deleted (or is terminating and this container has stopped). */
  gone: boolean;
  running: boolean;
  restartCount: number;
  /** The container stopped and will not run again (restartPolicy Never/OnFailure after success). */
  finished: boolean;
}

export interface ContainerLogDeps {
  client: KubeClient;
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  view(): ContainerView;
  /** Resolves on the pod's next change, or after `ms`. */
  changed(ms: number, signal: AbortSignal): Promise<void>;
  line(l: LogLine): void;
  note(n: LogNote): void;
  /** A promise while the consumer is behind; reading waits on it (TCP backpressure to the API server). */
  pressure(): Promise<void> | undefined;
}

export interface ContainerLogStart {
  cursor?: Pick<LogCursor, 'ts' | 'n'>;
  tailLines?: number;
  sinceSeconds?: number;
  /** First read the instance before the last restart, its lines marked `previous`. */
  previous?: boolean;
}

function logPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
}

function isWaiting(e: unknown): boolean {
  return (
    e instanceof AgentFailure && /waiting to start|ContainerCreating|PodInitializing/i.test(e.error.message)
  );
}

/**
 * One container's log, followed across dropped connections, API server restarts and container restarts:
 * every (re)connection resumes from the cursor, so each line is delivered exactly once. When the
 * container restarts while the stream is down, the end of the instance that stopped is read from its
 * `previous` log before the new instance is followed.
 */
export class ContainerLog {
  readonly cursor: ContainerCursor;
  private seenRestarts: number;
  delivered = 0;
  reconnects = 0;

  constructor(
    private readonly d: ContainerLogDeps,
    private readonly start: ContainerLogStart,
  ) {
    this.cursor = new ContainerCursor(start.cursor);
    this.seenRestarts = d.view().restartCount;
  }

  private note(kind: LogNote['kind'], message: string): void {
    this.d.note({
      kind,
      pod: this.d.pod,
      container: this.d.container,
      at: new Date().toISOString(),
      message,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const d = this.d;
    if (this.start.previous === true && this.start.cursor === undefined && this.seenRestarts > 0) {
      await this.readOnce(signal, true, { ...this.tailQuery() }).catch(() => undefined);
    }
    let first = this.start.cursor === undefined;
    let failures = 0;
    while (!signal.aborted) {
      const v = d.view();
      if (v.restartCount > this.seenRestarts && this.cursor.position !== undefined) {
        // The instance we were reading stopped while we were away: read its end from `previous`.
        this.cursor.rewind();
        await this.readOnce(signal, false, {
          previous: true,
          sinceTime: resumeSinceTime(this.cursor.position.ts),
        }).catch(() => undefined);
      }
      this.seenRestarts = Math.max(this.seenRestarts, v.restartCount);
      if (v.gone && !v.running) return;
      const query: Record<string, string | number | boolean | undefined> = {
        container: d.container,
        timestamps: true,
        follow: d.follow ? true : undefined,
      };
      const pos = this.cursor.position;
      if (pos !== undefined) {
        query['sinceTime'] = resumeSinceTime(pos.ts);
        this.cursor.rewind();
      } else if (first) Object.assign(query, this.tailQuery());
      let res: IncomingMessage;
      try {
        res = await d.client.stream(logPath(d.namespace, d.pod), { query, signal, connectTimeoutMs: 15_000 });
      } catch (e) {
        if (signal.aborted) return;
        if (!d.follow) throw e;
        if (d.view().gone) return;
        if (isWaiting(e) || !d.view().running) {
          await d.changed(5_000, signal);
          continue;
        }
        failures++;
        if (failures === 2) {
          this.note(
            'reconnecting',
            `Log stream lost (${e instanceof AgentFailure ? e.error.message : String(e)}); reconnecting.`,
          );
        }
        await realDelay(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)), signal);
        continue;
      }
      if (failures >= 2) this.note('resumed', 'Log stream resumed; no line was lost.');
      failures = 0;
      first = false;
      const before = this.delivered;
      const clean = await this.consume(res, signal, false);
      if (!d.follow) return;
      if (signal.aborted) return;
      if (!clean) this.reconnects++;
      const now = d.view();
      if (now.gone && !now.running) return;
      if (now.finished) return;
      // A clean end means the container stopped; wait for the kubelet to report the restart.
      if (clean && this.delivered === before) await d.changed(2_000, signal);
      else if (clean) await d.changed(250, signal);
    }
  }

  private tailQuery(): Record<string, number | undefined> {
    return { tailLines: this.start.tailLines, sinceSeconds: this.start.sinceSeconds };
  }

  /** Reads one log without following; lines go through the cursor unless they are `previous` context. */
  private async readOnce(
    signal: AbortSignal,
    markPrevious: boolean,
    extra: Record<string, string | number | boolean | undefined>,
  ): Promise<void> {
    const res = await this.d.client.stream(logPath(this.d.namespace, this.d.pod), {
      query: { container: this.d.container, timestamps: true, previous: true, ...extra },
      signal,
      connectTimeoutMs: 15_000,
    });
    await this.consume(res, signal, markPrevious);
  }

  /** Delivers a response's lines; true when it ended cleanly, false when the connection broke. */
  private async consume(res: IncomingMessage, signal: AbortSignal, markPrevious: boolean): Promise<boolean> {
    const splitter = new LineSplitter();
    res.setEncoding('utf8');
    const deliver = (raw: string): void => {
      const parsed = splitStamp(raw);
      if (parsed === undefined) return;
      if (!markPrevious && !this.cursor.accept(parsed.ts)) return;
      this.delivered++;
      const line: LogLine = {
        pod: this.d.pod,
        container: this.d.container,
        ts: parsed.ts,
        text: parsed.text,
      };
      if (markPrevious) line.previous = true;
      this.d.line(line);
    };
    try {
      for await (const chunk of res) {
        for (const raw of splitter.push(chunk as string)) deliver(raw);
        const wait = this.d.pressure();
        if (wait !== undefined) await wait;
      }
    } catch {
      res.destroy();
      return signal.aborted;
    }
    if (!res.complete) return false;
    const rest = splitter.flush();
    if (rest !== undefined) deliver(rest);
    return true;
  }
}
