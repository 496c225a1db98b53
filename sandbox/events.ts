import type { Clock } from './clock';
import { ApiError } from './errors';
import type { ResourceType } from './registry';
import { rfc3339, type Store } from './store';
import type { KObject } from './types';

/** The two severities core/v1 Events carry. */
export type EventType = 'Normal' | 'Warning';

/**
 * Who reports an event: the component (`deployment-controller`, `kubelet`) and the host it runs on.
 * `fieldPath` names the part of the object the event is about, such as `spec.containers{web}`; the
 * kubelet passes it here because that is where its callers keep it.
 */
export interface EventSource {
  component: string;
  host?: string | undefined;
  fieldPath?: string | undefined;
}

/** An events.k8s.io/v1 style report, as the scheduler writes them: no source, an action and an instance. */
export interface ActionReport {
  reportingController: string;
  reportingInstance: string;
  action: string;
}

export interface EventRecorderOptions {
  /** Events kept per namespace before the oldest are deleted (default 1,000). */
  maxPerNamespace?: number;
  /** Events whose lastTimestamp is older than this are deleted, as the API server's event TTL does (default 1 h). */
  ttlMs?: number;
  /** Events one source may report about one object at once before the spam filter drops them (default 25). */
  spamBurst?: number;
  /** How often the spam filter gives a source one more event for an object (default every 5 minutes). */
  spamRefillMs?: number;
  /** Distinct messages with one reason before they are combined into one event (default 10). */
  similarLimit?: number;
  /** How long similar events are remembered for combining (default 10 minutes). */
  similarWindowMs?: number;
}

interface Observed {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface Similar {
  messages: Set<string>;
  at: number;
}

/** How many dedupe, spam and similarity records the recorder keeps, like client-go's LRU caches. */
const CACHE_LIMIT = 4096;
const SWEEP_EVERY_MS = 60_000;
const COMBINED_PREFIX = '(combined from similar events): ';

/**
 * Writes core/v1 Events the way client-go's recorder and event correlator do: a repeated event (same
 * source, object, type, reason and message) bumps `count` and `lastTimestamp` of the event already
 * written; more than ten different messages for one reason within ten minutes are combined into one
 * event; a token bucket per source and object drops floods. Events live at most an hour and at most a
 * thousand per namespace, so a long-running sandbox does not grow without bound.
 */
export class EventRecorder {
  private readonly eventType: ResourceType | undefined;
  private readonly observed = new Map<string, Observed>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly similar = new Map<string, Similar>();
  /** Event names per namespace in creation order with their last timestamps, for the cap and the TTL. */
  private readonly written = new Map<string, Map<string, number>>();
  private lastSweep = 0;
  private seq = 0;
  private readonly maxPerNamespace: number;
  private readonly ttlMs: number;
  private readonly spamBurst: number;
  private readonly spamRefillMs: number;
  private readonly similarLimit: number;
  private readonly similarWindowMs: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    opts: EventRecorderOptions = {},
  ) {
    this.eventType = store.registry.lookup('', 'v1', 'events');
    this.maxPerNamespace = opts.maxPerNamespace ?? 1000;
    this.ttlMs = opts.ttlMs ?? 3_600_000;
    this.spamBurst = opts.spamBurst ?? 25;
    this.spamRefillMs = opts.spamRefillMs ?? 300_000;
    this.similarLimit = opts.similarLimit ?? 10;
    this.similarWindowMs = opts.similarWindowMs ?? 600_000;
  }

  /**
   * Records an event about `obj`. Returns the stored event, or undefined when it was filtered or could
   * not be written (a namespace being deleted refuses new content, and an event is never worth an error).
   */
  record(
    obj: KObject,
    type: EventType,
    reason: string,
    message: string,
    source: EventSource,
  ): KObject | undefined {
    const t = this.eventType;
    if (t === undefined) return undefined;
    const now = this.clock.now();
    this.sweep(now);
    const involved = involvedObject(obj, source.fieldPath);
    const host = source.host ?? '';
    const objectKey = [
      obj.kind,
      obj.metadata.namespace ?? '',
      obj.metadata.name ?? '',
      obj.metadata.uid ?? '',
      obj.apiVersion,
    ];
    const combined = this.combine(
      [source.component, host, ...objectKey, type, reason].join('\u0000'),
      message,
      now,
    );
    const text = combined ? COMBINED_PREFIX + message : message;
    const key = combined
      ? [source.component, host, ...objectKey, type, reason, 'combined'].join('\u0000')
      : [source.component, host, ...objectKey, source.fieldPath ?? '', type, reason, message].join('\u0000');
    if (!this.allow([source.component, host, ...objectKey, type].join('\u0000'), now)) return undefined;
    const stamp = rfc3339(now);
    const namespace = involvedNamespace(obj);
    const previous = this.observed.get(key);
    try {
      if (previous !== undefined) {
        const count = previous.count + 1;
        const existing = this.store.get(t, previous.namespace, previous.name);
        const stored =
          existing === undefined
            ? this.store.create(
                t,
                this.newEvent(
                  previous.name,
                  previous.namespace,
                  involved,
                  type,
                  reason,
                  text,
                  source,
                  previous.firstTimestamp,
                  stamp,
                  count,
                ),
              )
            : this.store.update(t, {
                ...existing,
                metadata: { ...existing.metadata, resourceVersion: '' },
                count,
                lastTimestamp: stamp,
                message: text,
              });
        this.remember(key, { ...previous, count });
        this.track(previous.namespace, previous.name, now);
        return stored;
      }
      const name = `${obj.metadata.name ?? ''}.${this.nanos(now)}`;
      const stored = this.store.create(
        t,
        this.newEvent(name, namespace, involved, type, reason, text, source, stamp, stamp, 1),
      );
      this.remember(key, { name, namespace, count: 1, firstTimestamp: stamp });
      this.track(namespace, name, now);
      return stored;
    } catch (e) {
      if (e instanceof ApiError) return undefined;
      throw e;
    }
  }

