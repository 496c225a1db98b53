/**
 * Errors are values with stable codes. The extension chooses its words and actions by code; `message` is
 * one sentence a user can act on; `detail` and `cause` go to the log.
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'PROTOCOL_MISMATCH',
  'UNKNOWN_METHOD',
  'KUBECONFIG_INVALID',
  'CONTEXT_NOT_FOUND',
  'CLUSTER_UNREACHABLE',
  'AUTH_FAILED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID',
  'TIMEOUT',
  'CANCELLED',
  /** A readOnly environment refused a write. */
  'READ_ONLY',
  /** A protected target needs its context name typed as confirmation. */
  'CONFIRMATION_REQUIRED',
  /** A preflight check (RBAC, missing references, image policy) stopped a plan before any write. */
  'PREFLIGHT_FAILED',
  /** A database migration failed (nothing of it applied; earlier ones stay). */
  'MIGRATION_FAILED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AgentError {
  code: ErrorCode;
  message: string;
  detail?: string;
  cause?: string;
}

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

export function agentError(code: ErrorCode, message: string, detail?: string, cause?: string): AgentError {
  const e: AgentError = { code, message };
  if (detail !== undefined) e.detail = detail;
  if (cause !== undefined) e.cause = cause;
  return e;
}

/** Thrown inside agent and extension code; crosses the wire as its `error` value. */
export class AgentFailure extends Error {
  constructor(readonly error: AgentError) {
    super(error.message);
  }
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
