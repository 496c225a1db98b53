import { AgentFailure, type DatabaseTarget, agentError } from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { KubeObject } from '../kube/objects';
import { ForwardManager } from '../observe/forwards';

/** A database URL's parts for messages: never its password. */
export function databaseTarget(url: string): DatabaseTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AgentFailure(
      agentError(
        'INVALID',
        'The database URL is not a URL; use postgresql://USER:PASSWORD@HOST:PORT/DATABASE.',
      ),
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `The database URL's scheme is ${u.protocol.replace(/:$/, '')}; Slipway migrates PostgreSQL (postgresql://…).`,
      ),
    );
  }
  const user = decodeURIComponent(u.username) || 'postgres';
  return {
    host: decodeURIComponent(u.hostname) || 'localhost',
    port: Number(u.port || 5432),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || user,
    user,
  };
}

/**
 * The Service a cluster-internal host names, or undefined for a host outside the cluster: `db` (a bare
 * Service name, in `namespace`), `db.shop`, `db.shop.svc`, `db.shop.svc.cluster.local`.
 */
export function clusterService(
  host: string,
  namespace: string,
): { name: string; namespace: string } | undefined {
  if (host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':')) return undefined;
  const labels = host.split('.');
  if (labels.length === 1) return { name: host, namespace };
  const svc = labels.indexOf('svc');
  if (svc === 2 && (labels.length === 3 || labels.slice(3).join('.') === 'cluster.local')) {
    return { name: labels[0]!, namespace: labels[1]! };
  }
  if (labels.length === 2 && !/\.(com|net|org|io|dev|cloud|internal|local)$/.test(host)) {
    return { name: labels[0]!, namespace: labels[1]! };
  }
  return undefined;
}

/** Reads a Secret key's value; the value never reaches a message. */
export async function secretValue(
  client: KubeClient,
  namespace: string,
  name: string,
  key: string,
): Promise<string> {
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    name,
  });
  if (secret === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        `Secret ${namespace}/${name} was not found; create it or fix the migration set's secret name.`,
      ),
    );
  }
  const b64 = secret.data?.[key];
  if (b64 === undefined) {
    const keys =
      Object.keys(secret.data ?? {})
        .sort()
        .join(', ') || 'none';
    throw new AgentFailure(
      agentError('NOT_FOUND', `Secret ${namespace}/${name} has no key ${key}; its keys are ${keys}.`),
    );
  }
  return Buffer.from(b64, 'base64').toString('utf8').trim();
}

export interface OpenedDatabase {
  /** The URL to connect with: the original, or rewritten to a local port-forward. */
  url: string;
  target: DatabaseTarget;
  close(): Promise<void>;
}

/**
 * Makes a database URL reachable from this machine: a host inside the cluster gets a port-forward to its
 * Service (resolved to a ready pod), kept for as long as the migration runs.
 */
export async function openDatabase(
  url: string,
  kube: { client: () => KubeClient; context: string; namespace: string } | undefined,
): Promise<OpenedDatabase> {
  const target = databaseTarget(url);
  const svc = kube === undefined ? undefined : clusterService(target.host, kube.namespace);
  if (svc === undefined || kube === undefined) return { url, target, close: async () => undefined };
  const client = kube.client();
  const forwards = new ForwardManager(() => client);
  const ac = new AbortController();
  try {
    const fwd = await forwards.start(
      {
        context: kube.context,
        namespace: svc.namespace,
        target: { kind: 'service', name: svc.name },
        port: target.port,
      },
      ac.signal,
    );
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(fwd.localPort);
    return {
      url: u.toString(),
      target: {
        ...target,
        via: `port-forward 127.0.0.1:${fwd.localPort} → service ${svc.namespace}/${svc.name}:${target.port}`,
      },
      close: () => forwards.close(),
    };
  } catch (e) {
    await forwards.close();
    if (e instanceof AgentFailure) {
      throw new AgentFailure(
        agentError(
          e.error.code,
          `The database host ${target.host} is inside the cluster, and the port-forward to it failed: ${e.error.message}`,
        ),
      );
    }
    throw e;
  }
}
