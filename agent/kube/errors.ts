import * as k8s from '@kubernetes/client-node';
import { AgentFailure, agentError, type AgentError } from '../../protocol';

/** What the failing call was about, so the sentence can name the cluster and the context. */
export interface KubeErrorContext {
  context?: string;
  server?: string;
}

/** The parts of a Kubernetes Status object that messages quote. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null;
}

function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A Status from an ApiException body (client-node hands it over as JSON text) or a watch ERROR event. */
export function parseStatus(body: unknown): KubeStatus | undefined {
  let v = body;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isRecord(v) || v['kind'] !== 'Status') return undefined;
  const s: KubeStatus = {};
  if (typeof v['code'] === 'number') s.code = v['code'];
  const reason = text(v['reason']);
  if (reason !== undefined) s.reason = reason;
  const message = text(v['message']);
  if (message !== undefined) s.message = message;
  return s;
}

function cluster(ctx: KubeErrorContext): string {
  return ctx.server === undefined ? 'The cluster' : `The cluster at ${ctx.server}`;
}

function onContext(ctx: KubeErrorContext): string {
  return ctx.context === undefined ? '' : ` on context "${ctx.context}"`;
}

/** Status messages end without a period; sentences here add their own. */
function clause(s: string): string {
  return s.trim().replace(/[.\s]+$/, '');
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Maps an HTTP status (with the server's Status, when it sent one) to one sentence and a next step. */
export function fromHttpStatus(
  code: number,
  status: KubeStatus | undefined,
  ctx: KubeErrorContext,
): AgentError {
  const http = `${code} ${STATUS_TEXT[code] ?? 'Error'}`;
  const said = status?.message === undefined ? undefined : clause(status.message);
  const detail = status?.message ?? http;
  const cause = `HTTP ${http}${status?.reason === undefined ? '' : ` (${status.reason})`}`;
  const e = (c: AgentError['code'], message: string): AgentError => agentError(c, message, detail, cause);
  switch (code) {
    case 401:
      return e(
        'AUTH_FAILED',
        `${cluster(ctx)} rejected the credentials of ${ctx.context === undefined ? 'this context' : `context "${ctx.context}"`} (401 Unauthorized): the token has expired or is invalid. Log in again (for example with your cloud provider's CLI) and retry.`,
      );
    case 403:
      return e(
        'FORBIDDEN',
        `Access denied${onContext(ctx)}: ${said ?? 'the cluster forbids this request'}. Ask a cluster admin for access or use a context that has it.`,
      );
    case 404:
      return e(
        'NOT_FOUND',
        `${said ?? 'The object was not found'}${onContext(ctx)}. It may have been deleted; refresh and try again.`,
      );
    case 409:
      return status?.reason === 'AlreadyExists'
        ? e(
            'CONFLICT',
            `${said ?? 'The object already exists'}${onContext(ctx)}. Choose another name or update the existing object.`,
          )
        : e(
            'CONFLICT',
            `${said ?? 'The object was changed by someone else'}${onContext(ctx)}. Reload the latest version and try again.`,
          );
    case 410:
      return e(
        'UNAVAILABLE',
        `${cluster(ctx)} no longer has the requested version of the data (410 Gone${said === undefined ? '' : `: ${said}`}). Refresh to load the current state.`,
      );
    case 400:
    case 422:
      return e(
        'INVALID',
        `${cluster(ctx)} rejected the request as invalid: ${said ?? http}. Fix the manifest and try again.`,
      );
    case 429:
      return e(
        'UNAVAILABLE',
        `${cluster(ctx)} is throttling requests (429 Too Many Requests). Slipway retries shortly.`,
      );
    case 504:
      return e('TIMEOUT', `${cluster(ctx)} timed out answering (${said ?? http}). Try again in a moment.`);
    default:
      if (status?.reason === 'Timeout') {
        return e('TIMEOUT', `${cluster(ctx)} timed out answering (${said ?? http}). Try again in a moment.`);
      }
      if (code >= 500) {
        return e(
          'UNAVAILABLE',
          `${cluster(ctx)} answered ${http}${said === undefined ? '' : ` (${said})`}. It may be overloaded or restarting; Slipway retries shortly.`,
        );
      }
      return e('INTERNAL', `${cluster(ctx)} answered ${http}${said === undefined ? '' : ` (${said})`}.`);
  }
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name could not be resolved',
  ETIMEDOUT: 'connection timed out',
  ESOCKETTIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'connection closed',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed',
};

const UNTRUSTED: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer',
  CERT_SIGNATURE_FAILURE: 'bad certificate signature',
  CERT_UNTRUSTED: 'untrusted certificate',
  CERT_REJECTED: 'rejected certificate',
};

/** The first errno-style code on an error or along its cause chain (node-fetch keeps it on the error). */
function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; isRecord(cur) && depth < 5; cur = cur['cause'], depth++) {
    const code = text(cur['code']);
    if (code !== undefined) return code;
  }
  return undefined;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  const m = field(e, 'message');
  return typeof m === 'string' ? m : String(e);
}

