import type { Clock } from '../clock';
import type { EventRecorder, EventType } from '../events';
import type { Store, StoreEvent } from '../store';
import type { KObject } from '../types';
import type { ObjectCache } from './cache';
import { WorkQueue } from './queue';
import type { Resources } from './resources';

/** Per-pod resource usage, as the kubelet simulation (the sandbox's metrics-server) reports it. */
export interface PodMetricsSource {
  podUsage(
    namespace: string,
    name: string,
  ): { containers: { name: string; cpuMillicores: number; memoryBytes: number }[] } | undefined;
}

/** What every controller gets: the store, time, events, metrics, the resolved types and a shared cache. */
export interface ControllerContext {
  store: Store;
  clock: Clock;
  recorder: EventRecorder;
  metrics: PodMetricsSource;
  res: Resources;
  cache: ObjectCache;
  reportError(controller: string, key: string, err: unknown): void;
}

export interface Controller {
  stop(): void;
}

export interface LoopSpec {
  /** The component name, used as the event source and in error reports. */
  name: string;
  sync(key: string): void;
  /** Turns a store change into queued keys. */
  route(ev: StoreEvent, queue: WorkQueue): void;
  /** Keys to process once at start, for objects that existed before the controller. */
  initialKeys(): string[];
}

export interface Loop {
  queue: WorkQueue;
  stop(): void;
}

/**
 * The informer-plus-workqueue skeleton every controller shares: store changes are routed to keys,
 * keys are synced from a timer, failures are retried with back-off.
 */
export function startLoop(ctx: ControllerContext, spec: LoopSpec): Loop {
  const queue = new WorkQueue(
    ctx.clock,
    (key) => spec.sync(key),
    (key, err) => ctx.reportError(spec.name, key, err),
  );
  const unsubscribe = ctx.store.subscribe((ev) => spec.route(ev, queue));
  for (const key of spec.initialKeys()) queue.add(key);
  return {
    queue,
    stop: () => {
      unsubscribe();
      queue.stop();
    },
  };
}

/** Records an event from a controller, which reports under its component name. */
export function emit(
  ctx: ControllerContext,
  component: string,
  obj: KObject,
  type: EventType,
  reason: string,
  message: string,
): void {
  ctx.recorder.record(obj, type, reason, message, { component });
}
