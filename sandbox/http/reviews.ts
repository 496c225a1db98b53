import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAllowed } from '../auth';
import { badRequest } from '../errors';
import type { JsonObject } from '../types';
import { isJsonObject } from '../types';
import { asObject, parseBody, readBody, sendJson } from './content';
import { decodeProtobufObject, isProtobuf } from './protobuf';
import type { ApiContext, RequestInfo } from './context';

/** SelfSubjectAccessReview and SelfSubjectRulesReview, which `kubectl auth can-i` and Slipway's preflight use. */
export async function handleReview(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  plural: string,
  info: RequestInfo,
): Promise<void> {
  const raw = await readBody(req);
  const body = isProtobuf(req.headers['content-type'])
    ? decodeProtobufObject(raw)
    : asObject(parseBody(raw, req.headers['content-type']), 'review');
  const spec = isJsonObject(body['spec']) ? body['spec'] : {};
  if (plural === 'selfsubjectaccessreviews') {
    const attrs = spec['resourceAttributes'];
    const nonResource = spec['nonResourceAttributes'];
    let allowed: boolean;
    if (isJsonObject(attrs)) {
      const verb = String(attrs['verb'] ?? '');
      const group = String(attrs['group'] ?? '');
      const resource = String(attrs['resource'] ?? '');
      const sub =
        typeof attrs['subresource'] === 'string' && attrs['subresource'] !== ''
          ? attrs['subresource']
          : undefined;
      allowed = isAllowed(info.user, verb === '*' ? 'create' : verb, { group, plural: resource }, sub);
    } else if (isJsonObject(nonResource)) {
      allowed = !info.user.readOnly || String(nonResource['verb'] ?? '') === 'get';
    } else throw badRequest('SelfSubjectAccessReview needs resourceAttributes or nonResourceAttributes');
    const status: JsonObject = { allowed };
    if (allowed)
      status['reason'] = info.user.readOnly ? 'allowed by viewer role' : 'allowed by sandbox admin';
    else status['denied'] = false;
    sendJson(res, 201, {
      ...body,
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status,
    });
    return;
  }
  const resourceRules = info.user.readOnly
    ? [
        { verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'] },
        {
          verbs: ['create'],
          apiGroups: ['authorization.k8s.io'],
          resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        },
      ]
    : [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }];
  const nonResourceRules = info.user.readOnly
    ? [
        {
          verbs: ['get'],
          nonResourceURLs: [
            '/api',
            '/api/*',
            '/apis',
            '/apis/*',
            '/healthz',
            '/livez',
            '/readyz',
            '/version',
            '/openapi',
            '/openapi/*',
          ],
        },
      ]
    : [{ verbs: ['*'], nonResourceURLs: ['*'] }];
  void ctx;
  sendJson(res, 201, {
    ...body,
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { resourceRules, nonResourceRules, incomplete: false },
  });
}
