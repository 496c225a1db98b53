import type { Sandbox } from '../sandbox';
import { rfc3339 } from '../store';
import { applyManifests, applyObject, waitUntil } from './apply';
import { helmReleaseSecret } from './helm';

function deployment(
  name: string,
  ns: string,
  image: string,
  port: number,
  opts: { replicas?: number; probes?: [string, string]; cause?: string; env?: string } = {},
): string {
  const probes =
    opts.probes === undefined
      ? ''
      : `
          livenessProbe:
            httpGet: { path: ${opts.probes[0]}, port: ${port} }
            initialDelaySeconds: 5
            periodSeconds: 10
          readinessProbe:
            httpGet: { path: ${opts.probes[1]}, port: ${port} }
            initialDelaySeconds: 2
            periodSeconds: 5`;
  const env =
    opts.env === undefined
      ? ''
      : `
          env:
            - { name: SANDBOX_BEHAVIOR, value: "${opts.env}" }`;
  const cause =
    opts.cause === undefined
      ? ''
      : `
  annotations:
    kubernetes.io/change-cause: "${opts.cause}"`;
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: { app: ${name}, app.kubernetes.io/part-of: shop }${cause}
spec:
  replicas: ${opts.replicas ?? 2}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata:
      labels: { app: ${name}, app.kubernetes.io/part-of: shop }
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports: [{ name: http, containerPort: ${port} }]
          envFrom:
            - configMapRef: { name: shop-config }
            - secretRef: { name: shop-secrets }${env}
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }${probes}
`;
}

function service(name: string, ns: string, port: number): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: ${port}, targetPort: ${port} }]
`;
}

const BASE = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { app.kubernetes.io/part-of: shop } }
---
apiVersion: v1
kind: Namespace
metadata: { name: data }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: shop-config, namespace: shop }
data:
  LOG_LEVEL: info
  CORE_URL: http://core:4002
  DATABASE_HOST: postgres.data.svc.cluster.local
---
apiVersion: v1
kind: Secret
metadata: { name: shop-secrets, namespace: shop }
type: Opaque
stringData:
  DATABASE_URL: postgres://shop:s3cr3t-demo-password@postgres.data:5432/shop?sslmode=require
  JWT_SECRET: demo-jwt-signing-key
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: postgres, namespace: data, labels: { app: postgres } }
spec:
  serviceName: postgres
  replicas: 1
  selector: { matchLabels: { app: postgres } }
  template:
    metadata: { labels: { app: postgres } }
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          ports: [{ name: pg, containerPort: 5432 }]
          env: [{ name: SANDBOX_LOG_RATE, value: "0.2" }]
---
apiVersion: v1
kind: Service
metadata: { name: postgres, namespace: data, labels: { app: postgres } }
spec:
  selector: { app: postgres }
  ports: [{ name: pg, port: 5432, targetPort: 5432 }]
`;

const EDGE = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop-ingress, namespace: shop }
spec:
  ingressClassName: nginx
  rules:
    - host: shop.sandbox.local
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: gateway, port: { number: 4000 } } } }
          - { path: /api/payments, pathType: Prefix, backend: { service: { name: payments, port: { number: 8080 } } } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: gateway, namespace: shop }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: gateway }
  minReplicas: 2
  maxReplicas: 6
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`;

function paymentsManifest(tag: string): string {
  return `---
# Source: payments/templates/service.yaml
${service('payments', 'shop', 8080).trim()}
---
# Source: payments/templates/deployment.yaml
${deployment('payments', 'shop', `ghcr.io/demo/payments:${tag}`, 8080, { replicas: 1, probes: ['/health', '/ready'] }).trim()}
`;
}

/**
 * A small shop modelled on the seeds: gateway → core → postgres, a background worker, a Helm-installed
 * payments service, an ingress and an HPA, a crash-looping mailer, and some rollout history.
 */
export async function loadDemo(sandbox: Sandbox): Promise<void> {
  const { store, registry } = sandbox.server;
  const rsType = registry.lookup('apps', 'v1', 'replicasets')!;
  const revisions = (ns: string, app: string): number =>
    store.list(rsType, ns).filter((rs) => rs.metadata.labels?.['app'] === app).length;

  applyManifests(sandbox, BASE);
  applyManifests(
    sandbox,
    deployment('gateway', 'shop', 'ghcr.io/demo/gateway:1.4.0', 4000, {
      probes: ['/health/live', '/health/ready'],
      cause: 'initial release',
    }),
  );
  applyManifests(
    sandbox,
    deployment('core', 'shop', 'ghcr.io/demo/core:2.0.0', 4002, {
      probes: ['/health', '/health'],
      cause: 'initial release',
    }),
  );
  applyManifests(
    sandbox,
    deployment('worker', 'shop', 'ghcr.io/demo/worker:2.0.0', 9090, { replicas: 1, env: 'latency:20' }),
  );
  applyManifests(
    sandbox,
    deployment('mailer', 'shop', 'ghcr.io/demo/mailer:0.9.1-crash', 8025, { replicas: 1 }),
  );
  applyManifests(
    sandbox,
    service('gateway', 'shop', 4000) + '---' + service('core', 'shop', 4002) + '---' + EDGE,
  );

  // History: two more core releases and one gateway release, each after the previous one was picked up.
  await waitUntil(() => revisions('shop', 'core') === 1, 10_000, 'core revision 1');
  applyManifests(
    sandbox,
    deployment('core', 'shop', 'ghcr.io/demo/core:2.1.0', 4002, {
      probes: ['/health', '/health'],
      cause: 'orders: add refunds',
    }),
  );
  await waitUntil(() => revisions('shop', 'core') === 2, 10_000, 'core revision 2');
  applyManifests(
    sandbox,
    deployment('core', 'shop', 'ghcr.io/demo/core:2.2.0', 4002, {
      probes: ['/health', '/health'],
      cause: 'orders: faster search',
    }),
  );
  await waitUntil(() => revisions('shop', 'gateway') === 1, 10_000, 'gateway revision 1');
  applyManifests(
    sandbox,
    deployment('gateway', 'shop', 'ghcr.io/demo/gateway:1.5.0', 4000, {
      probes: ['/health/live', '/health/ready'],
      cause: 'rate limiting',
    }),
  );

  // Helm: payments installed at 3.1.0, then upgraded to 3.2.0 (revision 2 deployed, 1 superseded).
  applyManifests(sandbox, paymentsManifest('3.2.0'));
  const now = store.clock.now();
  const first = rfc3339(now - 2 * 86_400_000);
  applyObject(
    sandbox,
    helmReleaseSecret(
      'payments',
      'shop',
      'payments',
      {
        version: 1,
        status: 'superseded',
        description: 'Install complete',
        chartVersion: '0.3.0',
        appVersion: '3.1.0',
        values: { image: { tag: '3.1.0' } },
        manifest: paymentsManifest('3.1.0'),
        deployedAt: first,
      },
      first,
    ),
  );
  applyObject(
    sandbox,
    helmReleaseSecret(
      'payments',
      'shop',
      'payments',
      {
        version: 2,
        status: 'deployed',
        description: 'Upgrade complete',
        chartVersion: '0.4.0',
        appVersion: '3.2.0',
        values: { image: { tag: '3.2.0' }, replicaCount: 1 },
        manifest: paymentsManifest('3.2.0'),
        deployedAt: rfc3339(now - 3_600_000),
      },
      first,
    ),
  );
}
