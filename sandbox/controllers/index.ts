import type { Clock } from '../clock';
import { ApiError } from '../errors';
import type { EventRecorder } from '../events';
import type { Store } from '../store';
import { ObjectCache } from './cache';
import type { Controller, ControllerContext, PodMetricsSource } from './controller';
import { startCronJobController } from './cronjob';
import { startDaemonSetController } from './daemonset';
import { startDeploymentController } from './deployment';
import { startEndpointsController } from './endpoints';
import { startEndpointSliceController } from './endpointslice';
import { startGarbageCollector } from './garbage-collector';
import { startHpaController } from './hpa';
import { startJobController } from './job';
import { startNamespaceController } from './namespace';
import { startReplicaSetController } from './replicaset';
import { resolveResources } from './resources';
import { startScheduler } from './scheduler';
import { startStatefulSetController } from './statefulset';

export type { PodMetricsSource } from './controller';

export interface ControllersOptions {
  store: Store;
  clock: Clock;
  recorder: EventRecorder;
  metrics: PodMetricsSource;
  /** How often each HPA is evaluated (upstream's --horizontal-pod-autoscaler-sync-period, 15 s). */
  hpaSyncMs?: number;
  /**
   * Called when a sync fails; the key is retried with back-off either way. By default API errors
   * (conflicts, races with deletion) are retried silently and anything else is written to stderr.
   */
  onError?: (controller: string, key: string, err: unknown) => void;
}

function defaultOnError(controller: string, key: string, err: unknown): void {
  if (err instanceof ApiError) return;
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`sandbox: ${controller} failed to sync ${key}: ${text}\n`);
}

/**
 * Starts the sandbox's kube-controller-manager and scheduler in-process on the store: scheduler,
 * ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob, HPA, Endpoints, EndpointSlice, garbage
 * collector and namespace controllers. `stop` stops them all.
 */
export function startControllers(opts: ControllersOptions): { stop(): void } {
  const cache = new ObjectCache(opts.store);
  const ctx: ControllerContext = {
    store: opts.store,
    clock: opts.clock,
    recorder: opts.recorder,
    metrics: opts.metrics,
    res: resolveResources(opts.store.registry),
    cache,
    reportError: opts.onError ?? defaultOnError,
  };
  const controllers: Controller[] = [
    startGarbageCollector(ctx),
    startNamespaceController(ctx),
    startScheduler(ctx),
    startReplicaSetController(ctx),
    startDeploymentController(ctx),
    startStatefulSetController(ctx),
    startDaemonSetController(ctx),
    startJobController(ctx),
    startCronJobController(ctx),
    startHpaController(ctx, opts.hpaSyncMs ?? 15_000),
    startEndpointsController(ctx),
    startEndpointSliceController(ctx),
  ];
  return {
    stop: () => {
      for (const c of controllers) c.stop();
      cache.stop();
    },
  };
}
