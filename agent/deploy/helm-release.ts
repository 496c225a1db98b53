import { gzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import {
  AgentFailure,
  agentError,
  type AppliedObject,
  type HelmRevision,
  type PlanEvent,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import { decodeHelmRelease, helmRevisionFromSecret } from '../kube/helm';
import type { KubeObject, Secret } from '../kube/objects';

/**
 * Helm 3 releases as Helm's Secret storage driver keeps them (pkg/storage/driver/secrets.go): one Secret
 * `sh.helm.release.v1.<name>.v<version>` of type `helm.sh/release.v1` per revision, labelled
 * name/owner/status/version, holding base64(gzip(JSON)) of the release. Reading and writing them directly
 * lets Slipway roll a release back the way `helm rollback` does, without the helm binary.
 */

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface StoredRelease {
  secret: Secret;
  /** The decoded release JSON; its values may hold secrets and never leave this module. */
  release: Json;
  version: number;
  status: string;
}

/** Helm's own encoding of a release (the inverse of decodeHelmRelease): base64 of gzipped JSON. */
export function encodeHelmRelease(release: Json): string {
  return gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
}

function secretName(release: string, version: number): string {
  return `sh.helm.release.v1.${release}.v${version}`;
}

/** Helm's timestamps: RFC 3339 with the local offset; UTC here, as the agent cannot know the cluster's. */
function helmTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function unixSeconds(d: Date): string {
  return String(Math.floor(d.getTime() / 1000));
}

async function storedReleases(
  client: KubeClient,
  namespace: string,
  release: string,
  signal?: AbortSignal,
): Promise<StoredRelease[]> {
  const secrets = await client.list<Secret>('v1', 'Secret', namespace, {
    labelSelector: `owner=helm,name=${release}`,
    ...(signal === undefined ? {} : { signal }),
  });
  const out: StoredRelease[] = [];
  for (const secret of secrets) {
    if (secret.type !== 'helm.sh/release.v1') continue;
    const decoded = decodeHelmRelease(secret);
    if (!isRecord(decoded)) continue;
    const version = Number(decoded['version']);
    const info = isRecord(decoded['info']) ? decoded['info'] : {};
    if (!Number.isInteger(version)) continue;
    out.push({ secret, release: decoded, version, status: String(info['status'] ?? '') });
  }
  return out.sort((a, b) => a.version - b.version);
}

export async function helmHistory(
  client: KubeClient,
  namespace: string,
  release: string,
  signal?: AbortSignal,
): Promise<HelmRevision[]> {
  const stored = await storedReleases(client, namespace, release, signal);
  if (stored.length === 0) throw noRelease(release, namespace);
  return stored
    .map((s) => helmRevisionFromSecret(s.secret))
    .filter((r): r is HelmRevision => r !== undefined);
}

function noRelease(release: string, namespace: string): AgentFailure {
  return new AgentFailure(
    agentError(
      'NOT_FOUND',
      `Helm release ${release} has no records in namespace ${namespace}. Check the release name and namespace (helm list -n ${namespace}).`,
    ),
  );
}

export interface HelmRollbackResult {
  release: string;
  fromRevision: number;
  toRevision: number;
  newRevision: number;
  applied: AppliedObject[];
  deleted: AppliedObject[];
}

function manifestObjects(manifest: unknown): KubeObject[] {
  if (typeof manifest !== 'string') return [];
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const v: unknown = doc.toJS();
    if (isRecord(v) && isRecord(v['metadata']) && typeof v['kind'] === 'string')
      out.push(v as unknown as KubeObject);
  }
  return out;
}

function key(o: KubeObject): string {
  return `${o.apiVersion ?? ''}|${o.kind ?? ''}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** The Secret that stores one release revision, with the labels Helm's Secrets driver sets. */
function releaseSecret(
  namespace: string,
  release: Json,
  status: string,
  labels: Record<string, string>,
): Secret {
  const name = String(release['name']);
  const version = Number(release['version']);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName(name, version),
      namespace,
      labels: { ...labels, name, owner: 'helm', status, version: String(version) },
    },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(encodeHelmRelease(release)).toString('base64') },
  } as Secret;
}

/** Rewrites a stored revision's status (JSON and label), as Helm's storage Update does. */
async function updateStatus(
  client: KubeClient,
  namespace: string,
  stored: { release: Json; secret: Secret },
  status: string,
  description: string | undefined,
  now: Date,
): Promise<void> {
  const info: Json = { ...(isRecord(stored.release['info']) ? stored.release['info'] : {}), status };
  if (description !== undefined) info['description'] = description;
  const release = { ...stored.release, info };
  const labels = { ...(stored.secret.metadata.labels ?? {}), modifiedAt: unixSeconds(now) };
  const secret = releaseSecret(namespace, release, status, labels);
  if (stored.secret.metadata.resourceVersion !== undefined) {
    secret.metadata.resourceVersion = stored.secret.metadata.resourceVersion;
  }
  const written = await client.replace<Secret>(secret);
  stored.secret = written;
  stored.release = release;
}

/**
 * `helm rollback RELEASE [REVISION]` (pkg/action/rollback.go): the target's chart, values and manifest
 * become a new revision (the history's highest + 1), recorded first as pending-rollback; its resources are
 * applied and those only the current revision had are deleted; then the previously deployed revision is
 * marked superseded and the new one deployed ("Rollback to N"). A failure records the new revision as
 * failed, as Helm does.
 */
export async function rollbackHelmRelease(
  client: KubeClient,
  opts: {
    namespace: string;
    release: string;
    toRevision?: number;
    signal?: AbortSignal;
    onEvent?: (e: PlanEvent) => void;
  },
): Promise<HelmRollbackResult> {
  const { namespace, release } = opts;
  const note = (message: string): void =>
    opts.onEvent?.({ type: 'note', level: 'info', message, at: new Date().toISOString() });
  const stored = await storedReleases(client, namespace, release, opts.signal);
  const latest = stored[stored.length - 1];
  if (latest === undefined) throw noRelease(release, namespace);
  const deployed = [...stored].reverse().find((s) => s.status === 'deployed') ?? latest;
  const targetVersion =
    opts.toRevision !== undefined && opts.toRevision > 0 ? opts.toRevision : latest.version - 1;
  const target = stored.find((s) => s.version === targetVersion);
  if (target === undefined) {
    const range = `${stored[0]?.version ?? 1}–${latest.version}`;
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        targetVersion < 1
          ? `Release ${release} has no revision before ${latest.version} to roll back to.`
          : `Release ${release} has no revision ${targetVersion}; its revisions are ${range}.`,
      ),
    );
  }
  if (target.version === deployed.version && deployed.status === 'deployed') {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `Release ${release} already runs revision ${target.version}; pick another revision.`,
      ),
    );
  }

  const now = new Date();
  const newVersion = latest.version + 1;
  const description = `Rollback to ${target.version}`;
  const currentInfo = isRecord(deployed.release['info']) ? deployed.release['info'] : {};
  const targetInfo = isRecord(target.release['info']) ? target.release['info'] : {};
  const next: Json = {
    ...target.release,
    version: newVersion,
    info: {
      ...targetInfo,
      first_deployed: currentInfo['first_deployed'] ?? targetInfo['first_deployed'],
      last_deployed: helmTime(now),
      deleted: '',
      description,
      status: 'pending-rollback',
    },
  };
  note(`Recording revision ${newVersion} of ${release} as pending-rollback`);
  const created = await client.create<Secret>(
    releaseSecret(namespace, next, 'pending-rollback', { createdAt: unixSeconds(now) }),
  );
  const record = { release: next, secret: created };

  const applied: AppliedObject[] = [];
  const deleted: AppliedObject[] = [];
  try {
    const wanted = manifestObjects(target.release['manifest']);
    for (const o of wanted) {
      if (o.metadata.namespace === undefined && (await client.namespaced(o.apiVersion ?? '', o.kind ?? ''))) {
        o.metadata.namespace = namespace;
      }
      await client.apply(o, { force: true, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
      applied.push({
        kind: o.kind ?? '',
        name: o.metadata.name,
        ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
        action: 'configured',
      });
      note(`Applied ${o.kind ?? ''} ${o.metadata.name}`);
    }
    const keep = new Set(wanted.map(key));
    for (const o of manifestObjects(deployed.release['manifest'])) {
      if (o.metadata.namespace === undefined && (await client.namespaced(o.apiVersion ?? '', o.kind ?? ''))) {
        o.metadata.namespace = namespace;
      }
      if (keep.has(key(o))) continue;
      await client.delete({
        apiVersion: o.apiVersion ?? '',
        kind: o.kind ?? '',
        namespace: o.metadata.namespace,
        name: o.metadata.name,
      });
      deleted.push({
        kind: o.kind ?? '',
        name: o.metadata.name,
        ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
        action: 'configured',
      });
      note(`Deleted ${o.kind ?? ''} ${o.metadata.name}, which revision ${target.version} does not have`);
    }
  } catch (e) {
    const why = e instanceof AgentFailure ? e.error.message : e instanceof Error ? e.message : String(e);
    await updateStatus(
      client,
      namespace,
      record,
      'failed',
      `Rollback "${release}" failed: ${why}`,
      new Date(),
    ).catch(() => undefined);
    throw e;
  }

  // Every revision that was deployed is superseded now, as Helm's rollback leaves exactly one deployed.
  for (const s of stored.filter((x) => x.status === 'deployed')) {
    await updateStatus(client, namespace, s, 'superseded', undefined, new Date());
  }
  await updateStatus(client, namespace, record, 'deployed', description, new Date());
  return {
    release,
    fromRevision: deployed.version,
    toRevision: target.version,
    newRevision: newVersion,
    applied,
    deleted,
  };
}
