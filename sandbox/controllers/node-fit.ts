import type { KObject } from '../types';
import { isNodeReady, list, nameOf, rec, records, specOf, str, strMap, strings } from './objects';

export interface Taint {
  key: string;
  value: string;
  effect: string;
}

/** The node's taints, plus the ones the node lifecycle controller adds for not-ready and cordoned nodes. */
export function effectiveTaints(node: KObject): Taint[] {
  const taints = records(specOf(node)['taints']).map((t) => ({
    key: str(t['key']) ?? '',
    value: str(t['value']) ?? '',
    effect: str(t['effect']) ?? '',
  }));
  if (!isNodeReady(node) && !taints.some((t) => t.key === 'node.kubernetes.io/not-ready')) {
    taints.push({ key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoSchedule' });
  }
  if (
    specOf(node)['unschedulable'] === true &&
    !taints.some((t) => t.key === 'node.kubernetes.io/unschedulable')
  ) {
    taints.push({ key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' });
  }
  return taints;
}

/** v1.Toleration.ToleratesTaint. */
function tolerates(tol: Record<string, unknown>, taint: Taint): boolean {
  const effect = str(tol['effect']) ?? '';
  if (effect !== '' && effect !== taint.effect) return false;
  const key = str(tol['key']) ?? '';
  if (key !== '' && key !== taint.key) return false;
  const op = str(tol['operator']) ?? 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (str(tol['value']) ?? '') === taint.value;
}

function matchesExpression(expr: Record<string, unknown>, value: string | undefined): boolean {
  const values = strings(expr['values']);
  switch (str(expr['operator'])) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** Required node affinity: any term matches, and a term matches when all its expressions and fields do. */
function matchesAffinity(pod: KObject, node: KObject): boolean {
  const required = rec(
    rec(rec(specOf(pod)['affinity'])['nodeAffinity'])['requiredDuringSchedulingIgnoredDuringExecution'],
  );
  if (!Array.isArray(required['nodeSelectorTerms'])) return true;
  const labels = node.metadata.labels ?? {};
  return records(required['nodeSelectorTerms']).some((term) => {
    const exprs = records(term['matchExpressions']);
    const fields = records(term['matchFields']);
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((e) => matchesExpression(e, labels[str(e['key']) ?? ''])) &&
      fields.every((f) => (str(f['key']) === 'metadata.name' ? matchesExpression(f, nameOf(node)) : false))
    );
  });
}

/** Why a node cannot take a pod, in the scheduler's words; undefined when it can. */
export function unfitReason(pod: KObject, node: KObject): string | undefined {
  const selector = strMap(specOf(pod)['nodeSelector']);
  const labels = node.metadata.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v) || !matchesAffinity(pod, node)) {
    return "node(s) didn't match Pod's node affinity/selector";
  }
  const tolerations = list(specOf(pod)['tolerations']).map(rec);
  for (const taint of effectiveTaints(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => tolerates(t, taint)))
      return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`;
  }
  return undefined;
}
