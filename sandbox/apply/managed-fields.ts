/**
 * `metadata.managedFields`: decoding and encoding the entries, and recording which manager changed which
 * fields on every write that is not a server-side apply.
 */
import { type JsonObject, type KObject, clone, isJsonObject } from '../types';
import { compareObjects } from './compare';
import { FieldSet } from './field-set';
import { type Path, fieldElement } from './path-element';

export type Operation = 'Apply' | 'Update';

/** One `metadata.managedFields` element as the server writes it. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** A decoded entry; `subresource` is '' for the main resource. */
export interface FieldManager {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource: string;
  readonly time: string | undefined;
  readonly fields: FieldSet;
}

/** Managers by identity (see `managerKey`). */
export type Managers = Map<string, FieldManager>;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The server never records ownership of these: they are identity or server-maintained metadata. */
export const UNOWNED_FIELDS: FieldSet = FieldSet.of(
  [
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation'].map((f) => [
      'metadata',
      f,
    ]),
    ['metadata', 'managedFields'],
    ['metadata', 'resourceVersion'],
  ].map((names): Path => names.map(fieldElement)),
);

const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * The identity of an entry. Appliers are one entry whatever version they apply with; updaters get one
 * entry per API version, as on the real server.
 */
export function managerKey(m: {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
}): string {
  return JSON.stringify([
    m.manager,
    m.operation,
    m.subresource,
    m.operation === 'Update' ? m.apiVersion : '',
  ]);
}

/**
 * The part of a field set a write through `subresource` is tracked for. The main resource resets status
 * and the status subresource resets everything else, so the server records neither there.
 */
export function trackedFields(set: FieldSet, subresource: string): FieldSet {
  const status = [fieldElement('status')];
  return subresource === 'status' ? set.onlyTopLevel(status) : set.withoutTopLevel(status);
}

export function decodeManagedFields(entries: unknown): Managers {
  const managers: Managers = new Map();
  if (!Array.isArray(entries)) return managers;
  for (const raw of entries) {
    const entry = decodeEntry(raw);
    if (entry === undefined) continue;
    const key = managerKey(entry);
    const previous = managers.get(key);
    managers.set(
      key,
      previous === undefined ? entry : { ...entry, fields: previous.fields.union(entry.fields) },
    );
  }
  return managers;
}

function decodeEntry(raw: unknown): FieldManager | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { manager, operation, apiVersion, time, subresource, fieldsV1 } = raw;
  if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update')) return undefined;
  return {
    manager,
    operation,
    apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
    subresource: typeof subresource === 'string' ? subresource : '',
    time: typeof time === 'string' ? time : undefined,
    fields: FieldSet.fromFieldsV1(fieldsV1),
  };
}

/** Entries in the server's order (appliers first, then oldest first), empty ones dropped. */
export function encodeManagedFields(managers: Managers): JsonObject[] {
  return [...managers.values()]
    .filter((m) => !m.fields.isEmpty())
    .sort(compareManagers)
    .map(encodeEntry);
}

function encodeEntry(m: FieldManager): JsonObject {
  const entry: JsonObject = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
  if (m.time !== undefined) entry['time'] = m.time;
  entry['fieldsType'] = 'FieldsV1';
  entry['fieldsV1'] = m.fields.toFieldsV1();
  if (m.subresource !== '') entry['subresource'] = m.subresource;
  return entry;
}

