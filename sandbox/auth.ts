import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError, forbidden } from './errors';
import type { ResourceType } from './registry';

export interface User {
  name: string;
  groups: string[];
  readOnly: boolean;
}

/** The identities a sandbox knows: an admin and a viewer, each with a bearer token made at start. */
export class Authenticator {
  readonly adminToken = randomBytes(32).toString('hex');
  readonly readOnlyToken = randomBytes(32).toString('hex');

  private readonly users = new Map<string, User>([
    [
      this.adminToken,
      { name: 'sandbox-admin', groups: ['system:masters', 'system:authenticated'], readOnly: false },
    ],
    [this.readOnlyToken, { name: 'sandbox-readonly', groups: ['system:authenticated'], readOnly: true }],
  ]);

  authenticate(req: IncomingMessage): User {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match === null ? undefined : this.users.get(match[1]!);
    if (user === undefined) throw new ApiError('Unauthorized', 'Unauthorized');
    return user;
  }
}

const READ_VERBS = new Set(['get', 'list', 'watch']);
/** Like the built-in `view` role, the viewer reads objects but cannot reach into pods. */
const VIEWER_DENIED_SUBRESOURCES = new Set(['proxy', 'portforward', 'exec', 'attach']);
/** Like the built-in `view` role, the viewer may not read Secrets (so a 403 on list is real here). */
const VIEWER_DENIED_RESOURCES = new Set(['secrets']);

export function isAllowed(
  user: User,
  verb: string,
  t: Pick<ResourceType, 'group' | 'plural'>,
  subresource?: string,
): boolean {
  if (!user.readOnly) return true;
  if (t.group === 'authorization.k8s.io' && verb === 'create') return true;
  if (subresource !== undefined && VIEWER_DENIED_SUBRESOURCES.has(subresource)) return false;
  if (t.group === '' && VIEWER_DENIED_RESOURCES.has(t.plural)) return false;
  return READ_VERBS.has(verb);
}

export function authorize(
  user: User,
  verb: string,
  t: Pick<ResourceType, 'group' | 'plural'>,
  namespace: string | undefined,
  name: string | undefined,
  subresource?: string,
): void {
  if (isAllowed(user, verb, t, subresource)) return;
  const resource = subresource === undefined ? t : { group: t.group, plural: `${t.plural}/${subresource}` };
  throw forbidden(user.name, verb, resource, namespace, name);
}
