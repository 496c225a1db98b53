import { gunzipSync, gzipSync } from 'node:zlib';
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

/**
 * Helm's encoding of a release, the exact inverse of decodeHelmRelease: JSON, gzipped, base64 (Helm's own
 * encoding), then base64 again because that is how every Secret value travels in the API. The result is
 * the Secret's `data.release`.
 */
export function encodeHelmRelease(release: unknown): string {
  const helmEncoded = gzipSync(Buffer.from(JSON.stringify(release), 'utf8')).toString('base64');
  return Buffer.from(helmEncoded, 'utf8').toString('base64');
}

/** Labels Helm's storage drivers own; every other label on a record is the release's own (Release.Labels). */
export const HELM_SYSTEM_LABELS: readonly string[] = [
  'name',
  'owner',
  'status',
  'version',
  'createdAt',
  'modifiedAt',
];

export interface HelmChartMetadata {
  name: string;
  version: string;
  appVersion: string;
}

export interface HelmReleaseInfo {
  first_deployed: string;
  last_deployed: string;
  deleted: string;
  description: string;
  status: string;
  notes?: string;
}

/**
 * One whole Helm 3 release record (pkg/release/release.go). The chart, the values (`config`) and the hooks
 * are kept as the JSON Helm wrote so that copying them into a new revision loses nothing; `config` can hold
 * secrets and must never be logged or put into a message.
 */
export interface HelmRelease {
  name: string;
  namespace: string;
  version: number;
  info: HelmReleaseInfo;
  chart: Json;
  chartMetadata: HelmChartMetadata;
  config: Json;
  manifest: string;
  hooks: unknown[];
  /** Release.Labels: not part of the JSON (`json:"-"`), stored as the Secret's non-system labels. */
  labels: Record<string, string>;
}

/** The whole release stored in a Helm Secret, or undefined when the Secret is not a readable Helm record. */
export function readHelmRelease(secret: Secret): HelmRelease | undefined {
  if (!isHelmReleaseSecret(secret)) return undefined;
  const raw = decodeHelmRelease(secret);
  if (!isRecord(raw)) return undefined;
  const version = at(raw, 'version');
  const name = str(at(raw, 'name'));
  if (typeof version !== 'number' || !Number.isInteger(version) || name === '') return undefined;
  const info = at(raw, 'info');
  const chart = at(raw, 'chart');
  const config = at(raw, 'config');
  const hooks = at(raw, 'hooks');
  const notes = at(info, 'notes');
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.metadata.labels ?? {})) {
    if (!HELM_SYSTEM_LABELS.includes(k)) labels[k] = v;
  }
  return {
    name,
    namespace: str(at(raw, 'namespace')) || (secret.metadata.namespace ?? ''),
    version,
    info: {
      first_deployed: str(at(info, 'first_deployed')),
      last_deployed: str(at(info, 'last_deployed')),
      deleted: str(at(info, 'deleted')),
      description: str(at(info, 'description')),
      status: str(at(info, 'status')),
      ...(typeof notes === 'string' ? { notes } : {}),
    },
    chart: isRecord(chart) ? chart : {},
    chartMetadata: {
      name: str(at(chart, 'metadata', 'name')),
      version: str(at(chart, 'metadata', 'version')),
      appVersion: str(at(chart, 'metadata', 'appVersion')),
    },
    config: isRecord(config) ? config : {},
    manifest: str(at(raw, 'manifest')),
    hooks: Array.isArray(hooks) ? (hooks as unknown[]) : [],
    labels,
  };
}

/**
 * The JSON Helm would write for a release, with its fields in the order and `omitempty` behaviour of Go's
 * encoding/json over release.Release (labels are `json:"-"`; an unset `deleted` time is "").
 */
export function helmReleaseJson(r: HelmRelease): Json {
  const info: Json = {
    first_deployed: r.info.first_deployed,
    last_deployed: r.info.last_deployed,
    deleted: r.info.deleted,
  };
  if (r.info.description !== '') info['description'] = r.info.description;
  if (r.info.status !== '') info['status'] = r.info.status;
  if (r.info.notes !== undefined && r.info.notes !== '') info['notes'] = r.info.notes;
  const out: Json = { name: r.name, info, chart: r.chart };
  if (Object.keys(r.config).length > 0) out['config'] = r.config;
  if (r.manifest !== '') out['manifest'] = r.manifest;
  if (r.hooks.length > 0) out['hooks'] = r.hooks;
  out['version'] = r.version;
  if (r.namespace !== '') out['namespace'] = r.namespace;
  return out;
}

/**
 * A time as Go's encoding/json writes Helm's timestamps (RFC 3339 with nanoseconds, trailing zeros of the
 * fraction dropped). Always UTC: the offset Helm would write is the helm client's local zone, which says
 * nothing about the release.
 */
export function helmTime(d: Date): string {
  const iso = d.toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}
