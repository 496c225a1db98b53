import { parseAllDocuments } from 'yaml';
import {
  AgentFailure,
  agentError,
  type AppliedObject,
  type HelmRevision,
  type PlanEvent,
} from '../../protocol';
import type { KubeClient, ObjectRef } from '../kube/client';
import {
  decodeHelmRelease,
  encodeHelmRelease,
  type HelmRelease,
  helmReleaseJson,
  helmRevisionFromSecret,
  helmTime,
  readHelmRelease,
} from '../kube/helm';
import type { KubeObject, Secret } from '../kube/objects';

/**
 * Helm 3 releases as Helm's Secret storage driver keeps them (pkg/storage/driver/secrets.go): one Secret
 * `sh.helm.release.v1.<name>.v<version>` of type `helm.sh/release.v1` per revision. Reading and writing
 * them directly lets Slipway show history and roll a release back the way `helm rollback` does
 * (pkg/action/rollback.go) without the helm binary.
 */

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm stamps every object it applies so that a later install or upgrade recognises it as the release's. */
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name';
const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace';
const RESOURCE_POLICY_ANNOTATION = 'helm.sh/resource-policy';

export function helmSecretName(release: string, version: number): string {
  return `sh.helm.release.v1.${release}.v${version}`;
}

export function unixSeconds(d: Date): string {
  return String(Math.floor(d.getTime() / 1000));
}

/**
 * The storage Secret of a release, labelled as Helm's driver labels it: the release's own labels, then
 * name/owner/status/version, which the release's labels cannot override. `driverLabels` carries
 * `createdAt` (Create) or `modifiedAt` (Update); Update starts from fresh labels, so it drops `createdAt`.
 */
export function helmStorageSecret(
  namespace: string,
  name: string,
  version: number,
  status: string,
  json: Json,
  labels: Record<string, string>,
  driverLabels: Record<string, string>,
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: helmSecretName(name, version),
      namespace,
      labels: { ...driverLabels, ...labels, name, owner: 'helm', status, version: String(version) },
    },
    type: 'helm.sh/release.v1',
    data: { release: encodeHelmRelease(json) },
  };
}

function revisionsRange(releases: readonly HelmRelease[]): string {
  const first = releases[0]?.version ?? 0;
  const last = releases[releases.length - 1]?.version ?? 0;
  return first === last ? `${first}` : `${first}–${last}`;
}

/**
 * Which revision a rollback starts from and goes to, as `helm rollback` decides: the current revision is
 * the latest one whatever its status, and the default target is the one numbered just below it.
 * `releases` must be sorted by version and non-empty.
 */
export function chooseRollback(
  releases: readonly HelmRelease[],
  toRevision: number | undefined,
): { current: HelmRelease; target: HelmRelease } {
  const current = releases[releases.length - 1];
  if (current === undefined) throw new Error('chooseRollback needs at least one release');
  const name = current.name;
  if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 0)) {
    throw new AgentFailure(
      agentError('INVALID', `Revision ${toRevision} is not a revision number; use a whole number above 0.`),
    );
  }
  // Helm treats revision 0 as "not given".
  const wanted = toRevision === undefined || toRevision === 0 ? current.version - 1 : toRevision;
  const target = releases.find((r) => r.version === wanted);
  if (target === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        wanted < 1
          ? `Release ${name} has only revision ${current.version}; there is no earlier revision to roll back to.`
          : `Release ${name} has no revision ${wanted}; its revisions are ${revisionsRange(releases)}.`,
      ),
    );
  }
  if (target.version === current.version) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `Release ${name} is already at revision ${current.version}; choose an earlier revision to roll back to.`,
      ),
    );
  }
  return { current, target };
}

/**
 * The record a rollback creates, as rollback.go's prepareRollback builds it: the target's chart, values,
 * manifest, hooks, notes and labels, the current revision's first-deployed time, numbered one above the
 * latest revision and pending until the resources are updated.
 */
export function rollbackRecord(current: HelmRelease, target: HelmRelease, now: Date): HelmRelease {
  return {
    name: current.name,
    namespace: current.namespace,
    version: current.version + 1,
    info: {
      first_deployed: current.info.first_deployed,
      last_deployed: helmTime(now),
      deleted: '',
      description: `Rollback to ${target.version}`,
      status: 'pending-rollback',
      ...(target.info.notes === undefined ? {} : { notes: target.info.notes }),
    },
    chart: target.chart,
    chartMetadata: target.chartMetadata,
    config: target.config,
    manifest: target.manifest,
    hooks: target.hooks,
    labels: target.labels,
  };
}

