/**
 * Server-side apply (PATCH with `application/apply-patch+yaml`) as the real API server performs it:
 * merging the configuration into the live object, pruning what the applier stopped sending, detecting
 * conflicts with other managers and recording ownership in `metadata.managedFields`.
 */
import { ApiError } from '../errors';
import { type JsonObject, type KObject, clone, isJsonObject } from '../types';
import { compareObjects, fieldSetOf, jsonEqual } from './compare';
import { FieldSet } from './field-set';
import {
  type FieldManager,
  type Managers,
  type Operation,
  LAST_APPLIED_ANNOTATION,
  UNOWNED_FIELDS,
  decodeManagedFields,
  dropEmpty,
  managerKey,
  objectBody,
  trackedFields,
  updateManagers,
  withManagedFields,
} from './managed-fields';
import { dropNewNulls, listKeyErrors, mergeValues, removeItems } from './merge';
import { type Path, describePath, goJson } from './path-element';
import { rootSite } from './schema';

export { recordUpdate, type UpdateArgs } from './managed-fields';

/** A field the applier would change that another manager owns. */
export interface Conflict {
  manager: string;
  /** The server's path syntax: `.spec.replicas`, `.spec.template.spec.containers[name="web"].image`. */
  field: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
}

export interface ApplyArgs {
  kind: string;
  apiVersion: string;
  live: KObject | undefined;
  applied: KObject;
  manager: string;
  force: boolean;
  now: string;
  /** 'status' when applying through the status subresource. */
  subresource?: string;
}

export type ApplyResult = { object: KObject } | { conflicts: Conflict[] };

/** The manager the server invents for fields that existed before an object's first apply. */
const BEFORE_FIRST_APPLY = 'before-first-apply';

/** Metadata the server maintains itself; values for them in a configuration are not applied. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'selfLink',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

interface Request {
  readonly kind: string;
  readonly apiVersion: string;
  readonly manager: string;
  readonly subresource: string;
  readonly now: string;
  readonly config: JsonObject;
  readonly live: JsonObject;
}

interface OwnedConflict {
  readonly owner: FieldManager;
  readonly path: Path;
}

type Outcome = { body: JsonObject; managers: Managers } | { conflicts: OwnedConflict[] };

/**
 * Applies `applied` for `manager`. Returns the new object (with managedFields), or the conflicts when the
 * configuration would change fields other managers own and `force` is off. Throws an ApiError for
 * configurations the server rejects outright (managedFields set, list elements without keys, duplicates).
 *
 * Like the server, kubectl's manager "kubectl" may take over fields that its client-side apply
 * (recorded in the last-applied-configuration annotation) set, without conflicts, and keeps that
 * annotation in step when it exists.
 */
export function serverSideApply(args: ApplyArgs): ApplyResult {
  const subresource = args.subresource ?? '';
  const live = args.live === undefined ? {} : objectBody(args.live);
  const request: Request = {
    kind: args.kind,
    apiVersion: args.apiVersion,
    manager: args.manager,
    subresource,
    now: args.now,
    config: applyConfiguration(args, subresource),
    live,
  };
  const managers = startingManagers(request, args.live);
  let outcome = applyOnce(request, managers, args.force);
  if ('conflicts' in outcome && args.manager === 'kubectl') {
    outcome = takeOverClientSideApply(request, managers, outcome.conflicts);
  }
  if ('conflicts' in outcome) return { conflicts: sortConflicts(outcome.conflicts.map(toConflict)) };
  const body = args.manager === 'kubectl' ? syncLastApplied(outcome.body, args.applied) : outcome.body;
  return { object: withManagedFields(body, outcome.managers) };
}

/** The configuration as the merge uses it, after the checks the server makes before typing it. */
function applyConfiguration(args: ApplyArgs, subresource: string): JsonObject {
  const config = clone(args.applied) as unknown as JsonObject;
  if (config['apiVersion'] !== args.apiVersion) {
    throw new ApiError(
      'BadRequest',
      `Incorrect version specified in apply patch. Specified patch version: ${String(config['apiVersion'])}, expected: ${args.apiVersion}`,
    );
  }
  const metadata = isJsonObject(config['metadata']) ? config['metadata'] : {};
  if (metadata['managedFields'] !== undefined && metadata['managedFields'] !== null) {
    throw new ApiError('BadRequest', 'metadata.managedFields must be nil');
  }
  const errors = listKeyErrors(config, rootSite(args.kind));
  if (errors.length > 0) throw typedPatchError(args, errors);
  config['metadata'] = Object.fromEntries(
    Object.entries(metadata).filter(([f]) => !SERVER_METADATA.includes(f)),
  );
  return subresource === 'status' ? statusOnly(config) : withoutStatus(config);
}

