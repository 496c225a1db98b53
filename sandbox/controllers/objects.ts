import type { LabelSelectorSpec } from '../selectors';
import { type JsonObject, type KObject, type OwnerReference, isJsonObject } from '../types';

/**
 * Small typed readers over the free-form JSON of stored objects. Stored objects may hold anything a
 * client sent, so every read checks the type and falls back to the API's default.
 */

export function rec(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function records(v: unknown): JsonObject[] {
  return list(v).filter(isJsonObject);
}

export function strings(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === 'string');
}

export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

/** An IntOrString field (maxSurge, targetPort): a number, a string, or absent. */
export function intOrString(v: unknown): number | string | undefined {
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

export function specOf(o: KObject): JsonObject {
  return rec(o['spec']);
}

export function statusOf(o: KObject): JsonObject {
  return rec(o['status']);
}

export function nameOf(o: KObject): string {
  return o.metadata.name ?? '';
}

export function namespaceOf(o: KObject): string {
  return o.metadata.namespace ?? '';
}

export function uidOf(o: KObject): string {
  return o.metadata.uid ?? '';
}

export function isDeleting(o: KObject): boolean {
  return o.metadata.deletionTimestamp !== undefined;
}

export function creationMs(o: KObject): number {
  return time(o.metadata.creationTimestamp) ?? 0;
}

export function annotation(o: KObject, key: string): string | undefined {
  return o.metadata.annotations?.[key];
}

/** `namespace/name`, the work-queue key of a namespaced object; just the name for cluster-scoped ones. */
export function keyOf(o: KObject): string {
  const ns = o.metadata.namespace;
  return ns === undefined || ns === '' ? nameOf(o) : `${ns}/${nameOf(o)}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function labelSelector(v: unknown): LabelSelectorSpec | undefined {
  if (!isJsonObject(v)) return undefined;
  const out: LabelSelectorSpec = {};
  if (isJsonObject(v['matchLabels'])) out.matchLabels = strMap(v['matchLabels']);
  const exprs = records(v['matchExpressions']).flatMap((e) => {
    const key = str(e['key']);
    const operator = str(e['operator']);
    return key === undefined || operator === undefined
      ? []
      : [{ key, operator, values: strings(e['values']) }];
  });
  if (exprs.length > 0) out.matchExpressions = exprs;
  return out;
}

/** A selector that selects everything, which workload controllers refuse to act on. */
export function isEmptySelector(s: LabelSelectorSpec | undefined): boolean {
  return (
    s === undefined ||
    (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0)
  );
}

// ---- conditions ----

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

export function conditionsOf(v: unknown): Condition[] {
  return records(v).flatMap((c) => {
    const type = str(c['type']);
    const status = str(c['status']);
    if (type === undefined || status === undefined) return [];
    // Fields in Go's struct order, so written conditions serialize like the real ones.
    const out: Condition = { type, status };
    if ('lastProbeTime' in c) out.lastProbeTime = str(c['lastProbeTime']) ?? null;
    const lastUpdateTime = str(c['lastUpdateTime']);
    const lastTransitionTime = str(c['lastTransitionTime']);
    const reason = str(c['reason']);
    const message = str(c['message']);
    if (lastUpdateTime !== undefined) out.lastUpdateTime = lastUpdateTime;
    if (lastTransitionTime !== undefined) out.lastTransitionTime = lastTransitionTime;
    if (reason !== undefined) out.reason = reason;
    if (message !== undefined) out.message = message;
    return [out];
  });
}

/** Conditions as JSON, for writing into a status. */
export function conditionsJson(conds: readonly Condition[]): JsonObject[] {
  return conds.map((c) => {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v as JsonObject[string];
    return out;
  });
}

/**
 * Replaces the fields a controller owns in a status and keeps the rest, as controllers that start
 * from a copy of the old status do. Returns undefined when nothing would change.
 */
export function mergeStatus(
  current: JsonObject,
  owned: readonly string[],
  desired: JsonObject,
): JsonObject | undefined {
  const next: JsonObject = {};
  for (const [k, v] of Object.entries(current)) if (!owned.includes(k)) next[k] = v;
  for (const [k, v] of Object.entries(desired)) next[k] = v;
  return sameJson(current, next) ? undefined : next;
}

/** Deep equality of JSON values, ignoring key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (!isJsonObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sorted(v[k]);
  return out;
}

export function findCondition(conds: readonly Condition[], type: string): Condition | undefined {
  return conds.find((c) => c.type === type);
}

// ---- owner references ----

export function ownerRefs(o: KObject): OwnerReference[] {
  return (o.metadata.ownerReferences ?? []).filter(
    (r) => typeof r.uid === 'string' && typeof r.kind === 'string',
  );
}

export function controllerRef(o: KObject): OwnerReference | undefined {
  return ownerRefs(o).find((r) => r.controller === true);
}

export function isControlledBy(o: KObject, owner: KObject): boolean {
  return controllerRef(o)?.uid === uidOf(owner);
}

/** The ownerReference a controller puts on what it creates (metav1.NewControllerRef). */
export function newControllerRef(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: nameOf(owner),
    uid: uidOf(owner),
    controller: true,
    blockOwnerDeletion: true,
  };
}

// ---- pods ----

export interface ContainerPort {
  name: string | undefined;
  containerPort: number;
  protocol: string;
}

export interface ContainerInfo {
  name: string;
  ports: ContainerPort[];
  requests: Record<string, string>;
}

export function podContainers(pod: KObject): ContainerInfo[] {
  return records(specOf(pod)['containers']).map((c) => ({
    name: str(c['name']) ?? '',
    ports: records(c['ports']).flatMap((p) => {
      const containerPort = num(p['containerPort']);
      return containerPort === undefined
        ? []
        : [{ name: str(p['name']), containerPort, protocol: str(p['protocol']) ?? 'TCP' }];
    }),
    requests: strMap(rec(c['resources'])['requests']),
  }));
}

export function podPhase(pod: KObject): string {
  return str(statusOf(pod)['phase']) ?? '';
}

export function nodeNameOf(pod: KObject): string {
  return str(specOf(pod)['nodeName']) ?? '';
}

export function podIP(pod: KObject): string {
  const st = statusOf(pod);
  return str(st['podIP']) ?? str(rec(records(st['podIPs'])[0])['ip']) ?? '';
}

export function podConditions(pod: KObject): Condition[] {
  return conditionsOf(statusOf(pod)['conditions']);
}

export function isPodReady(pod: KObject): boolean {
  return findCondition(podConditions(pod), 'Ready')?.status === 'True';
}

/** When the pod last became ready, from its Ready condition. */
export function podReadySince(pod: KObject): number | undefined {
  const c = findCondition(podConditions(pod), 'Ready');
  return c?.status === 'True' ? time(c.lastTransitionTime) : undefined;
}

/**
 * podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds. The comparison is strict and
 * on the second-precision lastTransitionTime, like upstream.
 */
export function isPodAvailable(pod: KObject, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

export function isPodTerminal(pod: KObject): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: KObject): boolean {
  return !isPodTerminal(pod) && !isDeleting(pod);
}

export function maxRestarts(pod: KObject): number {
  let max = 0;
  for (const s of records(statusOf(pod)['containerStatuses']))
    max = Math.max(max, num(s['restartCount']) ?? 0);
  return max;
}

export function totalRestarts(pod: KObject): number {
  let sum = 0;
  for (const s of records(statusOf(pod)['containerStatuses'])) sum += num(s['restartCount']) ?? 0;
  return sum;
}

// ---- nodes ----

export function isNodeReady(node: KObject): boolean {
  return findCondition(conditionsOf(statusOf(node)['conditions']), 'Ready')?.status === 'True';
}

// ---- writing ----

/** Drops zero numbers, empty strings and undefined, as `omitempty` fields serialize in Go. */
export function omitEmpty(fields: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === 0 || v === '' || v === null) continue;
    out[k] = v as JsonObject[string];
  }
  return out;
}

/** Integer fields read from spec with the API default. */
export function intField(o: JsonObject, key: string, dflt: number): number {
  return num(o[key]) ?? dflt;
}
