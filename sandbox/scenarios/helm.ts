import { gzipSync } from 'node:zlib';
import type { KObject } from '../types';

export interface HelmRevision {
  version: number;
  status: 'deployed' | 'superseded' | 'failed' | 'uninstalled';
  description: string;
  chartVersion: string;
  appVersion: string;
  values: Record<string, unknown>;
  manifest: string;
  deployedAt: string;
}

/**
 * A Helm 3 release revision stored the way Helm's Secret driver stores it: Secret
 * `sh.helm.release.v1.<name>.v<N>` of type `helm.sh/release.v1`, whose `release` key holds
 * base64(gzip(JSON of the release)) — and the API, as for every Secret, base64-encodes that again.
 */
export function helmReleaseSecret(
  name: string,
  namespace: string,
  chart: string,
  rev: HelmRevision,
  firstDeployed: string,
): KObject {
  const release = {
    name,
    namespace,
    version: rev.version,
    info: {
      first_deployed: firstDeployed,
      last_deployed: rev.deployedAt,
      deleted: '',
      description: rev.description,
      status: rev.status,
    },
    chart: {
      metadata: {
        name: chart,
        version: rev.chartVersion,
        appVersion: rev.appVersion,
        apiVersion: 'v2',
        description: `A Helm chart for ${chart}`,
        type: 'application',
      },
      lock: null,
      templates: [],
      values: { replicaCount: 1, image: { repository: `ghcr.io/demo/${chart}`, tag: '' } },
      schema: null,
      files: [],
    },
    config: rev.values,
    manifest: rev.manifest,
    hooks: [],
  };
  const helmEncoded = gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `sh.helm.release.v1.${name}.v${rev.version}`,
      namespace,
      labels: { name, owner: 'helm', status: rev.status, version: String(rev.version) },
    },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(helmEncoded).toString('base64') },
  };
}