/** A network-level failure that means the cluster cannot be reached: refused, unresolvable, TLS... */
export function networkError(e: unknown, ctx: KubeErrorContext): AgentError | undefined {
  const code = errorCode(e);
  if (code === undefined) return undefined;
  const detail = messageOf(e);
  const who = cluster(ctx);
  if (code in NETWORK) {
    return agentError(
      'CLUSTER_UNREACHABLE',
      `${who} is not reachable (${NETWORK[code]}). Check that it is running and that you are on the right network/VPN.`,
      detail,
      code,
    );
  }
  if (code in UNTRUSTED) {
    return agentError(
      'CLUSTER_UNREACHABLE',
      `${who} presented a certificate that is not trusted (${UNTRUSTED[code]}). Check certificate-authority-data for this cluster in your kubeconfig.`,
      detail,
      code,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return agentError(
      'CLUSTER_UNREACHABLE',
      `The certificate of ${who.replace(/^The /, 'the ')} is not valid for that address. Check the server address or tls-server-name in your kubeconfig.`,
      detail,
      code,
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return agentError(
      'CLUSTER_UNREACHABLE',
      `The certificate of ${who.replace(/^The /, 'the ')} ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}. Check your computer's clock, or ask the cluster admin to renew it.`,
      detail,
      code,
    );
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO') {
    return agentError(
      'CLUSTER_UNREACHABLE',
      `${who} could not be reached over TLS (${code}). Check the server address and any proxy in your kubeconfig.`,
      detail,
      code,
    );
  }
  return undefined;
}

/** Describes a request that got no answer in time; the caller owns the timer, so it knows. */
export function requestTimedOut(ms: number, ctx: KubeErrorContext): AgentError {
  return agentError(
    'CLUSTER_UNREACHABLE',
    `${cluster(ctx)} is not reachable (no answer within ${Math.round(ms / 1000)} s). Check that it is running and that you are on the right network/VPN.`,
    undefined,
    'timeout',
  );
}

/** What the kubeconfig user runs to get credentials, for messages about it. */
export interface CredentialSource {
  user?: string;
  /** The exec plugin's command, when the user has one. */
  command?: string;
}

/**
 * Failures while preparing credentials (exec plugins, auth providers, certificate and key files) happen
 * before any request is sent, so they are told apart from cluster answers by where they were caught.
 */
export function credentialError(e: unknown, ctx: KubeErrorContext, src: CredentialSource): AgentError {
  if (e instanceof AgentFailure) return e.error;
  const code = errorCode(e);
  const syscall = text(field(e, 'syscall')) ?? '';
  const detail = messageOf(e);
  const forContext = ctx.context === undefined ? '' : ` for context "${ctx.context}"`;
  if (syscall.startsWith('spawn') && src.command !== undefined) {
    const why =
      code === 'ENOENT' ? 'it was not found on PATH' : code === 'EACCES' ? 'it is not executable' : code;
    return agentError(
      'AUTH_FAILED',
      `The credential plugin "${src.command}"${forContext} could not be started (${why ?? 'unknown error'}). Install it, or fix users[].exec.command in your kubeconfig.`,
      detail,
      code,
    );
  }
  if (syscall === 'open' || code === 'ENOENT' || code === 'EACCES') {
    const file = text(field(e, 'path'));
    return agentError(
      'KUBECONFIG_INVALID',
      `A file the kubeconfig names${forContext} cannot be read (${file ?? detail}). Fix the path in your kubeconfig.`,
      detail,
      code,
    );
  }
  if (src.command !== undefined) {
    const firstLine = clause(detail.split('\n').find((l) => l.trim() !== '') ?? 'it exited with an error');
    return agentError(
      'AUTH_FAILED',
      `The credential plugin "${src.command}"${forContext} failed: ${firstLine}. Run it in a terminal to log in again, then retry.`,
      detail,
      code ?? 'exec',
    );
  }
  return agentError(
    'AUTH_FAILED',
    `Slipway could not get credentials${forContext}: ${clause(detail)}. Check the user in your kubeconfig and log in again.`,
    detail,
    code,
  );
}

/**
 * Maps anything client-node or the network throws to an AgentError with one sentence and a next step:
 * ApiException (typed APIs and KubernetesObjectApi), the Watch's status errors, Status objects from
 * watch ERROR events, node-fetch system errors and aborts.
 */
export function toAgentError(e: unknown, ctx: KubeErrorContext = {}): AgentError {
  if (e instanceof AgentFailure) return e.error;
  if (e instanceof k8s.ApiException) return fromHttpStatus(e.code, parseStatus(e.body), ctx);
  const status = parseStatus(e);
  if (status?.code !== undefined) return fromHttpStatus(status.code, status, ctx);
  const statusCode = field(e, 'statusCode');
  if (typeof statusCode === 'number') return fromHttpStatus(statusCode, undefined, ctx);
  const network = networkError(e, ctx);
  if (network !== undefined) return network;
  if (field(e, 'name') === 'AbortError') {
    return agentError('CANCELLED', 'The request was cancelled.', messageOf(e), 'AbortError');
  }
  const stack = e instanceof Error ? e.stack : undefined;
  return agentError(
    'INTERNAL',
    `Talking to ${cluster(ctx).replace(/^The /, 'the ')} failed unexpectedly: ${clause(messageOf(e))}. Show the log for details.`,
    messageOf(e),
    stack,
  );
}
