import type { Sandbox } from '../sandbox';
import type { KObject } from '../types';
import { applyObject } from './apply';

const PODS_PER_DEPLOYMENT = 10;
const DEPLOYMENTS_PER_NAMESPACE = 50;

/**
 * `scale:N`: N pods as N/10 deployments of 10 replicas over namespaces of 50 deployments each. Pods carry
 * no probes and write no background logs, so ten thousand of them stay cheap; their ports bind lazily.
 */
export function loadScale(sandbox: Sandbox, pods: number): void {
  const deployments = Math.ceil(pods / PODS_PER_DEPLOYMENT);
  for (let d = 0; d < deployments; d++) {
    const ns = `scale-${String(Math.floor(d / DEPLOYMENTS_PER_NAMESPACE)).padStart(3, '0')}`;
    if (d % DEPLOYMENTS_PER_NAMESPACE === 0)
      applyObject(sandbox, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const replicas = Math.min(PODS_PER_DEPLOYMENT, pods - d * PODS_PER_DEPLOYMENT);
    const name = `svc-${String(d).padStart(4, '0')}`;
    const obj: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: { app: name } },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: `registry.local/${name}:1.0.${d % 7}`,
                ports: [{ containerPort: 8080 }],
                env: [{ name: 'SANDBOX_LOG_RATE', value: '0' }],
              },
            ],
          },
        },
      },
    };
    applyObject(sandbox, obj);
  }
}
