import { ApiError, badRequest, notFound } from '../errors';
import { applyJsonPatch, PatchError } from '../patch/json-patch';
import { applyMergePatch } from '../patch/merge-patch';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch';
import { conflictStatus, recordUpdate, serverSideApply } from '../apply/server-side-apply';
import { checkAppliedObject, checkPatchedObject, parseFieldValidation } from '../field-validation';
import { type ResourceType, groupVersion } from '../registry';
import { rfc3339 } from '../store';
import { type Json, type KObject, clone, isJsonObject } from '../types';
import type { ApiContext, RequestInfo } from './context';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/**
 * The field manager of a write: the `fieldManager` parameter, else the client's name from its
 * User-Agent ("kubectl/v1.32.4 (linux/amd64)" → "kubectl"), as the real server derives it.
 */
export function managerFor(q: URLSearchParams, userAgent: string): string {
  const given = q.get('fieldManager');
  if (given !== null && given !== '') return given;
  const name = userAgent.split('/')[0]?.trim() ?? '';
  return name === '' ? 'unknown' : name;
}

export function withUpdateRecord(
  ctx: ApiContext,
  t: ResourceType,
  before: KObject | undefined,
  after: KObject,
  manager: string,
  subresource?: string,
): KObject {
  const args: Parameters<typeof recordUpdate>[0] = {
    kind: t.kind,
    apiVersion: groupVersion(t),
    before,
    after,
    manager,
    now: rfc3339(ctx.clock.now()),
  };
  if (subresource !== undefined) args.subresource = subresource;
  return recordUpdate(args);
}

function patched(t: ResourceType, type: string, live: KObject, patch: Json): unknown {
  try {
    switch (type) {
      case 'application/json-patch+json':
        return applyJsonPatch(live, patch);
      case 'application/merge-patch+json':
        if (!isJsonObject(patch)) throw badRequest('the body of a merge patch must be a JSON object');
        return applyMergePatch(live, patch);
      case 'application/strategic-merge-patch+json':
        if (t.crd !== undefined) {
          throw new ApiError('UnsupportedMediaType', 'strategic merge patch format is not supported');
        }
        if (!isJsonObject(patch))
          throw badRequest('the body of a strategic merge patch must be a JSON object');
        return applyStrategicMergePatch(t.kind, live, patch);
      default:
        throw new ApiError(
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
        );
    }
  } catch (e) {
    if (e instanceof PatchError) {
      if (e.reason === 'Invalid') throw new ApiError('Invalid', e.message);
      throw badRequest(e.message);
    }
    throw e;
  }
}

export interface PatchResult {
  object: KObject;
  created: boolean;
  /** Field validation warnings (fieldValidation=Warn) for the response's Warning header. */
  warnings: string[];
}

/**
 * Applies a PATCH of any supported type to the stored object (or, for server-side apply, creates it).
 * Like the real server, a patch without a resourceVersion retries on write conflicts.
 */
export function applyPatch(
  ctx: ApiContext,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  type: string,
  body: Json,
  q: URLSearchParams,
  info: RequestInfo,
  subresource: string | undefined,
): PatchResult {
  const dryRun = q.getAll('dryRun').includes('All');
  const validation = parseFieldValidation(q, 'PatchOptions');
  if (type === 'application/apply-patch+yaml') return apply(ctx, t, ns, name, body, q, dryRun, subresource);
  const manager = managerFor(q, info.userAgent);
  for (let attempt = 0; ; attempt++) {
    const live = ctx.store.get(t, ns, name);
    if (live === undefined) throw notFound(t, name);
    const result = patched(t, type, clone(live), body);
    if (!isJsonObject(result)) throw badRequest('the patch did not produce an object');
    const warnings = checkPatchedObject(ctx.openapi, t, validation, live, result);
    const obj = result as unknown as KObject;
    if (!isJsonObject(result['metadata'])) throw badRequest('the patch removed metadata');
    if (obj.metadata.name !== name)
      throw badRequest('the name of the object does not match the name on the URL');
    const pinned =
      isJsonObject(body) &&
      isJsonObject(body['metadata']) &&
      body['metadata']['resourceVersion'] !== undefined;
    if (!pinned) obj.metadata.resourceVersion = live.metadata.resourceVersion!;
    try {
      const updateOpts = subresource === undefined ? { dryRun } : { dryRun, subresource };
      const recorded = withUpdateRecord(ctx, t, live, obj, manager, subresource);
      return { object: ctx.store.update(t, recorded, updateOpts), created: false, warnings };
    } catch (e) {
      if (!pinned && e instanceof ApiError && e.reason === 'Conflict' && attempt < 5) continue;
      throw e;
    }
  }
}

function apply(
  ctx: ApiContext,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  body: Json,
  q: URLSearchParams,
  dryRun: boolean,
  subresource: string | undefined,
): PatchResult {
  const manager = q.get('fieldManager');
  if (manager === null || manager === '') {
    throw badRequest('PATCH requests with apply content type require fieldManager');
  }
  if (!isJsonObject(body)) throw badRequest('the body of an apply patch must be an object');
  const applied = body as unknown as KObject;
  if (!isJsonObject(body['metadata'])) applied.metadata = {};
  if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
    throw badRequest('the name of the object does not match the name on the URL');
  }
  applied.metadata.name = name;
  if (t.namespaced && ns !== undefined) applied.metadata.namespace = ns;
  if (applied.apiVersion !== groupVersion(t) || applied.kind !== t.kind) {
    throw badRequest(
      `the apiVersion and kind of the applied object (${String(applied.apiVersion)}, ${String(applied.kind)}) do not match the request (${groupVersion(t)}, ${t.kind})`,
    );
  }
  checkAppliedObject(ctx.openapi, t, ns, name, applied);
  const force = q.get('force') === 'true';
  for (let attempt = 0; ; attempt++) {
    const live = ctx.store.get(t, ns, name);
    const outcome = serverSideApply({
      kind: t.kind,
      apiVersion: groupVersion(t),
      live: live === undefined ? undefined : clone(live),
      applied: clone(applied),
      manager,
      force,
      now: rfc3339(ctx.clock.now()),
    });
    if ('conflicts' in outcome) {
      const status = conflictStatus(outcome.conflicts, groupVersion(t));
      throw new ApiError('Conflict', String(status['message']), status['details'] as ApiError['details']);
    }
    try {
      if (live === undefined)
        return { object: ctx.store.create(t, outcome.object, { dryRun }), created: true, warnings: [] };
      outcome.object.metadata.resourceVersion = live.metadata.resourceVersion!;
      const opts = subresource === undefined ? { dryRun } : { dryRun, subresource };
      return { object: ctx.store.update(t, outcome.object, opts), created: false, warnings: [] };
    } catch (e) {
      if (e instanceof ApiError && (e.reason === 'Conflict' || e.reason === 'AlreadyExists') && attempt < 5)
        continue;
      throw e;
    }
  }
}
