import { selectorMatches, selectorString } from '../selectors';
import { rfc3339 } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { type Controller, type ControllerContext, emit, startLoop } from './controller';
import { type ScalingHistory, normalizeWithBehavior, normalizeWithoutBehavior } from './hpa-behavior';
import { MetricError, type ReplicaProposal, type ResourceName, resourceReplicas } from './hpa-replicas';
import {
  type Condition,
  conditionsJson,
  conditionsOf,
  keyOf,
  labelSelector,
  num,
  rec,
  records,
  specOf,
  splitKey,
  statusOf,
  str,
  strMap,
} from './objects';
import { formatMilli, milliValue } from '../quantity';
import { mutateObject, writeOwnedStatus } from './writes';

export const HPA_COMPONENT = 'horizontal-pod-autoscaler';
const STATUS_FIELDS = [
  'observedGeneration',
  'lastScaleTime',
  'currentReplicas',
  'desiredReplicas',
  'currentMetrics',
  'conditions',
];

/** The conditions of one reconcile, set like setConditionInList: the transition time moves with the status. */
class HpaConditions {
  constructor(
    private conds: Condition[],
    private readonly now: string,
  ) {}

  set(type: string, status: string, reason: string, message: string): void {
    const existing = this.conds.find((c) => c.type === type);
    const lastTransitionTime =
      existing === undefined || existing.status !== status
        ? this.now
        : (existing.lastTransitionTime ?? this.now);
    const next: Condition = { type, status, lastTransitionTime, reason, message };
    this.conds =
      existing === undefined ? [...this.conds, next] : this.conds.map((c) => (c.type === type ? next : c));
  }

  list(): Condition[] {
    return this.conds;
  }
}

interface MetricResult {
  replicas: number;
  metric: string;
  status: JsonObject;
}

/**
 * The HorizontalPodAutoscaler controller (autoscaling/v2), after pkg/controller/podautoscaler: every
 * sync period it reads the target's scale, proposes replicas from Resource and ContainerResource metrics
 * (utilization of requests or average value, with the 10 % tolerance), stabilizes and limits the
 * proposal, writes the target's spec.replicas and reports status, conditions and events.
 */
export function startHpaController(ctx: ControllerContext, syncMs: number): Controller {
  const history = new Map<string, ScalingHistory>();
  const loop = startLoop(ctx, {
    name: HPA_COMPONENT,
    initialKeys: () => [],
    route: (ev, queue) => {
      if (ev.key !== 'autoscaling/horizontalpodautoscalers') return;
      if (ev.type === 'DELETED') history.delete(keyOf(ev.object));
      // Upstream's queue adds every HPA with the resync period as its delay, so changes are picked up
      // at the next period, not at once.
      else queue.addAfter(keyOf(ev.object), syncMs);
    },
    sync: (key) => {
      try {
        reconcile(ctx, key, history);
      } finally {
        if (ctx.store.get(ctx.res.hpas, splitKey(key).namespace, splitKey(key).name) !== undefined)
          loop.queue.addAfter(key, syncMs);
      }
    },
  });
  for (const hpa of ctx.cache.list(ctx.res.hpas)) loop.queue.addAfter(keyOf(hpa), syncMs);
  return { stop: () => loop.stop() };
}

function historyFor(history: Map<string, ScalingHistory>, key: string): ScalingHistory {
  let h = history.get(key);
  if (h === undefined) {
    h = { recommendations: [], scaleUps: [], scaleDowns: [] };
    history.set(key, h);
  }
  return h;
}

