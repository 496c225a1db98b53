import type { JsonObject } from './types';
import type { ResourceType } from './registry';

/** The reasons the real API server puts in a Status, with the HTTP code each comes with. */
export const REASON_CODES = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const;

export type StatusReason = keyof typeof REASON_CODES;

export interface StatusCause {
  type: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** An error that leaves the server as a meta/v1 Status object. */
export class ApiError extends Error {
  readonly code: number;

  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    code?: number,
  ) {
    super(message);
    this.code = code ?? REASON_CODES[reason];
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details !== undefined)
      status['details'] = JSON.parse(JSON.stringify(this.details)) as JsonObject;
    return status;
  }
}

/** 'deployments.apps' or 'pods': how the server names a resource in messages. */
export function qualifiedResource(t: Pick<ResourceType, 'group' | 'plural'>): string {
  return t.group === '' ? t.plural : `${t.plural}.${t.group}`;
}

function details(t: Pick<ResourceType, 'group' | 'plural'>, name: string): StatusDetails {
  const d: StatusDetails = { name, kind: t.plural };
  if (t.group !== '') d.group = t.group;
  return d;
}

export function notFound(t: Pick<ResourceType, 'group' | 'plural'>, name: string): ApiError {
  return new ApiError('NotFound', `${qualifiedResource(t)} "${name}" not found`, details(t, name));
}

export function alreadyExists(t: Pick<ResourceType, 'group' | 'plural'>, name: string): ApiError {
  return new ApiError('AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, details(t, name));
}

export function conflict(t: Pick<ResourceType, 'group' | 'plural'>, name: string, why: string): ApiError {
  return new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`,
    details(t, name),
  );
}

export const MODIFIED_CONFLICT =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(
  t: Pick<ResourceType, 'group' | 'kind'>,
  name: string,
  causes: { field: string; message: string; type?: string }[],
): ApiError {
  const kind = t.group === '' ? t.kind : `${t.kind}.${t.group}`;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const d: StatusDetails = {
    name,
    kind: t.kind,
    causes: causes.map((c) => ({ type: c.type ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  };
  if (t.group !== '') d.group = t.group;
  return new ApiError('Invalid', `${kind} "${name}" is invalid: ${summary}`, d);
}

export function badRequest(message: string): ApiError {
  return new ApiError('BadRequest', message);
}

export function gone(requested: number, current: number): ApiError {
  return new ApiError('Expired', `too old resource version: ${requested} (${current})`, undefined, 410);
}

export function forbidden(
  user: string,
  verb: string,
  t: Pick<ResourceType, 'group' | 'plural'>,
  namespace: string | undefined,
  name?: string,
): ApiError {
  const target = name === undefined ? qualifiedResource(t) : `${qualifiedResource(t)} "${name}"`;
  const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  const d: StatusDetails = { kind: t.plural };
  if (name !== undefined) d.name = name;
  if (t.group !== '') d.group = t.group;
  return new ApiError(
    'Forbidden',
    `${target} is forbidden: User "${user}" cannot ${verb} resource "${t.plural}" in API group "${t.group}" ${scope}`,
    d,
  );
}
