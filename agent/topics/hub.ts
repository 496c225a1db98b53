import { randomUUID } from 'node:crypto';
import type { AgentError, DeltaOp, Resume, TopicName, TopicParams, TopicState } from '../../protocol';

export interface Disposable {
  dispose(): void;
}

/** A live source of one topic instance's state, e.g. the services of one namespace of one context. */
export interface TopicSource<T extends TopicName> {
  state(): TopicState<T>;
  error(): AgentError | null;
  onDelta(listener: (ops: DeltaOp<T>[]) => void): Disposable;
  /** Resolves once the first state is complete (or failed), so a snapshot is never a blank that fills in. */
  ready?(): Promise<void>;
  dispose(): void;
}

export type SourceFactory = <T extends TopicName>(topic: T, params: TopicParams<T>) => TopicSource<T>;

/** What a subscriber receives: first a snapshot (or a replay of missed deltas), then deltas. */
export interface TopicSink<T extends TopicName> {
  snapshot(epoch: string, seq: number, state: TopicState<T>, error: AgentError | null): void;
  delta(seq: number, ops: DeltaOp<T>[]): void;
}

const RING = 512;

/**
 * One topic instance shared by every subscriber: numbered deltas with an epoch (new whenever the
 * instance is created) and a ring of recent batches so a reconnecting client resumes without a snapshot.
 */
class TopicInstance<T extends TopicName> {
  readonly epoch = randomUUID();
  private seq = 0;
  private readonly ring: { seq: number; ops: DeltaOp<T>[] }[] = [];
  readonly sinks = new Set<TopicSink<T>>();
  private readonly sub: Disposable;
  linger: NodeJS.Timeout | undefined;
  readonly ready: Promise<void>;

  constructor(readonly source: TopicSource<T>) {
    this.sub = source.onDelta((ops) => this.publish(ops));
    this.ready = (source.ready?.() ?? Promise.resolve()).catch(() => undefined);
  }

  private publish(ops: DeltaOp<T>[]): void {
    if (ops.length === 0) return;
    this.seq++;
    this.ring.push({ seq: this.seq, ops });
    if (this.ring.length > RING) this.ring.shift();
    for (const s of this.sinks) s.delta(this.seq, ops);
  }

  attach(sink: TopicSink<T>, resume: Resume | undefined): void {
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    const canReplay =
      resume !== undefined &&
      resume.epoch === this.epoch &&
      resume.seq >= oldest - 1 &&
      resume.seq <= this.seq;
    if (canReplay) {
      for (const b of this.ring) if (b.seq > resume.seq) sink.delta(b.seq, b.ops);
    } else {
      sink.snapshot(this.epoch, this.seq, this.source.state(), this.source.error());
    }
    this.sinks.add(sink);
  }

  /** A fresh snapshot for one subscriber that fell behind (backpressure). */
  resync(sink: TopicSink<T>): void {
    sink.snapshot(this.epoch, this.seq, this.source.state(), this.source.error());
  }

  dispose(): void {
    this.sub.dispose();
    this.source.dispose();
  }
}

function instanceKey(topic: string, params: object): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, (params as Record<string, unknown>)[k]]);
  return `${topic}:${JSON.stringify(sorted)}`;
}

export interface Subscription {
  resync(): void;
  dispose(): void;
}

/** Owns topic instances: created on first subscribe, disposed a while after the last one leaves. */
export class TopicHub {
  private readonly instances = new Map<string, TopicInstance<TopicName>>();

  constructor(
    private readonly factory: SourceFactory,
    private readonly lingerMs = 30_000,
  ) {}

  subscribe<T extends TopicName>(
    topic: T,
    params: TopicParams<T>,
    resume: Resume | undefined,
    sink: TopicSink<T>,
  ): Subscription {
    const key = instanceKey(topic, params);
    let inst = this.instances.get(key) as TopicInstance<T> | undefined;
    if (inst === undefined) {
      inst = new TopicInstance<T>(this.factory(topic, params));
      this.instances.set(key, inst as unknown as TopicInstance<TopicName>);
    }
    if (inst.linger !== undefined) {
      clearTimeout(inst.linger);
      inst.linger = undefined;
    }
    const owner = inst;
    let attached = false;
    let cancelled = false;
    void owner.ready.then(() => {
      if (cancelled) return;
      owner.attach(sink, resume);
      attached = true;
    });
    return {
      resync: () => {
        if (attached) owner.resync(sink);
      },
      dispose: () => {
        cancelled = true;
        owner.sinks.delete(sink);
        if (owner.sinks.size > 0) return;
        owner.linger = setTimeout(() => {
          if (owner.sinks.size > 0) return;
          this.instances.delete(key);
          owner.dispose();
        }, this.lingerMs);
        owner.linger.unref();
      },
    };
  }

  get size(): number {
    return this.instances.size;
  }

  dispose(): void {
    for (const inst of this.instances.values()) {
      if (inst.linger !== undefined) clearTimeout(inst.linger);
      inst.dispose();
    }
    this.instances.clear();
  }
}