function reconcile(ctx: ControllerContext, key: string, history: Map<string, ScalingHistory>): void {
  const { namespace, name } = splitKey(key);
  const live = ctx.store.get(ctx.res.hpas, namespace, name);
  if (live === undefined) return;
  const hpa = clone(live);
  const spec = specOf(hpa);
  const now = ctx.clock.now();
  const stamp = rfc3339(now);
  const conds = new HpaConditions(conditionsOf(statusOf(hpa)['conditions']), stamp);
  const ref = rec(spec['scaleTargetRef']);
  const kind = str(ref['kind']) ?? '';
  const apiVersion = str(ref['apiVersion']) ?? '';
  const targetName = str(ref['name']) ?? '';
  const t = ctx.store.registry.byKind(apiVersion, kind);
  const target =
    t === undefined || !t.subresources.includes('scale')
      ? undefined
      : ctx.store.get(t, namespace, targetName);
  const oldStatus = statusOf(hpa);
  const write = (
    currentReplicas: number,
    desiredReplicas: number,
    metrics: JsonObject[],
    rescaled: boolean,
  ): void => {
    const status: JsonObject = { observedGeneration: hpa.metadata.generation ?? 0 };
    const lastScale = rescaled ? stamp : oldStatus['lastScaleTime'];
    if (lastScale !== undefined) status['lastScaleTime'] = lastScale;
    if (currentReplicas !== 0) status['currentReplicas'] = currentReplicas;
    status['desiredReplicas'] = desiredReplicas;
    if (metrics.length > 0) status['currentMetrics'] = metrics;
    status['conditions'] = conditionsJson(conds.list());
    writeOwnedStatus(ctx.store, ctx.res.hpas, hpa, STATUS_FIELDS, status);
  };

  if (t === undefined || target === undefined) {
    const resource =
      t === undefined ? kind.toLowerCase() : `${t.plural}${t.group === '' ? '' : `.${t.group}`}`;
    const msg =
      t === undefined
        ? `no matches for kind "${kind}" in group "${apiVersion.split('/')[0] ?? ''}"`
        : `${resource} "${targetName}" not found`;
    emit(ctx, HPA_COMPONENT, hpa, 'Warning', 'FailedGetScale', msg);
    conds.set(
      'AbleToScale',
      'False',
      'FailedGetScale',
      `the HPA controller was unable to get the target's current scale: ${msg}`,
    );
    write(num(oldStatus['currentReplicas']) ?? 0, num(oldStatus['desiredReplicas']) ?? 0, [], false);
    return;
  }
  conds.set(
    'AbleToScale',
    'True',
    'SucceededGetScale',
    "the HPA controller was able to get the target's current scale",
  );
  const current = num(specOf(target)['replicas']) ?? 1;
  const minReplicas = num(spec['minReplicas']) ?? 1;
  const maxReplicas = num(spec['maxReplicas']) ?? minReplicas;
  const h = historyFor(history, key);
  if (h.recommendations.length === 0) h.recommendations.push({ at: now, replicas: current });

  let desired = 0;
  let reason = '';
  let rescale = true;
  let metricStatuses: JsonObject[] = [];
  if (current === 0 && minReplicas !== 0) {
    desired = 0;
    rescale = false;
    conds.set(
      'ScalingActive',
      'False',
      'ScalingDisabled',
      'scaling is disabled since the replica count of the target is zero',
    );
  } else if (current > maxReplicas) {
    reason = 'Current number of replicas above Spec.MaxReplicas';
    desired = maxReplicas;
  } else if (current < minReplicas) {
    reason = 'Current number of replicas below Spec.MinReplicas';
    desired = minReplicas;
  } else {
    const computed = computeReplicasForMetrics(ctx, hpa, target, current, conds, now);
    metricStatuses = computed.statuses;
    if (computed.error !== undefined && computed.replicas === -1) {
      write(current, num(oldStatus['desiredReplicas']) ?? 0, metricStatuses, false);
      emit(ctx, HPA_COMPONENT, hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error);
      return;
    }
    if (computed.error !== undefined)
      emit(ctx, HPA_COMPONENT, hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error);
    let metricName = '';
    if (computed.replicas > desired) {
      desired = computed.replicas;
      metricName = computed.metric;
    }
    if (desired > current) reason = `${metricName} above target`;
    if (desired < current) reason = 'All metrics below target';
    const behavior = spec['behavior'];
    desired =
      behavior === undefined || behavior === null
        ? normalizeWithoutBehavior(h, conds, current, desired, minReplicas, maxReplicas, now)
        : normalizeWithBehavior(h, conds, rec(behavior), current, desired, minReplicas, maxReplicas, now);
    rescale = desired !== current;
  }

  if (rescale) {
    try {
      mutateObject(ctx.store, t, namespace, targetName, (next) => {
        next['spec'] = { ...specOf(next), replicas: desired };
        return true;
      });
    } catch (e) {
      const err = e instanceof Error ? e.message : String(e);
      emit(
        ctx,
        HPA_COMPONENT,
        hpa,
        'Warning',
        'FailedRescale',
        `New size: ${desired}; reason: ${reason}; error: ${err}`,
      );
      conds.set(
        'AbleToScale',
        'False',
        'FailedUpdateScale',
        `the HPA controller was unable to update the target scale: ${err}`,
      );
      write(current, num(oldStatus['desiredReplicas']) ?? 0, metricStatuses, false);
      throw e;
    }
    conds.set(
      'AbleToScale',
      'True',
      'SucceededRescale',
      `the HPA controller was able to update the target scale to ${desired}`,
    );
    emit(ctx, HPA_COMPONENT, hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
    if (spec['behavior'] !== undefined && spec['behavior'] !== null) {
      if (desired > current) h.scaleUps.push({ at: now, change: desired - current });
      else h.scaleDowns.push({ at: now, change: current - desired });
    }
  } else {
    desired = current;
  }
  write(current, desired, metricStatuses, rescale);
}

/** The target's pod selector, from its spec (a Scale's status.selector). */
function targetSelector(target: KObject): string {
  const raw = specOf(target)['selector'];
  const sel = rec(raw);
  if ('matchLabels' in sel || 'matchExpressions' in sel) return selectorString(labelSelector(raw));
  return selectorString({ matchLabels: strMap(raw) });
}

function computeReplicasForMetrics(
  ctx: ControllerContext,
  hpa: KObject,
  target: KObject,
  current: number,
  conds: HpaConditions,
  now: number,
): { replicas: number; metric: string; statuses: JsonObject[]; error?: string } {
  const selectorText = targetSelector(target);
  if (selectorText === '') {
    emit(ctx, HPA_COMPONENT, hpa, 'Warning', 'SelectorRequired', 'selector is required');
    conds.set('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
    return { replicas: -1, metric: '', statuses: [], error: 'selector is required' };
  }
  const raw = specOf(target)['selector'];
  const sel = rec(raw);
  const selector =
    'matchLabels' in sel || 'matchExpressions' in sel ? labelSelector(raw) : { matchLabels: strMap(raw) };
  const pods = ctx.cache
    .list(ctx.res.pods, hpa.metadata.namespace ?? '')
    .filter((p) => selectorMatches(selector, p.metadata.labels));
  let specs = records(specOf(hpa)['metrics']);
  // autoscaling/v2 defaulting: no metrics means 80 % average CPU utilization.
  if (specs.length === 0)
    specs = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ];
  const statuses: JsonObject[] = specs.map(() => ({ type: '' }));
  let replicas = 0;
  let metric = '';
  let invalid = 0;
  let firstError: { reason: string; message: string } | undefined;
  specs.forEach((m, i) => {
    try {
      const r = computeForMetric(ctx, m, pods, current, now);
      statuses[i] = r.status;
      if (replicas === 0 || r.replicas > replicas) {
        replicas = r.replicas;
        metric = r.metric;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const reason = `FailedGet${str(m['type']) ?? 'Resource'}Metric`;
      emit(ctx, HPA_COMPONENT, hpa, 'Warning', reason, message);
      if (invalid === 0) firstError = { reason, message };
      invalid++;
    }
  });
  const error =
    firstError === undefined
      ? undefined
      : `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`;
  if (invalid >= specs.length || (invalid > 0 && replicas < current)) {
    conds.set(
      'ScalingActive',
      'False',
      firstError?.reason ?? 'FailedGetResourceMetric',
      `the HPA was unable to compute the replica count: ${firstError?.message ?? ''}`,
    );
    return { replicas: -1, metric: '', statuses, ...(error === undefined ? {} : { error }) };
  }
  conds.set(
    'ScalingActive',
    'True',
    'ValidMetricFound',
    `the HPA was able to successfully calculate a replica count from ${metric}`,
  );
  return { replicas, metric, statuses, ...(error === undefined ? {} : { error }) };
}

function computeForMetric(
  ctx: ControllerContext,
  m: JsonObject,
  pods: readonly KObject[],
  current: number,
  now: number,
): MetricResult {
  const type = str(m['type']) ?? '';
  if (type !== 'Resource' && type !== 'ContainerResource') {
    throw new MetricError(
      `unable to get metric for ${type}: the sandbox serves no custom or external metrics API`,
    );
  }
  const field = type === 'Resource' ? 'resource' : 'containerResource';
  const source = rec(m[field]);
  const resource = str(source['name']) ?? 'cpu';
  if (resource !== 'cpu' && resource !== 'memory')
    throw new MetricError(
      `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
    );
  const container = type === 'ContainerResource' ? (str(source['container']) ?? '') : undefined;
  const target = rec(source['target']);
  const averageValue = target['averageValue'];
  let proposal: ReplicaProposal;
  let metricName: string;
  try {
    if (averageValue !== undefined && averageValue !== null) {
      const milli = milliValue(typeof averageValue === 'number' ? averageValue : String(averageValue)) ?? 0;
      proposal = resourceReplicas(
        ctx.metrics,
        pods,
        current,
        resource as ResourceName,
        container,
        { averageMilli: milli },
        now,
      );
      metricName = `${resource} resource`;
    } else {
      const utilization = num(target['averageUtilization']);
      if (utilization === undefined) {
        throw new MetricError(
          'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set',
        );
      }
      proposal = resourceReplicas(
        ctx.metrics,
        pods,
        current,
        resource as ResourceName,
        container,
        { utilization },
        now,
      );
      metricName = `${resource} resource utilization (percentage of request)`;
    }
  } catch (e) {
    if (!(e instanceof MetricError)) throw e;
    const verb = averageValue !== undefined && averageValue !== null ? 'usage' : 'utilization';
    throw new MetricError(`failed to get ${resource} ${verb}: ${e.message}`);
  }
  const currentValue: JsonObject = { averageValue: formatMilli(proposal.rawUsage) };
  if (proposal.utilization !== undefined) currentValue['averageUtilization'] = proposal.utilization;
  const body: JsonObject = { name: resource };
  if (container !== undefined) body['container'] = container;
  body['current'] = currentValue;
  return { replicas: proposal.replicas, metric: metricName, status: { type, [field]: body } };
}