function withoutStatus(config: JsonObject): JsonObject {
  const out = { ...config };
  delete out['status'];
  return out;
}

function statusOnly(config: JsonObject): JsonObject {
  const metadata = isJsonObject(config['metadata']) ? config['metadata'] : {};
  const identity: JsonObject = {};
  for (const field of ['name', 'namespace'])
    if (metadata[field] !== undefined) identity[field] = metadata[field];
  const out: JsonObject = {
    apiVersion: config['apiVersion'] ?? null,
    kind: config['kind'] ?? null,
    metadata: identity,
  };
  if (config['status'] !== undefined) out['status'] = config['status'];
  return out;
}

/**
 * The server answers these with a bare 500 whose Status has no reason, so kubectl prints
 * "Error from server: failed to create typed patch object ...".
 */
class TypedPatchError extends ApiError {
  override toStatus(): JsonObject {
    const status = super.toStatus();
    delete status['reason'];
    return status;
  }
}

function typedPatchError(args: ApplyArgs, errors: readonly string[]): ApiError {
  const [group, version] = args.apiVersion.includes('/') ? args.apiVersion.split('/') : ['', args.apiVersion];
  const namespace = args.applied.metadata.namespace ?? '';
  const name = args.applied.metadata.name ?? '';
  const object = `${namespace}/${name}; ${group ?? ''}/${version ?? ''}, Kind=${args.kind}`;
  const detail = errors.length === 1 ? errors[0]! : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
  return new TypedPatchError('InternalError', `failed to create typed patch object (${object}): ${detail}`);
}

/**
 * The live object's managers. An existing object nobody manages yet (its managedFields were cleared)
 * first has all its fields attributed to "before-first-apply", so applying over them can conflict.
 */
function startingManagers(request: Request, live: KObject | undefined): Managers {
  if (live === undefined) return new Map();
  const managers = decodeManagedFields(live.metadata.managedFields);
  if (managers.size > 0) return managers;
  return updateManagers(managers, {
    kind: request.kind,
    apiVersion: request.apiVersion,
    before: {},
    after: request.live,
    manager: BEFORE_FIRST_APPLY,
    subresource: request.subresource,
    now: request.now,
  });
}

function applyOnce(request: Request, managers: Managers, force: boolean): Outcome {
  const site = rootSite(request.kind);
  const identity = {
    manager: request.manager,
    operation: 'Apply' as const,
    apiVersion: request.apiVersion,
    subresource: request.subresource,
  };
  const key = managerKey(identity);
  const previous = managers.get(key);
  const others = [...managers].filter(([k]) => k !== key);
  const appliedSet = trackedFields(fieldSetOf(request.kind, request.config), request.subresource);
  let merged = asObject(mergeValues(request.live, request.config, site));
  if (previous !== undefined) {
    const stillManaged = others.reduce((set, [, m]) => set.union(m.fields), appliedSet);
    merged = prune(request.kind, merged, previous.fields, stillManaged);
  }
  const diff = compareObjects(request.kind, request.live, merged);
  const taken = trackedFields(diff.modified.union(diff.added), request.subresource);
  const removed = trackedFields(diff.removed, request.subresource);
  const conflicts = others.flatMap(([, m]) =>
    m.fields
      .intersection(taken)
      .paths()
      .map((path) => ({ owner: m, path })),
  );
  if (conflicts.length > 0 && !force) return { conflicts };
  const next: Managers = new Map();
  for (const [k, m] of others) next.set(k, { ...m, fields: m.fields.difference(taken).difference(removed) });
  const body = asObject(dropNewNulls(merged, request.live, site));
  const changed = !jsonEqual(request.live, body);
  const time = changed || previous?.time === undefined ? request.now : previous.time;
  next.set(key, { ...identity, time, fields: appliedSet.difference(UNOWNED_FIELDS) });
  return { body, managers: dropEmpty(next) };
}

/**
 * Removes what the applier owned last time but no longer applies, unless some manager (including the
 * applier's new configuration) still owns it. A struct the applier stopped sending goes as a whole.
 */
function prune(kind: string, merged: JsonObject, lastApplied: FieldSet, stillManaged: FieldSet): JsonObject {
  const doomed = lastApplied
    .withFieldsAsMembers()
    .difference(stillManaged.withFieldsAsMembers())
    .difference(UNOWNED_FIELDS);
  return asObject(removeItems(merged, doomed, rootSite(kind)));
}

