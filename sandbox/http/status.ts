import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from '../auth';
import type { ResourceType } from '../registry';
import type { KObject } from '../types';
import { asObject, mediaType, parseBody, readBody, sendJson } from './content';
import type { ApiContext, RequestInfo } from './context';
import { methodNotAllowed } from './handlers';
import { applyPatch, managerFor, withUpdateRecord } from './patching';

/** `/status` (and a namespace's `/finalize`): reads the object, writes only that part of it. */
export async function handleStatus(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  subresource: 'status' | 'finalize',
  info: RequestInfo,
): Promise<void> {
  const method = req.method ?? 'GET';
  const dryRun = info.query.getAll('dryRun').includes('All');
  if (method === 'GET') {
    authorize(info.user, 'get', t, ns, name, subresource);
    sendJson(res, 200, ctx.store.mustGet(t, ns, name));
    return;
  }
  if (method === 'PUT') {
    authorize(info.user, 'update', t, ns, name, subresource);
    const body = asObject(
      parseBody(await readBody(req), req.headers['content-type']),
      'body',
    ) as unknown as KObject;
    const live = ctx.store.mustGet(t, ns, name);
    body.metadata = { ...(body.metadata ?? {}), name };
    if (ns !== undefined) body.metadata.namespace = ns;
    const manager = managerFor(info.query, info.userAgent);
    if (subresource === 'finalize') {
      // Finalize replaces spec.finalizers and nothing else.
      const spec = (body['spec'] ?? {}) as Record<string, unknown>;
      const next: KObject = {
        ...live,
        metadata: { ...live.metadata },
        spec: { ...(live['spec'] as object), finalizers: spec['finalizers'] ?? [] },
      };
      sendJson(res, 200, ctx.store.update(t, next, { dryRun }));
      return;
    }
    const recorded = withUpdateRecord(ctx, t, live, body, manager, 'status');
    sendJson(res, 200, ctx.store.update(t, recorded, { dryRun, subresource: 'status' }));
    return;
  }
  if (method === 'PATCH' && subresource === 'status') {
    authorize(info.user, 'patch', t, ns, name, subresource);
    const raw = parseBody(await readBody(req), req.headers['content-type']);
    const result = applyPatch(
      ctx,
      t,
      ns,
      name,
      mediaType(req.headers['content-type']),
      raw,
      info.query,
      info,
      'status',
    );
    sendJson(res, 200, result.object);
    return;
  }
  throw methodNotAllowed(method);
}
