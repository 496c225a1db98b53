import type { JsonObject } from '../types';
import { num, rec, records, str } from './objects';

/** What the HPA controller remembers per autoscaler between syncs. */
export interface ScalingHistory {
  recommendations: { at: number; replicas: number }[];
  scaleUps: { at: number; change: number }[];
  scaleDowns: { at: number; change: number }[];
}

export interface ConditionSetter {
  set(type: string, status: string, reason: string, message: string): void;
}

/** --horizontal-pod-autoscaler-downscale-stabilization: 5 minutes. */
const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

/**
 * convertDesiredReplicasWithRules: within min and max, and without a behavior at most double (or four)
 * replicas per step.
 */
function limitWithRules(
  current: number,
  desired: number,
  min: number,
  max: number,
): { replicas: number; reason: string; message: string } {
  const scaleUpLimit = Math.max(2 * current, 4);
  let maximum: number;
  let reason: string;
  let message: string;
  if (max > scaleUpLimit) {
    maximum = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximum = max;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < min)
    return {
      replicas: min,
      reason: 'TooFewReplicas',
      message: 'the desired replica count is less than the minimum replica count',
    };
  if (desired > maximum) return { replicas: maximum, reason, message };
  return {
    replicas: desired,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}

/** normalizeDesiredReplicas, for HPAs without spec.behavior: the highest recommendation of the last 5 minutes. */
export function normalizeWithoutBehavior(
  h: ScalingHistory,
  conds: ConditionSetter,
  current: number,
  desired: number,
  min: number,
  max: number,
  now: number,
): number {
  let stabilized = desired;
  let oldIndex = -1;
  h.recommendations.forEach((r, i) => {
    if (r.at < now - DOWNSCALE_STABILIZATION_MS) oldIndex = i;
    else if (r.replicas > stabilized) stabilized = r.replicas;
  });
  if (oldIndex >= 0) h.recommendations[oldIndex] = { at: now, replicas: desired };
  else h.recommendations.push({ at: now, replicas: desired });
  if (stabilized !== desired) {
    conds.set(
      'AbleToScale',
      'True',
      'ScaleDownStabilized',
      'recent recommendations were higher than current one, applying the highest recent recommendation',
    );
  } else {
    conds.set('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
  }
  const limited = limitWithRules(current, stabilized, min, max);
  conds.set(
    'ScalingLimited',
    limited.replicas === stabilized ? 'False' : 'True',
    limited.reason,
    limited.message,
  );
  return limited.replicas;
}

interface Rules {
  window: number;
  select: string;
  policies: { type: string; value: number; periodSeconds: number }[];
}

/** The defaults SetDefaults_HorizontalPodAutoscalerBehavior fills into a given behavior. */
function rules(v: unknown, up: boolean): Rules {
  const r = rec(v);
  const policies = records(r['policies']).map((p) => ({
    type: str(p['type']) ?? 'Pods',
    value: num(p['value']) ?? 0,
    periodSeconds: num(p['periodSeconds']) ?? 15,
  }));
  return {
    window: (num(r['stabilizationWindowSeconds']) ?? (up ? 0 : 300)) * 1000,
    select: str(r['selectPolicy']) ?? 'Max',
    policies:
      policies.length > 0
        ? policies
        : up
          ? [
              { type: 'Pods', value: 4, periodSeconds: 15 },
              { type: 'Percent', value: 100, periodSeconds: 15 },
            ]
          : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

function changedWithin(events: { at: number; change: number }[], periodSeconds: number, now: number): number {
  return events.filter((e) => e.at > now - periodSeconds * 1000).reduce((n, e) => n + e.change, 0);
}

/**
 * normalizeDesiredReplicasWithBehaviors: stabilization windows in both directions, then the scaling
 * policies' rate limits (Pods or Percent per period, combined by selectPolicy).
 */
export function normalizeWithBehavior(
  h: ScalingHistory,
  conds: ConditionSetter,
  behavior: JsonObject,
  current: number,
  desired: number,
  min: number,
  max: number,
  now: number,
): number {
  const up = rules(behavior['scaleUp'], true);
  const down = rules(behavior['scaleDown'], false);
  let upRec = desired;
  let downRec = desired;
  let oldIndex = -1;
  h.recommendations.forEach((r, i) => {
    if (r.at > now - up.window) upRec = Math.min(upRec, r.replicas);
    if (r.at > now - down.window) downRec = Math.max(downRec, r.replicas);
    if (r.at < now - up.window && r.at < now - down.window) oldIndex = i;
  });
  let stabilized = Math.max(current, upRec);
  stabilized = Math.min(stabilized, downRec);
  if (oldIndex >= 0) h.recommendations[oldIndex] = { at: now, replicas: desired };
  else h.recommendations.push({ at: now, replicas: desired });
  if (stabilized !== desired) {
    if (desired >= current)
      conds.set(
        'AbleToScale',
        'True',
        'ScaleUpStabilized',
        'recent recommendations were lower than current one, applying the lowest recent recommendation',
      );
    else
      conds.set(
        'AbleToScale',
        'True',
        'ScaleDownStabilized',
        'recent recommendations were higher than current one, applying the highest recent recommendation',
      );
  } else {
    conds.set('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
  }
  let result = stabilized;
  let reason = 'DesiredWithinRange';
  let message = 'the desired count is within the acceptable range';
  if (stabilized > current) {
    let limit: number;
    if (up.select === 'Disabled') limit = current;
    else {
      const proposals = up.policies.map((p) => {
        const start =
          current -
          changedWithin(h.scaleUps, p.periodSeconds, now) +
          changedWithin(h.scaleDowns, p.periodSeconds, now);
        return p.type === 'Percent' ? Math.ceil(start * (1 + p.value / 100)) : start + p.value;
      });
      limit = up.select === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
    }
    limit = Math.max(limit, current);
    let maximum = max;
    if (maximum > limit) {
      maximum = limit;
      reason = 'ScaleUpLimit';
      message = 'the desired replica count is increasing faster than the maximum scale rate';
    } else {
      reason = 'TooManyReplicas';
      message = 'the desired replica count is more than the maximum replica count';
    }
    if (stabilized > maximum) result = maximum;
    else {
      reason = 'DesiredWithinRange';
      message = 'the desired count is within the acceptable range';
    }
  } else if (stabilized < current) {
    let limit: number;
    if (down.select === 'Disabled') limit = current;
    else {
      const proposals = down.policies.map((p) => {
        const start =
          current -
          changedWithin(h.scaleUps, p.periodSeconds, now) +
          changedWithin(h.scaleDowns, p.periodSeconds, now);
        return p.type === 'Percent' ? Math.trunc(start * (1 - p.value / 100)) : start - p.value;
      });
      limit = down.select === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
    }
    limit = Math.min(limit, current);
    let minimum = min;
    if (minimum < limit) {
      minimum = limit;
      reason = 'ScaleDownLimit';
      message = 'the desired replica count is decreasing faster than the maximum scale rate';
    } else {
      reason = 'TooFewReplicas';
      message = 'the desired replica count is less than the minimum replica count';
    }
    if (stabilized < minimum) result = minimum;
    else {
      reason = 'DesiredWithinRange';
      message = 'the desired count is within the acceptable range';
    }
  }
  conds.set('ScalingLimited', result === stabilized ? 'False' : 'True', reason, message);
  return result;
}