function asObject(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

/**
 * kubectl's first server-side apply over an object it managed with client-side apply: fields whose live
 * value still matches the last-applied annotation count as kubectl's own, so conflicts on them alone
 * are forced through.
 */
function takeOverClientSideApply(request: Request, managers: Managers, conflicts: OwnedConflict[]): Outcome {
  const allowed = lastAppliedFields(request);
  if (allowed === undefined) return { conflicts };
  const remaining = conflicts.filter((c) => !allowed.has(c.path));
  if (remaining.length > 0) return { conflicts: remaining };
  return applyOnce(request, managers, true);
}

function lastAppliedFields(request: Request): FieldSet | undefined {
  const lastApplied = parseLastApplied(request.live);
  if (lastApplied === undefined || lastApplied['apiVersion'] !== request.apiVersion) return undefined;
  const diff = compareObjects(request.kind, lastApplied, request.live);
  return fieldSetOf(request.kind, lastApplied)
    .difference(diff.modified)
    .difference(diff.added)
    .difference(diff.removed);
}

function parseLastApplied(body: JsonObject): JsonObject | undefined {
  const text = annotationsOf(body)?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function annotationsOf(body: JsonObject): JsonObject | undefined {
  const metadata = body['metadata'];
  if (!isJsonObject(metadata)) return undefined;
  const annotations = metadata['annotations'];
  return isJsonObject(annotations) ? annotations : undefined;
}

/**
 * When kubectl server-side applies an object that still carries the client-side last-applied annotation,
 * the server rewrites the annotation to the new configuration, so a later client-side apply computes
 * its patch from what was really applied last.
 */
function syncLastApplied(body: JsonObject, applied: KObject): JsonObject {
  const annotations = annotationsOf(body);
  const current = annotations?.[LAST_APPLIED_ANNOTATION];
  if (annotations === undefined || typeof current !== 'string' || current === '') return body;
  const config = clone(applied) as unknown as JsonObject;
  const metadata = config['metadata'];
  const configAnnotations = annotationsOf(config);
  if (isJsonObject(metadata) && configAnnotations !== undefined) {
    metadata['annotations'] = Object.fromEntries(
      Object.entries(configAnnotations).filter(([k]) => k !== LAST_APPLIED_ANNOTATION),
    );
  }
  annotations[LAST_APPLIED_ANNOTATION] = `${goJson(config)}\n`;
  return body;
}

function toConflict(c: OwnedConflict): Conflict {
  const conflict: Conflict = {
    manager: c.owner.manager,
    field: describePath(c.path),
    operation: c.owner.operation,
    apiVersion: c.owner.apiVersion,
  };
  if (c.owner.subresource !== '') conflict.subresource = c.owner.subresource;
  return conflict;
}

/** Groups conflicts by manager in the server's order, keeping each manager's fields in path order. */
function sortConflicts(conflicts: Conflict[]): Conflict[] {
  return conflicts
    .map((c, i) => ({ c, i, identity: identityJson(c) }))
    .sort((a, b) => (a.identity === b.identity ? a.i - b.i : a.identity < b.identity ? -1 : 1))
    .map(({ c }) => c);
}

/**
 * The Status the server answers conflicts with (HTTP 409, reason Conflict). `apiVersion` stands in for
 * conflicts that do not name the version their manager used.
 */
export function conflictStatus(conflicts: readonly Conflict[], apiVersion?: string): JsonObject {
  const complete = conflicts.map((c) => (c.apiVersion === '' && apiVersion ? { ...c, apiVersion } : c));
  const causes = complete.map((c) => ({
    type: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c)}`,
    field: c.field,
  }));
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: conflictMessage(complete),
    reason: 'Conflict',
    details: { causes },
    code: 409,
  };
}

function conflictMessage(conflicts: readonly Conflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only !== undefined) {
    return `Apply failed with 1 conflict: conflict with ${describeManager(only)}: ${only.field}`;
  }
  const byManager = new Map<string, Conflict[]>();
  for (const c of conflicts) byManager.set(identityJson(c), [...(byManager.get(identityJson(c)) ?? []), c]);
  const lines = [...byManager.keys()].sort().flatMap((identity) => {
    const group = byManager.get(identity)!;
    return [`conflicts with ${describeManager(group[0]!)}:`, ...group.map((c) => `- ${c.field}`)];
  });
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** `"name"`, `"name" with subresource "status"`, and for updaters ` using apps/v1`, as the server words it. */
function describeManager(c: Conflict): string {
  let text = JSON.stringify(c.manager);
  if (c.subresource !== undefined && c.subresource !== '')
    text += ` with subresource ${JSON.stringify(c.subresource)}`;
  return c.operation === 'Update' ? `${text} using ${c.apiVersion}` : text;
}

/** The server groups conflicts by its JSON manager identifier, which sorts by name first. */
function identityJson(c: Conflict): string {
  const identity: JsonObject = { manager: c.manager, operation: c.operation };
  if (c.operation === 'Update') identity['apiVersion'] = c.apiVersion;
  if (c.subresource !== undefined && c.subresource !== '') identity['subresource'] = c.subresource;
  return JSON.stringify(identity);
}
