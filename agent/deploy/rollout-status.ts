import type { WorkloadKind } from '../../protocol';

type Json = Record<string, unknown>;

function rec(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function n(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

export interface RolloutState {
  /** The controller has seen the latest spec and every replica runs it and is available. */
  done: boolean;
  /** The controller gave up (progress deadline); the rollout will not finish by itself. */
  failed?: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** What `kubectl rollout status` would print. */
  message: string;
}

/**
 * Where a workload's rollout stands, by the same rules as `kubectl rollout status` (its
 * DeploymentStatusViewer, StatefulSetStatusViewer and DaemonSetStatusViewer).
 */
export function rolloutState(kind: WorkloadKind, obj: Json): RolloutState {
  const meta = rec(obj['metadata']);
  const spec = rec(obj['spec']);
  const status = rec(obj['status']);
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const generation = n(meta['generation']);
  const observed = n(status['observedGeneration']);
  const base = (
    desired: number,
    updated: number,
    ready: number,
    available: number,
  ): Omit<RolloutState, 'done' | 'message'> => ({ desired, updated, ready, available });
  switch (kind) {
    case 'Deployment': {
      const desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
      const s = base(
        desired,
        n(status['updatedReplicas']),
        n(status['readyReplicas']),
        n(status['availableReplicas']),
      );
      if (generation > observed) {
        return { ...s, done: false, message: 'Waiting for deployment spec update to be observed...' };
      }
      const conditions = Array.isArray(status['conditions']) ? status['conditions'].map(rec) : [];
      const progressing = conditions.find((c) => c['type'] === 'Progressing');
      if (progressing?.['reason'] === 'ProgressDeadlineExceeded') {
        const msg = `deployment "${name}" exceeded its progress deadline`;
        return { ...s, done: false, failed: msg, message: msg };
      }
      const replicas = n(status['replicas']);
      if (s.updated < desired) {
        return {
          ...s,
          done: false,
          message: `Waiting for deployment "${name}" rollout to finish: ${s.updated} out of ${desired} new replicas have been updated...`,
        };
      }
      if (replicas > s.updated) {
        return {
          ...s,
          done: false,
          message: `Waiting for deployment "${name}" rollout to finish: ${replicas - s.updated} old replicas are pending termination...`,
        };
      }
      if (s.available < s.updated) {
        return {
          ...s,
          done: false,
          message: `Waiting for deployment "${name}" rollout to finish: ${s.available} of ${s.updated} updated replicas are available...`,
        };
      }
      return { ...s, done: true, message: `deployment "${name}" successfully rolled out` };
    }
    case 'StatefulSet': {
      const desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
      const s = base(
        desired,
        n(status['updatedReplicas']),
        n(status['readyReplicas']),
        n(status['availableReplicas']),
      );
      const strategy = rec(spec['updateStrategy']);
      if (strategy['type'] !== undefined && strategy['type'] !== 'RollingUpdate') {
        return {
          ...s,
          done: true,
          message: `statefulset "${name}" uses ${String(strategy['type'])}: nothing to wait for`,
        };
      }
      if (observed === 0 || generation > observed) {
        return { ...s, done: false, message: 'Waiting for statefulset spec update to be observed...' };
      }
      if (s.ready < desired) {
        return { ...s, done: false, message: `Waiting for ${desired - s.ready} pods to be ready...` };
      }
      const partition = n(rec(strategy['rollingUpdate'])['partition']);
      if (partition > 0) {
        if (s.updated < desired - partition) {
          return {
            ...s,
            done: false,
            message: `Waiting for partitioned roll out to finish: ${s.updated} out of ${desired - partition} new pods have been updated...`,
          };
        }
        return {
          ...s,
          done: true,
          message: `partitioned roll out complete: ${s.updated} new pods have been updated...`,
        };
      }
      if (status['updateRevision'] !== status['currentRevision']) {
        return {
          ...s,
          done: false,
          message: `waiting for statefulset rolling update to complete ${s.updated} pods at revision ${String(status['updateRevision'])}...`,
        };
      }
      return {
        ...s,
        done: true,
        message: `statefulset rolling update complete ${desired} pods at revision ${String(status['currentRevision'])}...`,
      };
    }
    case 'DaemonSet': {
      const desired = n(status['desiredNumberScheduled']);
      const s = base(
        desired,
        n(status['updatedNumberScheduled']),
        n(status['numberReady']),
        n(status['numberAvailable']),
      );
      const strategy = rec(spec['updateStrategy']);
      if (strategy['type'] !== undefined && strategy['type'] !== 'RollingUpdate') {
        return {
          ...s,
          done: true,
          message: `daemonset "${name}" uses ${String(strategy['type'])}: nothing to wait for`,
        };
      }
      if (generation > observed) {
        return { ...s, done: false, message: 'Waiting for daemon set spec update to be observed...' };
      }
      if (s.updated < desired) {
        return {
          ...s,
          done: false,
          message: `Waiting for daemon set "${name}" rollout to finish: ${s.updated} out of ${desired} new pods have been updated...`,
        };
      }
      if (s.available < desired) {
        return {
          ...s,
          done: false,
          message: `Waiting for daemon set "${name}" rollout to finish: ${s.available} of ${desired} updated pods are available...`,
        };
      }
      return { ...s, done: true, message: `daemon set "${name}" successfully rolled out` };
    }
  }
}