function compareManagers(a: FieldManager, b: FieldManager): number {
  return (
    compareText(a.operation, b.operation) ||
    epochSeconds(a.time) - epochSeconds(b.time) ||
    compareText(a.manager, b.manager) ||
    compareText(a.apiVersion, b.apiVersion) ||
    compareText(a.subresource, b.subresource)
  );
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function epochSeconds(time: string | undefined): number {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** The object as JSON without its managedFields, the form every field computation works on. */
export function objectBody(object: KObject): JsonObject {
  // KObject is JSON by construction (it arrives over the wire); its type only leaves the body open.
  const body = clone(object) as unknown as JsonObject;
  const metadata = body['metadata'];
  if (isJsonObject(metadata)) delete metadata['managedFields'];
  return body;
}

/** `body` as a stored object carrying `managers` (no managedFields at all when none is left). */
export function withManagedFields(body: JsonObject, managers: Managers): KObject {
  const object = clone(body) as unknown as KObject;
  const entries = encodeManagedFields(managers);
  if (entries.length > 0) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
  return object;
}

export interface UpdateArgs {
  kind: string;
  apiVersion: string;
  before: KObject | undefined;
  after: KObject;
  manager: string;
  now: string;
  subresource?: string;
}

/**
 * Records a non-apply write (create, update, JSON/merge/strategic patch): every field the write added or
 * changed becomes owned by `manager` with operation Update and is taken from whoever owned it, and removed
 * fields leave every set. Returns `after` carrying the resulting managedFields.
 *
 * Like the server, this honours managedFields that the request itself set (except through a
 * subresource), treats `[]` or `[{}]` as a request to clear them, and stops tracking an existing object
 * whose managedFields were cleared until it is next applied.
 */
export function recordUpdate(args: UpdateArgs): KObject {
  const subresource = args.subresource ?? '';
  const starting = startingManagers(args.before, args.after, subresource);
  const afterBody = objectBody(args.after);
  if (starting.size === 0 && args.before !== undefined) return withManagedFields(afterBody, starting);
  const beforeBody = args.before === undefined ? {} : objectBody(args.before);
  const managers = updateManagers(starting, { ...args, subresource, before: beforeBody, after: afterBody });
  return withManagedFields(afterBody, managers);
}

function startingManagers(before: KObject | undefined, after: KObject, subresource: string): Managers {
  const fromBefore = decodeManagedFields(before?.metadata.managedFields);
  if (subresource !== '') return fromBefore;
  const requested: unknown = after.metadata.managedFields;
  if (isResetRequest(requested)) return new Map();
  const fromRequest = decodeManagedFields(requested);
  return fromRequest.size > 0 ? fromRequest : fromBefore;
}

function isResetRequest(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  const only: unknown = entries[0];
  return entries.length === 1 && isJsonObject(only) && Object.keys(only).length === 0;
}

export interface UpdateChange {
  kind: string;
  apiVersion: string;
  before: JsonObject;
  after: JsonObject;
  manager: string;
  subresource: string;
  now: string;
}

/** The managers after `change.manager` wrote `change.after` over `change.before`. */
export function updateManagers(managers: Managers, change: UpdateChange): Managers {
  const diff = compareObjects(change.kind, change.before, change.after);
  const taken = trackedFields(diff.modified.union(diff.added), change.subresource);
  const removed = trackedFields(diff.removed, change.subresource);
  const next: Managers = new Map();
  for (const [key, m] of managers) {
    next.set(key, { ...m, fields: m.fields.difference(taken).difference(removed) });
  }
  const owned = taken.difference(UNOWNED_FIELDS);
  if (!owned.isEmpty()) {
    const identity = {
      manager: change.manager,
      operation: 'Update' as const,
      apiVersion: change.apiVersion,
      subresource: change.subresource,
    };
    const key = managerKey(identity);
    const previous = next.get(key)?.fields ?? new FieldSet();
    next.set(key, { ...identity, time: change.now, fields: owned.union(previous) });
  }
  return capUpdateManagers(dropEmpty(next));
}

export function dropEmpty(managers: Managers): Managers {
  return new Map([...managers].filter(([, m]) => !m.fields.isEmpty()));
}

/**
 * Keeps at most ten Update entries, as the server does: the oldest are folded into one "ancient-changes"
 * entry per API version, taking the time of the newest entry folded in.
 */
function capUpdateManagers(managers: Managers): Managers {
  const updaters = [...managers].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return managers;
  updaters.sort(([ka, a], [kb, b]) => epochSeconds(a.time) - epochSeconds(b.time) || compareText(ka, kb));
  const next = new Map(managers);
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [key, m] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, key);
      continue;
    }
    const bucket = {
      manager: ANCIENT_CHANGES,
      operation: 'Update' as const,
      apiVersion: m.apiVersion,
      subresource: '',
    };
    const bucketKey = managerKey(bucket);
    if (key === bucketKey) continue;
    let start = next.get(bucketKey);
    if (start === undefined) {
      start = next.get(first)!;
      next.delete(first);
    }
    next.delete(key);
    next.set(bucketKey, { ...bucket, time: m.time, fields: start.fields.union(m.fields) });
    count--;
  }
  return next;
}
