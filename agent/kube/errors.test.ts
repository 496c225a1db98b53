import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { AgentFailure, agentError } from '../../protocol';
import { credentialError, parseStatus, toAgentError } from './errors';

const ctx = { context: 'prod-eu', server: 'https://k8s.example:6443' };

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

function apiError(code: number, reason: string, message: string): k8s.ApiException<string> {
  return new k8s.ApiException(code, 'Unsuccessful HTTP Request', status(code, reason, message), {});
}

/** The shape node-fetch gives a failed connection: a message with the URL and the system error code. */
function systemError(code: string, reason: string): Error {
  return Object.assign(
    new Error(`request to https://k8s.example:6443/api/v1/pods failed, reason: ${reason}`),
    {
      type: 'system',
      code,
      errno: code,
    },
  );
}

describe('Kubernetes errors as one sentence and a next step', () => {
  it('tells an unreachable cluster by its network error', () => {
    const e = toAgentError(systemError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:6443'), ctx);
    assert.deepEqual(e, {
      code: 'CLUSTER_UNREACHABLE',
      message:
        'The cluster at https://k8s.example:6443 is not reachable (connection refused). Check that it is running and that you are on the right network/VPN.',
      detail:
        'request to https://k8s.example:6443/api/v1/pods failed, reason: connect ECONNREFUSED 10.0.0.1:6443',
      cause: 'ECONNREFUSED',
    });
    assert.match(
      toAgentError(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND'), ctx).message,
      /\(host name not found\)/,
    );
    assert.match(
      toAgentError(systemError('ETIMEDOUT', 'connect ETIMEDOUT'), ctx).message,
      /\(connection timed out\)/,
    );
    assert.match(
      toAgentError(systemError('ECONNRESET', 'socket hang up'), ctx).message,
      /\(connection reset\)/,
    );
  });

  it('explains TLS failures by what to check in the kubeconfig', () => {
    const untrusted = toAgentError(
      systemError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      ctx,
    );
    assert.equal(untrusted.code, 'CLUSTER_UNREACHABLE');
    assert.match(
      untrusted.message,
      /presented a certificate that is not trusted .* certificate-authority-data/,
    );
    const host = toAgentError(
      systemError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      ctx,
    );
    assert.match(
      host.message,
      /^The certificate of the cluster at https:\/\/k8s\.example:6443 is not valid for that address\./,
    );
    assert.match(
      toAgentError(systemError('CERT_HAS_EXPIRED', 'certificate has expired'), ctx).message,
      /has expired/,
    );
  });

  it('maps 401 to AUTH_FAILED with a re-login hint', () => {
    const e = toAgentError(apiError(401, 'Unauthorized', 'Unauthorized'), ctx);
    assert.equal(e.code, 'AUTH_FAILED');
    assert.equal(
      e.message,
      `The cluster at https://k8s.example:6443 rejected the credentials of context "prod-eu" (401 Unauthorized): the token has expired or is invalid. Log in again (for example with your cloud provider's CLI) and retry.`,
    );
    assert.equal(e.cause, 'HTTP 401 Unauthorized (Unauthorized)');
  });

  it("maps 403 to FORBIDDEN quoting the server's Status message", () => {
    const msg =
      'deployments.apps is forbidden: User "viewer" cannot list resource "deployments" in API group "apps" in the namespace "shop"';
    const e = toAgentError(apiError(403, 'Forbidden', msg), ctx);
    assert.equal(e.code, 'FORBIDDEN');
    assert.equal(
      e.message,
      `Access denied on context "prod-eu": ${msg}. Ask a cluster admin for access or use a context that has it.`,
    );
    assert.equal(e.detail, msg);
  });

  it('maps 404, 409 (conflict and already exists), 422 and 410', () => {
    assert.equal(
      toAgentError(apiError(404, 'NotFound', 'deployments.apps "x" not found'), ctx).code,
      'NOT_FOUND',
    );
    const conflict = toAgentError(
      apiError(
        409,
        'Conflict',
        'Operation cannot be fulfilled on deployments.apps "x": the object has been modified',
      ),
      ctx,
    );
    assert.equal(conflict.code, 'CONFLICT');
    assert.match(conflict.message, /Reload the latest version and try again\.$/);
    const exists = toAgentError(apiError(409, 'AlreadyExists', 'configmaps "x" already exists'), ctx);
    assert.match(exists.message, /^configmaps "x" already exists on context "prod-eu"\. Choose another name/);
    const invalid = toAgentError(
      apiError(422, 'Invalid', 'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1'),
      ctx,
    );
    assert.equal(invalid.code, 'INVALID');
    assert.match(
      invalid.message,
      /rejected the request as invalid: Deployment\.apps "x" is invalid: spec\.replicas/,
    );
    const gone = toAgentError(apiError(410, 'Expired', 'too old resource version: 1 (2)'), ctx);
    assert.equal(gone.code, 'UNAVAILABLE');
    assert.match(gone.message, /410 Gone: too old resource version/);
  });

  it('maps throttling and server errors to UNAVAILABLE and 504 to TIMEOUT', () => {
    assert.equal(toAgentError(apiError(429, 'TooManyRequests', 'slow down'), ctx).code, 'UNAVAILABLE');
    const internal = toAgentError(apiError(500, 'InternalError', 'Internal error occurred: etcd'), ctx);
    assert.equal(internal.code, 'UNAVAILABLE');
    assert.match(internal.message, /answered 500 Internal Server Error \(Internal error occurred: etcd\)/);
    assert.equal(
      toAgentError(apiError(504, 'Timeout', 'Timeout: request did not complete'), ctx).code,
      'TIMEOUT',
    );
  });

  it("reads the status of the Watch's own errors and of watch ERROR events", () => {
    const watchError = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    assert.equal(toAgentError(watchError, ctx).code, 'FORBIDDEN');
    const event = { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' };
    assert.equal(toAgentError(event, ctx).code, 'UNAVAILABLE');
    assert.deepEqual(parseStatus(status(410, 'Expired', 'too old')), {
      code: 410,
      reason: 'Expired',
      message: 'too old',
    });
    assert.equal(parseStatus('not json'), undefined);
    assert.equal(parseStatus({ kind: 'Pod' }), undefined);
  });

  it('passes AgentFailures through and keeps unexpected errors with their stack', () => {
    const known = agentError('CONTEXT_NOT_FOUND', 'gone');
    assert.equal(toAgentError(new AgentFailure(known), ctx), known);
    const odd = toAgentError(new TypeError('x is not a function'), ctx);
    assert.equal(odd.code, 'INTERNAL');
    assert.match(odd.cause ?? '', /TypeError: x is not a function/);
    const aborted = Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' });
    assert.equal(toAgentError(aborted, ctx).code, 'CANCELLED');
  });

  it('names the exec plugin when credentials cannot be prepared', () => {
    const spawnError = Object.assign(new Error('spawn aws ENOENT'), {
      code: 'ENOENT',
      syscall: 'spawn aws',
      path: 'aws',
    });
    assert.match(
      credentialError(spawnError, ctx, { command: 'aws' }).message,
      /"aws" for context "prod-eu" could not be started \(it was not found on PATH\)/,
    );
    const exited = new Error('\nerror: SSO session expired, run aws sso login\n');
    const e = credentialError(exited, ctx, { command: 'aws' });
    assert.equal(e.code, 'AUTH_FAILED');
    assert.equal(
      e.message,
      'The credential plugin "aws" for context "prod-eu" failed: error: SSO session expired, run aws sso login. Run it in a terminal to log in again, then retry.',
    );
    const missingCert = Object.assign(new Error("ENOENT: no such file or directory, open '/x/client.crt'"), {
      code: 'ENOENT',
      syscall: 'open',
      path: '/x/client.crt',
    });
    const cert = credentialError(missingCert, ctx, {});
    assert.equal(cert.code, 'KUBECONFIG_INVALID');
    assert.match(cert.message, /cannot be read \(\/x\/client\.crt\)/);
  });
});