  /**
   * Records an event as components on the events.k8s.io/v1 API do (the scheduler): no source and no
   * first/last timestamps, but an eventTime, an action and the reporting controller and instance.
   */
  recordAction(
    obj: KObject,
    type: EventType,
    reason: string,
    message: string,
    report: ActionReport,
  ): KObject | undefined {
    const t = this.eventType;
    if (t === undefined) return undefined;
    const now = this.clock.now();
    this.sweep(now);
    const namespace = involvedNamespace(obj);
    const name = `${obj.metadata.name ?? ''}.${this.nanos(now)}`;
    const event: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involvedObject(obj, undefined),
      reason,
      message,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: new Date(now).toISOString().replace('Z', '000Z'),
      type,
      action: report.action,
      reportingComponent: report.reportingController,
      reportingInstance: report.reportingInstance,
    };
    try {
      const stored = this.store.create(t, event);
      this.track(namespace, name, now);
      return stored;
    } catch (e) {
      if (e instanceof ApiError) return undefined;
      throw e;
    }
  }

  private newEvent(
    name: string,
    namespace: string,
    involved: Record<string, string>,
    type: EventType,
    reason: string,
    message: string,
    source: EventSource,
    first: string,
    last: string,
    count: number,
  ): KObject {
    const src: Record<string, string> = { component: source.component };
    if (source.host !== undefined && source.host !== '') src['host'] = source.host;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source: src,
      firstTimestamp: first,
      lastTimestamp: last,
      count,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    };
  }

  /** Event names end in the report time in hex nanoseconds; a counter keeps same-millisecond names apart. */
  private nanos(now: number): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return (BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.seq)).toString(16).padStart(16, '0');
  }

  /** The correlator's aggregation: true once this reason has seen too many different messages lately. */
  private combine(key: string, message: string, now: number): boolean {
    let rec = this.similar.get(key);
    if (rec === undefined || now - rec.at > this.similarWindowMs) rec = { messages: new Set(), at: now };
    rec.messages.add(message);
    rec.at = now;
    setBounded(this.similar, key, rec);
    if (rec.messages.size < this.similarLimit) return false;
    // Keep the set at the limit, as the upstream aggregator pops one key once it is over.
    const first = rec.messages.values().next().value;
    if (first !== undefined) rec.messages.delete(first);
    return true;
  }

  /** The correlator's spam filter: a token bucket per source and object. */
  private allow(key: string, now: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.spamBurst, at: now };
    const refill = this.spamRefillMs > 0 ? (now - b.at) / this.spamRefillMs : this.spamBurst;
    b.tokens = Math.min(this.spamBurst, b.tokens + refill);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    setBounded(this.buckets, key, b);
    return ok;
  }

  private remember(key: string, o: Observed): void {
    setBounded(this.observed, key, o);
  }

  /** Notes a written event and deletes the oldest ones of its namespace beyond the cap. */
  private track(namespace: string, name: string, now: number): void {
    let names = this.written.get(namespace);
    if (names === undefined) {
      names = new Map();
      this.written.set(namespace, names);
    }
    // Re-setting a known name keeps its place: the cap removes events in creation order.
    names.set(name, now);
    while (names.size > this.maxPerNamespace) {
      const oldest = names.keys().next().value;
      if (oldest === undefined) break;
      names.delete(oldest);
      this.deleteEvent(namespace, oldest);
    }
  }

  /** Deletes events past their TTL, at most once a minute of clock time. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [namespace, names] of this.written) {
      for (const [name, at] of names) {
        if (now - at <= this.ttlMs) continue;
        names.delete(name);
        this.deleteEvent(namespace, name);
      }
      if (names.size === 0) this.written.delete(namespace);
    }
  }

  private deleteEvent(namespace: string, name: string): void {
    if (this.eventType === undefined) return;
    try {
      this.store.delete(this.eventType, namespace, name);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
}

/** Cluster-scoped objects' events go to the default namespace, as the real recorder puts them. */
function involvedNamespace(obj: KObject): string {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === '' ? 'default' : ns;
}

function involvedObject(obj: KObject, fieldPath: string | undefined): Record<string, string> {
  const ref: Record<string, string> = { kind: obj.kind };
  if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '')
    ref['namespace'] = obj.metadata.namespace;
  ref['name'] = obj.metadata.name ?? '';
  ref['uid'] = obj.metadata.uid ?? '';
  ref['apiVersion'] = obj.apiVersion;
  ref['resourceVersion'] = obj.metadata.resourceVersion ?? '';
  if (fieldPath !== undefined && fieldPath !== '') ref['fieldPath'] = fieldPath;
  return ref;
}

/** Map insertion with a size bound: the least recently written entry goes first. */
function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CACHE_LIMIT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
