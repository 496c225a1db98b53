import { strict as assert } from 'node:assert';
import type { KubeObject } from '../kube/objects';
import { floatingImages, requiredReferences } from './preflight';

const deployment = (spec: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api' },
    spec: { template: { spec } },
  }) as KubeObject;

describe('preflight checks on manifests', () => {
  it('finds the ConfigMaps and Secrets a pod needs, leaving optional ones out', () => {
    const refs = requiredReferences(
      deployment({
        containers: [
          {
            name: 'api',
            env: [
              { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
              { name: 'X', valueFrom: { configMapKeyRef: { name: 'maybe', key: 'x', optional: true } } },
            ],
            envFrom: [{ configMapRef: { name: 'api-config' } }],
          },
        ],
        volumes: [{ name: 'tls', secret: { secretName: 'tls' } }],
        imagePullSecrets: [{ name: 'ghcr' }],
      }),
    );
    assert.deepEqual([...refs.configMaps], ['api-config']);
    assert.deepEqual([...refs.secrets].sort(), ['db', 'ghcr', 'tls']);
  });

  it('flags images without a pinned tag (none or latest), not registry ports or digests', () => {
    const images = floatingImages(
      deployment({
        containers: [
          { name: 'a', image: 'registry:5000/team/api' },
          { name: 'b', image: 'nginx:latest' },
          { name: 'c', image: 'ghcr.io/x/y:1.2.3' },
          { name: 'd', image: 'ghcr.io/x/z@sha256:abc' },
        ],
      }),
    );
    assert.deepEqual(images, ['registry:5000/team/api', 'nginx:latest']);
  });
});
