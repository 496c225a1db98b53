import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, invalid, notFound } from '../errors';
import { authorize } from '../auth';
import { type ResourceType, groupVersion } from '../registry';
import { fieldsOf, labelsOf, parseFieldSelector, parseLabelSelector } from '../selectors';
import { checkWriteBody, parseFieldValidation, warningHeaders } from '../field-validation';
import { rfc3339 } from '../store';
import { toTable } from '../tables';
import { type JsonObject, type KObject, isJsonObject } from '../types';
import { applyPatch, managerFor, withUpdateRecord } from './patching';
import { asObject, parseAccept, parseBody, readBody, sendJson, mediaType } from './content';
import type { ApiContext, RequestInfo } from './context';
import type { ResourceRoute } from './route';
import { serveWatch } from './watch';

export function lookupType(ctx: ApiContext, r: ResourceRoute): ResourceType {
  const t = ctx.registry.lookup(r.group, r.version, r.plural);
  if (t === undefined) throw new ApiError('NotFound', 'the server could not find the requested resource', {});
  return t;
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function dryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  if (v.some((x) => x !== 'All'))
    throw badRequest(`Invalid dry run value: ${v.join(',')}; supported values: All`);
  return v.length > 0;
}

function renderer(
  ctx: ApiContext,
  req: IncomingMessage,
  t: ResourceType,
  q: URLSearchParams,
): (o: KObject) => unknown {
  const accept = parseAccept(req.headers.accept);
  if (!accept.json && !accept.table) {
    throw new ApiError(
      'NotAcceptable',
      'only the following media types are accepted: application/json, application/yaml',
    );
  }
  if (!accept.table) return (o) => o;
  const include = (q.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
  return (o) => toTable(t, [o], { now: ctx.clock.now(), includeObject: include });
}

interface ContinueToken {
  rv: number;
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
    if (isJsonObject(parsed) && typeof parsed['rv'] === 'number' && typeof parsed['start'] === 'string') {
      return { rv: parsed['rv'], start: parsed['start'] };
    }
  } catch {
    // Falls through to the error below.
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

function list(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
): void {
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
  let items = ctx.store.list(t, ns).filter((o) => labels(labelsOf(o)) && fields(fieldsOf(o)));
  const cont = q.get('continue');
  let listRv = ctx.store.resourceVersion;
  if (cont !== null && cont !== '') {
    const token = decodeContinue(cont);
    listRv = token.rv;
    items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}` > token.start);
  }
  const limit = Number(q.get('limit') ?? '0');
  const metadata: JsonObject = { resourceVersion: String(listRv) };
  if (limit > 0 && items.length > limit) {
    const last = items[limit - 1]!;
    metadata['continue'] = Buffer.from(
      JSON.stringify({ rv: listRv, start: `${last.metadata.namespace ?? ''}/${last.metadata.name ?? ''}` }),
    ).toString('base64');
    metadata['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
  }
  const accept = parseAccept(req.headers.accept);
  if (accept.table) {
    const include = (q.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
    const listMeta: { resourceVersion: string; continue?: string } = { resourceVersion: String(listRv) };
    if (typeof metadata['continue'] === 'string') listMeta.continue = metadata['continue'];
    sendJson(res, 200, toTable(t, items, { now: ctx.clock.now(), includeObject: include, listMeta }));
    return;
  }
  if (!accept.json)
    throw new ApiError(
      'NotAcceptable',
      'only the following media types are accepted: application/json, application/yaml',
    );
  sendJson(res, 200, { kind: t.listKind, apiVersion: groupVersion(t), metadata, items });
}

function watch(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
): void {
  const timeout = q.get('timeoutSeconds');
  serveWatch(
    ctx.store,
    ctx.watches,
    {
      type: t,
      namespace: ns,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      labels: parseLabelSelector(q.get('labelSelector') ?? undefined),
      fields: parseFieldSelector(q.get('fieldSelector') ?? undefined),
      bookmarks: isTrue(q.get('allowWatchBookmarks')),
      sendInitialEvents: isTrue(q.get('sendInitialEvents')),
      timeoutSeconds: timeout === null ? undefined : Number(timeout),
      render: renderer(ctx, req, t, q),
    },
    res,
    ctx.bookmarkIntervalMs,
  );
}

/** Checks the body names the object the URL names, and fills in what the URL implies. */
function bodyObject(
  t: ResourceType,
  body: JsonObject,
  ns: string | undefined,
  name: string | undefined,
): KObject {
  const meta = isJsonObject(body['metadata']) ? body['metadata'] : {};
  body['metadata'] = meta;
  const bodyNs =
    typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : undefined;
  if (t.namespaced) {
    if (bodyNs !== undefined && ns !== undefined && bodyNs !== ns) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (ns !== undefined) meta['namespace'] = ns;
  }
  if (name !== undefined) {
    if (typeof meta['name'] === 'string' && meta['name'] !== '' && meta['name'] !== name) {
      throw badRequest(
        'the name of the object (' +
          String(meta['name']) +
          ') does not match the name on the URL (' +
          name +
          ')',
      );
    }
    meta['name'] = name;
  }
  const kind = body['kind'];
  if (kind !== undefined && kind !== t.kind) {
    throw badRequest(
      `the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${groupVersion(t)})`,
    );
  }
  return body as unknown as KObject;
}

export async function handleResource(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  r: ResourceRoute,
  info: RequestInfo,
): Promise<void> {
  const t = lookupType(ctx, r);
  const q = info.query;
  const method = req.method ?? 'GET';
  const ns = t.namespaced ? r.namespace : undefined;
  if (!t.namespaced && r.namespace !== undefined)
    throw new ApiError('NotFound', 'the server could not find the requested resource', {});
  if (r.name === undefined) {
    if (method === 'GET') {
      const isWatch = isTrue(q.get('watch'));
      authorize(info.user, isWatch ? 'watch' : 'list', t, ns, undefined);
      if (isWatch) watch(ctx, req, res, t, ns, q);
      else list(ctx, req, res, t, ns, q);
      return;
    }
    if (method === 'POST') {
      authorize(info.user, 'create', t, ns, undefined);
      requireVerb(t, 'create');
      const validation = parseFieldValidation(q, 'CreateOptions');
      const body = bodyObject(
        t,
        asObject(parseBody(await readBody(req), req.headers['content-type']), 'body'),
        ns,
        undefined,
      );
      if (t.namespaced && ns === undefined)
        throw badRequest('the server could not find the requested resource: namespace is required');
      const warnings = checkWriteBody(ctx.openapi, t, validation, body);
      const manager = managerFor(q, info.userAgent);
      const created = ctx.store.create(t, withUpdateRecord(ctx, t, undefined, body, manager), {
        dryRun: dryRun(q),
      });
      sendJson(res, 201, created, warningHeaders(warnings));
      return;
    }
    if (method === 'DELETE') {
      authorize(info.user, 'deletecollection', t, ns, undefined);
      const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
      const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
      const items = ctx.store.list(t, ns).filter((o) => labels(labelsOf(o)) && fields(fieldsOf(o)));
      const deleted = items.map((o) =>
        ctx.store.delete(t, o.metadata.namespace, o.metadata.name!, deleteOptions(q, undefined)),
      );
      sendJson(res, 200, {
        kind: t.listKind,
        apiVersion: groupVersion(t),
        metadata: { resourceVersion: String(ctx.store.resourceVersion) },
        items: deleted,
      });
      return;
    }
    throw methodNotAllowed(method);
  }
  const name = r.name;
  if (method === 'GET') {
    authorize(info.user, 'get', t, ns, name);
    const obj = ctx.store.mustGet(t, ns, name);
    const render = renderer(ctx, req, t, q);
    sendJson(res, 200, render(obj));
    return;
  }
  if (method === 'PUT') {
    authorize(info.user, 'update', t, ns, name);
    const validation = parseFieldValidation(q, 'UpdateOptions');
    const body = bodyObject(
      t,
      asObject(parseBody(await readBody(req), req.headers['content-type']), 'body'),
      ns,
      name,
    );
    const old = ctx.store.get(t, ns, name);
    const manager = managerFor(q, info.userAgent);
    if (old === undefined) {
      // PUT creates for kinds that allow create-on-update; the real server allows it for none of ours but
      // returns the same NotFound.
      throw notFound(t, name);
    }
    const warnings = checkWriteBody(ctx.openapi, t, validation, body);
    const updated = ctx.store.update(t, withUpdateRecord(ctx, t, old, body, manager), { dryRun: dryRun(q) });
    sendJson(res, 200, updated, warningHeaders(warnings));
    return;
  }
  if (method === 'PATCH') {
    authorize(info.user, 'patch', t, ns, name);
    const type = mediaType(req.headers['content-type']);
    const raw = parseBody(await readBody(req), req.headers['content-type']);
    const result = applyPatch(ctx, t, ns, name, type, raw, q, info, undefined);
    sendJson(res, result.created ? 201 : 200, result.object, warningHeaders(result.warnings));
    return;
  }
  if (method === 'DELETE') {
    authorize(info.user, 'delete', t, ns, name);
    const raw = await readBody(req);
    const opts = raw.length > 0 ? asObject(parseBody(raw, 'application/json'), 'DeleteOptions') : undefined;
    const obj = ctx.store.delete(t, ns, name, deleteOptions(q, opts));
    // The real server answers a finished delete of most kinds with a Success Status, of pods and
    // objects still being finalized with the object itself.
    if (obj.metadata.deletionTimestamp !== undefined || t.kind === 'Pod') {
      sendJson(res, 200, obj);
    } else {
      const details: JsonObject = { name, kind: t.plural, uid: obj.metadata.uid ?? '' };
      if (t.group !== '') details['group'] = t.group;
      sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
    }
    return;
  }
  throw methodNotAllowed(method);
}

function requireVerb(t: ResourceType, verb: string): void {
  if (!t.verbs.includes(verb)) throw methodNotAllowed(verb);
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );
}

function deleteOptions(q: URLSearchParams, body: JsonObject | undefined): import('../store').DeleteOptions {
  const opts: import('../store').DeleteOptions = {};
  const grace = body?.['gracePeriodSeconds'] ?? q.get('gracePeriodSeconds');
  if (grace !== null && grace !== undefined) opts.gracePeriodSeconds = Number(grace);
  const policy = body?.['propagationPolicy'] ?? q.get('propagationPolicy');
  if (policy === 'Orphan' || policy === 'Background' || policy === 'Foreground')
    opts.propagationPolicy = policy;
  if (body?.['orphanDependents'] === true || q.get('orphanDependents') === 'true')
    opts.propagationPolicy = 'Orphan';
  const dry = body?.['dryRun'];
  if ((Array.isArray(dry) && dry.includes('All')) || q.getAll('dryRun').includes('All')) opts.dryRun = true;
  const pre = body?.['preconditions'];
  if (isJsonObject(pre)) {
    opts.preconditions = {};
    if (typeof pre['uid'] === 'string') opts.preconditions.uid = pre['uid'];
    if (typeof pre['resourceVersion'] === 'string')
      opts.preconditions.resourceVersion = pre['resourceVersion'];
  }
  return opts;
}

export function nowStamp(ctx: ApiContext): string {
  return rfc3339(ctx.clock.now());
}

export { invalid };