/** The objects of a rendered manifest; a document that is not YAML makes the whole manifest unusable. */
export function manifestObjects(manifest: string, release: string, version: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const bad = doc.errors[0];
    if (bad !== undefined) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `The manifest stored in revision ${version} of release ${release} is not valid YAML.`,
          bad.message,
        ),
      );
    }
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    const metadata = isRecord(v) ? v['metadata'] : undefined;
    if (
      !isRecord(v) ||
      typeof v['apiVersion'] !== 'string' ||
      typeof v['kind'] !== 'string' ||
      !isRecord(metadata) ||
      typeof metadata['name'] !== 'string'
    ) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `The manifest stored in revision ${version} of release ${release} holds a document that is not a Kubernetes object.`,
        ),
      );
    }
    out.push(v as unknown as KubeObject);
  }
  return out;
}

/**
 * The identity Helm's ResourceList.Difference compares: group, kind, namespace and name. The version is
 * left out so that an object whose apiVersion moved between chart versions is updated, not deleted.
 */
export function resourceKey(o: KubeObject): string {
  const apiVersion = o.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${group}|${o.kind ?? ''}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** The objects of `current` that `target` no longer has: the ones a rollback deletes. */
export function removedObjects(current: readonly KubeObject[], target: readonly KubeObject[]): KubeObject[] {
  const kept = new Set(target.map(resourceKey));
  return current.filter((o) => !kept.has(resourceKey(o)));
}

/** Helm's ownership metadata (setMetadataVisitor), added to every object the rollback applies. */
export function withHelmOwnership(o: KubeObject, release: string, namespace: string): KubeObject {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      labels: { ...o.metadata.labels, [MANAGED_BY_LABEL]: 'Helm' },
      annotations: {
        ...o.metadata.annotations,
        [RELEASE_NAME_ANNOTATION]: release,
        [RELEASE_NAMESPACE_ANNOTATION]: namespace,
      },
    },
  };
}

function refTo(o: KubeObject): ObjectRef {
  return {
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    name: o.metadata.name,
    ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
  };
}

function appliedObject(o: KubeObject, action: AppliedObject['action']): AppliedObject {
  return {
    kind: o.kind ?? '',
    name: o.metadata.name,
    ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
    action,
  };
}

function describe(o: KubeObject): string {
  return `${(o.kind ?? '').toLowerCase()}/${o.metadata.name}`;
}

interface StoredRelease {
  secret: Secret;
  /** The JSON as stored, so a status change rewrites the record without dropping fields we do not model. */
  json: Json;
  release: HelmRelease;
}

async function storedReleases(
  client: KubeClient,
  namespace: string,
  release: string,
  signal: AbortSignal | undefined,
): Promise<StoredRelease[]> {
  const secrets = await client.list<Secret>('v1', 'Secret', namespace, {
    labelSelector: `owner=helm,name=${release}`,
    ...(signal === undefined ? {} : { signal }),
  });
  const out: StoredRelease[] = [];
  for (const secret of secrets) {
    const parsed = readHelmRelease(secret);
    const json = decodeHelmRelease(secret);
    if (parsed === undefined || !isRecord(json) || parsed.name !== release) continue;
    out.push({ secret, json, release: parsed });
  }
  return out.sort((a, b) => a.release.version - b.release.version);
}

function noRelease(release: string, namespace: string): AgentFailure {
  return new AgentFailure(
    agentError('NOT_FOUND', `Helm release ${release} has no records in namespace ${namespace}.`),
  );
}

/** The revisions of a release, oldest first, as `helm history` lists them. Values never leave the agent. */
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

/** Rewrites a stored revision's status in its JSON and label, as the driver's Update does. */
async function recordStatus(
  client: KubeClient,
  namespace: string,
  stored: StoredRelease,
  status: string,
  description: string | undefined,
): Promise<void> {
  const info: Json = { ...(isRecord(stored.json['info']) ? stored.json['info'] : {}), status };
  if (description !== undefined) info['description'] = description;
  const json: Json = { ...stored.json, info };
  const { name, version, labels } = stored.release;
  const secret = helmStorageSecret(namespace, name, version, status, json, labels, {
    modifiedAt: unixSeconds(new Date()),
  });
  // Helm updates its records unconditionally (no resourceVersion); the new revision's number, claimed by
  // create, is what keeps two rollbacks of one release apart.
  stored.secret = await client.replace<Secret>(secret);
  stored.json = json;
  stored.release = { ...stored.release, info: { ...stored.release.info, status } };
}

export interface HelmRollbackResult {
  release: string;
  fromRevision: number;
  toRevision: number;
  newRevision: number;
  applied: AppliedObject[];
  deleted: AppliedObject[];
}

