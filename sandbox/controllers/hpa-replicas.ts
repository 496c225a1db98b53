import type { KObject } from '../types';
import type { PodMetricsSource } from './controller';
import {
  findCondition,
  isDeleting,
  nameOf,
  namespaceOf,
  podConditions,
  podContainers,
  podPhase,
  statusOf,
  time,
} from './objects';
import { milliValue } from '../quantity';

/** The HPA's tolerance: no scaling while usage is within 10 % of the target. */
const TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
const CPU_INITIALIZATION_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
const INITIAL_READINESS_DELAY_MS = 30_000;
/** The window metrics-server reports usage over; a sample younger than this after readiness is ignored. */
const METRIC_WINDOW_MS = 15_000;

export type ResourceName = 'cpu' | 'memory';

export interface ReplicaProposal {
  replicas: number;
  /** Average usage in milli-units over the pods that counted. */
  rawUsage: number;
  /** Usage as a percentage of requests, for utilization targets. */
  utilization?: number;
}

/** An error from the replica calculation, worded as upstream's so messages match. */
export class MetricError extends Error {}

/** metricsclient.GetResourceMetric: usage per pod from the kubelet's metrics, summed over containers. */
function resourceMetrics(
  metrics: PodMetricsSource,
  pods: readonly KObject[],
  resource: ResourceName,
  container: string | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const usage = metrics.podUsage(namespaceOf(pod), nameOf(pod));
    if (usage === undefined) continue;
    const containers =
      container === undefined ? usage.containers : usage.containers.filter((c) => c.name === container);
    if (containers.length === 0) continue;
    out.set(
      nameOf(pod),
      containers.reduce((n, c) => n + (resource === 'cpu' ? c.cpuMillicores : c.memoryBytes * 1000), 0),
    );
  }
  if (out.size === 0) throw new MetricError('no metrics returned from resource metrics API');
  return out;
}

interface Groups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: which pods count, which are unready (or still warming up, for CPU), missing or ignored. */
function groupPods(
  pods: readonly KObject[],
  metrics: Map<string, number>,
  resource: ResourceName,
  now: number,
): Groups {
  const g: Groups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = nameOf(pod);
    if (isDeleting(pod) || podPhase(pod) === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (podPhase(pod) === 'Pending') {
      g.unready.add(name);
      continue;
    }
    if (!metrics.has(name)) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = findCondition(podConditions(pod), 'Ready');
      const start = time(statusOf(pod)['startTime']);
      let unready: boolean;
      if (cond === undefined || start === undefined) unready = true;
      else {
        const transition = time(cond.lastTransitionTime) ?? 0;
        if (start + CPU_INITIALIZATION_MS > now) {
          // Within the initialization period, a sample taken before one full window after readiness is ignored.
          unready = cond.status === 'False' || now < transition + METRIC_WINDOW_MS;
        } else {
          unready = cond.status === 'False' && start + INITIAL_READINESS_DELAY_MS > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** calculateRequests: each pod's summed container requests; a container without one is an error. */
function podRequests(
  pods: readonly KObject[],
  resource: ResourceName,
  container: string | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of podContainers(pod)) {
      if (container !== undefined && c.name !== container) continue;
      const req = milliValue(c.requests[resource]);
      if (req === undefined)
        throw new MetricError(`missing request for ${resource} in container ${c.name} of Pod ${nameOf(pod)}`);
      sum += req;
    }
    out.set(nameOf(pod), sum);
  }
  return out;
}

function utilizationRatio(
  metrics: Map<string, number>,
  requests: Map<string, number>,
  target: number,
): { ratio: number; utilization: number; raw: number } {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [pod, value] of metrics) {
    const req = requests.get(pod);
    if (req === undefined) continue;
    used += value;
    requested += req;
    n++;
  }
  if (requested === 0) throw new MetricError('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, raw: Math.trunc(used / n) };
}

function within(ratio: number): boolean {
  return Math.abs(1 - ratio) <= TOLERANCE;
}

/**
 * ReplicaCalculator.GetResourceReplicas and GetRawResourceReplicas: the proposal from usage against a
 * utilization (percent of requests) or average-value target. Pods without metrics count as idle on a
 * scale-up and as at-target on a scale-down; unready pods count as idle on a scale-up; a proposal that
 * would flip direction because of them keeps the current count.
 */
export function resourceReplicas(
  metricsSource: PodMetricsSource,
  pods: readonly KObject[],
  current: number,
  resource: ResourceName,
  container: string | undefined,
  target: { utilization: number } | { averageMilli: number },
  now: number,
): ReplicaProposal {
  let metrics: Map<string, number>;
  try {
    metrics = resourceMetrics(metricsSource, pods, resource, container);
  } catch (e) {
    throw new MetricError(
      `unable to get metrics for resource ${resource}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (pods.length === 0)
    throw new MetricError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, metrics, resource, now);
  for (const name of [...g.ignored, ...g.unready]) metrics.delete(name);
  if (metrics.size === 0)
    throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');

  if ('utilization' in target) {
    const requests = podRequests(pods, resource, container);
    const first = utilizationRatio(metrics, requests, target.utilization);
    const proposal = { rawUsage: first.raw, utilization: first.utilization };
    const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
    if (!scaleUpWithUnready && g.missing.size === 0) {
      return { ...proposal, replicas: within(first.ratio) ? current : Math.ceil(first.ratio * g.ready) };
    }
    if (g.missing.size > 0) {
      const fallback = Math.max(100, target.utilization);
      for (const name of g.missing)
        metrics.set(name, first.ratio < 1 ? Math.trunc(((requests.get(name) ?? 0) * fallback) / 100) : 0);
    }
    if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
    const second = utilizationRatio(metrics, requests, target.utilization);
    return { ...proposal, replicas: settle(first.ratio, second.ratio, metrics.size, current) };
  }

  const average = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0) / m.size;
  const raw = Math.trunc(average(metrics));
  const ratio = raw / target.averageMilli;
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    return { rawUsage: raw, replicas: within(ratio) ? current : Math.ceil(ratio * g.ready) };
  }
  for (const name of g.missing) metrics.set(name, ratio < 1 ? target.averageMilli : 0);
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const second = Math.trunc(average(metrics)) / target.averageMilli;
  return { rawUsage: raw, replicas: settle(ratio, second, metrics.size, current) };
}

/** The second pass with assumed values for missing and unready pods: no change of direction. */
function settle(first: number, second: number, count: number, current: number): number {
  if (within(second) || (first < 1 && second > 1) || (first > 1 && second < 1)) return current;
  const replicas = Math.ceil(second * count);
  if ((second < 1 && replicas > current) || (second > 1 && replicas < current)) return current;
  return replicas;
}
