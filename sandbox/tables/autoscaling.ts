/**
 * The HorizontalPodAutoscaler printer. TARGETS pairs each spec metric with the status metric at the same
 * index ("current/target"), which is how the real printer reads them; at most two are listed.
 */
import type { KObject } from '../types';
import { AGE, NAME, column, nameOf, type Printer } from './columns';
import { DOC } from './docs';
import { quantity, since } from './format';
import { get, list, nonEmpty, num, record, str } from './json';

const MAX_SHOWN = 2;

/** The status entry for a metric source, or undefined when the status list is shorter or of another type. */
function statusSource(
  statuses: readonly unknown[],
  index: number,
  field: string,
): Record<string, unknown> | undefined {
  return record(statuses[index], field);
}

/** External and Object metrics: an average target is marked "(avg)", a plain value target is not. */
function valueMetric(source: unknown, status: Record<string, unknown> | undefined): string {
  const average = get(source, 'target', 'averageValue');
  if (average !== undefined && average !== null) {
    const current = get(status, 'current', 'averageValue');
    const shown =
      status !== undefined && current !== undefined && current !== null ? quantity(current) : '<unknown>';
    return `${shown}/${quantity(average)} (avg)`;
  }
  const shown = status === undefined ? '<unknown>' : quantity(get(status, 'current', 'value'));
  return `${shown}/${quantity(get(source, 'target', 'value'))}`;
}

/** Resource and ContainerResource metrics: "cpu: 45%/70%", or quantities for an average-value target. */
function resourceMetric(source: unknown, status: Record<string, unknown> | undefined): string {
  const name = str(source, 'name') ?? '';
  const average = get(source, 'target', 'averageValue');
  if (average !== undefined && average !== null) {
    const shown = status === undefined ? '<unknown>' : quantity(get(status, 'current', 'averageValue'));
    return `${name}: ${shown}/${quantity(average)}`;
  }
  const currentPct = num(status, 'current', 'averageUtilization');
  const targetPct = num(source, 'target', 'averageUtilization');
  const current = status !== undefined && currentPct !== undefined ? `${currentPct}%` : '<unknown>';
  return `${name}: ${current}/${targetPct === undefined ? '<auto>' : `${targetPct}%`}`;
}

function formatMetric(spec: unknown, statuses: readonly unknown[], index: number): string {
  switch (str(spec, 'type')) {
    case 'External':
      return valueMetric(get(spec, 'external'), statusSource(statuses, index, 'external'));
    case 'Object':
      return valueMetric(get(spec, 'object'), statusSource(statuses, index, 'object'));
    case 'Pods': {
      const status = statusSource(statuses, index, 'pods');
      const current = status === undefined ? '<unknown>' : quantity(get(status, 'current', 'averageValue'));
      return `${current}/${quantity(get(spec, 'pods', 'target', 'averageValue'))}`;
    }
    case 'Resource':
      return resourceMetric(get(spec, 'resource'), statusSource(statuses, index, 'resource'));
    case 'ContainerResource':
      return resourceMetric(
        get(spec, 'containerResource'),
        statusSource(statuses, index, 'containerResource'),
      );
    default:
      return '<unknown type>';
  }
}

export function formatHpaTargets(hpa: KObject): string {
  const specs = list(hpa, 'spec', 'metrics');
  if (specs.length === 0) return '<none>';
  const statuses = list(hpa, 'status', 'currentMetrics');
  const shown = specs.slice(0, MAX_SHOWN).map((spec, i) => formatMetric(spec, statuses, i));
  const text = shown.join(', ');
  return specs.length > MAX_SHOWN ? `${text} + ${specs.length - MAX_SHOWN} more...` : text;
}

export const HORIZONTAL_POD_AUTOSCALER: Printer = {
  columns: [
    NAME,
    column('Reference', 'string', DOC['autoscaling/v2beta1.HorizontalPodAutoscalerSpec.scaleTargetRef']),
    column('Targets', 'string', DOC['autoscaling/v2beta1.HorizontalPodAutoscalerSpec.metrics']),
    column('MinPods', 'string', DOC['autoscaling/v2beta1.HorizontalPodAutoscalerSpec.minReplicas']),
    column('MaxPods', 'string', DOC['autoscaling/v2beta1.HorizontalPodAutoscalerSpec.maxReplicas']),
    column('Replicas', 'string', DOC['autoscaling/v2beta1.HorizontalPodAutoscalerStatus.currentReplicas']),
    AGE,
  ],
  cells: (obj, now) => {
    const minReplicas = num(obj, 'spec', 'minReplicas');
    const target = `${nonEmpty(obj, 'spec', 'scaleTargetRef', 'kind') ?? ''}/${str(obj, 'spec', 'scaleTargetRef', 'name') ?? ''}`;
    return [
      nameOf(obj),
      target,
      formatHpaTargets(obj),
      minReplicas === undefined ? '<unset>' : String(minReplicas),
      num(obj, 'spec', 'maxReplicas') ?? 0,
      num(obj, 'status', 'currentReplicas') ?? 0,
      since(obj.metadata.creationTimestamp, now),
    ];
  },
};
