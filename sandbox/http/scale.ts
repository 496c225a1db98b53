import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from '../auth';
import { ApiError, badRequest, conflict, MODIFIED_CONFLICT } from '../errors';
import type { ResourceType } from '../registry';
import { type LabelSelectorSpec, selectorString } from '../selectors';
import { type JsonObject, type KObject, clone, isJsonObject } from '../types';
import { asObject, mediaType, parseBody, readBody, sendJson } from './content';
import type { ApiContext, RequestInfo } from './context';
import { methodNotAllowed } from './handlers';
import { applyJsonPatch } from '../patch/json-patch';
import { applyMergePatch } from '../patch/merge-patch';
import { withUpdateRecord } from './patching';
import { managerFor } from './patching';

function spec(o: KObject): JsonObject {
  return isJsonObject(o['spec']) ? (o['spec'] as JsonObject) : {};
}

/** The autoscaling/v1 Scale view of a workload, as `kubectl scale` and HPAs read it. */
export function toScale(o: KObject): JsonObject {
  const s = spec(o);
  const status = isJsonObject(o['status']) ? (o['status'] as JsonObject) : {};
  const selector = isJsonObject(s['selector'])
    ? selectorString(s['selector'] as unknown as LabelSelectorSpec)
    : '';
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name ?? '',
      namespace: o.metadata.namespace ?? '',
      uid: o.metadata.uid ?? '',
      resourceVersion: o.metadata.resourceVersion ?? '',
      creationTimestamp: o.metadata.creationTimestamp ?? null,
    },
    spec: { replicas: typeof s['replicas'] === 'number' ? s['replicas'] : 0 },
    status: { replicas: typeof status['replicas'] === 'number' ? status['replicas'] : 0, selector },
  };
}

export async function handleScale(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  info: RequestInfo,
): Promise<void> {
  const method = req.method ?? 'GET';
  const verb = method === 'GET' ? 'get' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : '';
  if (verb === '') throw methodNotAllowed(method);
  authorize(info.user, verb, t, ns, name, 'scale');
  const live = ctx.store.mustGet(t, ns, name);
  if (method === 'GET') {
    sendJson(res, 200, toScale(live));
    return;
  }
  const body = parseBody(await readBody(req), req.headers['content-type']);
  const current = toScale(live);
  let next: unknown;
  if (method === 'PUT') next = asObject(body, 'Scale');
  else {
    const type = mediaType(req.headers['content-type']);
    if (type === 'application/json-patch+json') next = applyJsonPatch(current, body);
    else if (
      type === 'application/merge-patch+json' ||
      type === 'application/strategic-merge-patch+json' ||
      type === 'application/apply-patch+yaml'
    ) {
      next = applyMergePatch(current, body);
    } else
      throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format: ${type}`);
  }
  if (!isJsonObject(next) || !isJsonObject(next['spec'])) throw badRequest('Scale must have a spec');
  const replicas = next['spec']['replicas'];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      'Invalid',
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${String(replicas)}: must be greater than or equal to 0`,
    );
  }
  const meta = isJsonObject(next['metadata']) ? next['metadata'] : {};
  const rv = meta['resourceVersion'];
  if (method === 'PUT' && typeof rv === 'string' && rv !== '' && rv !== live.metadata.resourceVersion) {
    throw conflict(t, name, MODIFIED_CONFLICT);
  }
  const updated = clone(live);
  (updated['spec'] as JsonObject)['replicas'] = replicas;
  const dryRun = info.query.getAll('dryRun').includes('All');
  const recorded = withUpdateRecord(ctx, t, live, updated, managerFor(info.query, info.userAgent), 'scale');
  const stored = ctx.store.update(t, recorded, { dryRun });
  sendJson(res, 200, toScale(stored));
}
