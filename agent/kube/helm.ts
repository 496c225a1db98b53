import { gunzipSync } from 'node:zlib';
import type { HelmRevision } from '../../protocol';
import type { Secret } from './objects';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = isRecord(cur) ? cur[k] : undefined;
  return cur;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Decodes Helm 3's storage record: the Secret's `release` value is base64 (as every Secret value is) of
 * Helm's own base64 of gzipped JSON. Helm writes uncompressed JSON too in old versions, so gzip is optional.
 */
export function decodeHelmRelease(secret: Secret): unknown {
  const outer = secret.data?.['release'];
  if (outer === undefined) return undefined;
  try {
    const helmEncoded = Buffer.from(outer, 'base64').toString('utf8');
    const bytes = Buffer.from(helmEncoded, 'base64');
    const json = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1] ? gunzipSync(bytes) : bytes;
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function isHelmReleaseSecret(secret: Secret): boolean {
  return secret.type === 'helm.sh/release.v1' && secret.metadata.labels?.['owner'] === 'helm';
}

/**
 * One Helm revision from its storage Secret. Only metadata is read: the release's values and manifest can
 * hold secrets and never leave this function. When the record cannot be decoded, the Secret's labels
 * (name, version, status) still describe the revision.
 */
export function helmRevisionFromSecret(secret: Secret): HelmRevision | undefined {
  if (!isHelmReleaseSecret(secret)) return undefined;
  const labels = secret.metadata.labels ?? {};
  const release = decodeHelmRelease(secret);
  const revision = Number(at(release, 'version') ?? labels['version']);
  const name = str(at(release, 'name')) || (labels['name'] ?? '');
  if (name === '' || !Number.isInteger(revision)) return undefined;
  const chart = at(release, 'chart', 'metadata');
  return {
    release: name,
    namespace: str(at(release, 'namespace')) || (secret.metadata.namespace ?? ''),
    revision,
    status: str(at(release, 'info', 'status')) || (labels['status'] ?? 'unknown'),
    chart: str(at(chart, 'name')),
    chartVersion: str(at(chart, 'version')),
    appVersion: str(at(chart, 'appVersion')),
    updatedAt:
      str(at(release, 'info', 'last_deployed')) ||
      str(at(release, 'info', 'first_deployed')) ||
      (secret.metadata.creationTimestamp ?? ''),
    description: str(at(release, 'info', 'description')),
  };
}