/**
 * `helm rollback RELEASE [REVISION]` without hooks: the target's chart, values and manifest become a new
 * revision (the highest + 1), recorded first as pending-rollback; the target's objects are applied and
 * those only the current revision had are deleted; then every deployed revision is marked superseded and
 * the new one deployed. When the resources cannot be updated the new revision is recorded as failed and
 * the current one superseded, as Helm does, and the error is rethrown.
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
  const { namespace, release, signal } = opts;
  const withSignal = signal === undefined ? {} : { signal };
  const note = (message: string, level: 'info' | 'warning' = 'info'): void =>
    opts.onEvent?.({ type: 'note', level, message, at: new Date().toISOString() });

  const stored = await storedReleases(client, namespace, release, signal);
  if (stored.length === 0) throw noRelease(release, namespace);
  const { current, target } = chooseRollback(
    stored.map((s) => s.release),
    opts.toRevision,
  );
  const currentStored = stored.find((s) => s.release.version === current.version);
  if (currentStored === undefined) throw new Error('the current revision vanished from its own history');

  // Both manifests are read, and every kind resolved, before anything is written: a record Helm cannot
  // act on should not leave a pending revision behind.
  const resolve = async (objects: KubeObject[]): Promise<KubeObject[]> => {
    for (const o of objects) {
      if (o.metadata.namespace === undefined && (await client.namespaced(o.apiVersion ?? '', o.kind ?? ''))) {
        o.metadata.namespace = namespace;
      }
    }
    return objects;
  };
  const currentObjects = await resolve(manifestObjects(current.manifest, release, current.version));
  const targetObjects = await resolve(manifestObjects(target.manifest, release, target.version));
  const toDelete = removedObjects(currentObjects, targetObjects);
  if (target.hooks.length > 0) {
    note(
      `Revision ${target.version} defines Helm hooks; Slipway does not run them during a rollback.`,
      'warning',
    );
  }

  const next = rollbackRecord(current, target, new Date());
  const nextJson = helmReleaseJson(next);
  note(
    `Recording revision ${next.version} of ${release} (rollback from ${current.version} to ${target.version}).`,
  );
  const created = await client.create<Secret>(
    helmStorageSecret(namespace, release, next.version, next.info.status, nextJson, next.labels, {
      createdAt: unixSeconds(new Date()),
    }),
    withSignal,
  );
  const nextStored: StoredRelease = { secret: created, json: nextJson, release: next };

  const applied: AppliedObject[] = [];
  const deleted: AppliedObject[] = [];
  try {
    for (const o of targetObjects) {
      const before = await client.get(refTo(o), signal);
      const after = await client.apply(withHelmOwnership(o, release, namespace), {
        force: true,
        ...withSignal,
      });
      const action: AppliedObject['action'] =
        before === undefined
          ? 'created'
          : before.metadata.resourceVersion === after.metadata.resourceVersion
            ? 'unchanged'
            : 'configured';
      applied.push(appliedObject(o, action));
    }
    note(`Applied the ${applied.length} objects of revision ${target.version}.`);
    for (const o of toDelete) {
      const live = await client.get(refTo(o), signal);
      if (live === undefined) continue;
      if (live.metadata.annotations?.[RESOURCE_POLICY_ANNOTATION] === 'keep') {
        note(`Kept ${describe(o)}: it is annotated ${RESOURCE_POLICY_ANNOTATION}=keep.`);
        continue;
      }
      await client.delete(refTo(o));
      deleted.push(appliedObject(o, 'configured'));
      note(`Deleted ${describe(o)}, which revision ${target.version} does not have.`);
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    note(`Rollback of ${release} failed; recording revision ${next.version} as failed.`, 'warning');
    try {
      await recordStatus(client, namespace, currentStored, 'superseded', undefined);
      await recordStatus(client, namespace, nextStored, 'failed', `Rollback "${release}" failed: ${why}`);
    } catch (recordError) {
      const cause = recordError instanceof Error ? recordError.message : String(recordError);
      note(`The failed rollback could not be recorded either: ${cause}`, 'warning');
    }
    throw e;
  }

  // Helm supersedes every deployed revision, not only the latest, so that exactly one stays deployed.
  for (const s of stored.filter((x) => x.release.info.status === 'deployed')) {
    await recordStatus(client, namespace, s, 'superseded', undefined);
  }
  await recordStatus(client, namespace, nextStored, 'deployed', next.info.description);
  note(`Release ${release} is at revision ${next.version} (${next.info.description}).`);
  return {
    release,
    fromRevision: current.version,
    toRevision: target.version,
    newRevision: next.version,
    applied,
    deleted,
  };
}
