import { spawn } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../agent/kube/client';
import { Informer } from '../agent/kube/informer';
import type { KubeObject, Pod } from '../agent/kube/objects';
import { RESOURCES } from '../agent/kube/resources';
import { ClientNodeTransport } from '../agent/kube/transport';
import { watchRollout } from '../agent/deploy/rollout-watch';
import { KUBECTL } from '../test/support/kubectl';
import { startSandboxProcess } from '../test/support/sandbox-process';
import { type BenchResult, percentile } from './harness';

/*
 * How soon a finished rollout is reported: from the moment the last new pod is seen Ready (observed by a
 * separate pod watch in this process) to Slipway's event-driven rollout watch saying "complete", side by
 * side with `kubectl rollout status` started at the same time on the same change.
 */

const RUNS = 10;
const NAMESPACE = 'bench-rollout';
const REPLICAS = 3;

function deployment(tag: string): KubeObject & Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NAMESPACE },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: `ghcr.io/bench/web:${tag}`,
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

function ready(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function benchRollout(): Promise<BenchResult[]> {
  const sandbox = await startSandboxProcess('empty');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(sandbox.kubeconfig);
  const client = new KubeClient(kc, 'sandbox');
  const pods = new Informer<Pod>({
    transport: new ClientNodeTransport({ context: 'sandbox', kubeConfig: () => kc }),
    resource: { ...RESOURCES.pods, labelSelector: 'app=web' },
    namespace: NAMESPACE,
  });
  const slipway: number[] = [];
  const kubectl: number[] = [];
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    await client.apply(deployment('0'), { force: true });
    // Pods of each run: when each first turned Ready, as this process saw it.
    const readyAt = new Map<string, number>();
    pods.onChange((e) => {
      if (
        (e.type === 'add' || e.type === 'update') &&
        ready(e.object) &&
        !readyAt.has(e.object.metadata.name)
      ) {
        readyAt.set(e.object.metadata.name, performance.now());
      }
    });
    pods.start();
    await watchRollout({
      client,
      namespace: NAMESPACE,
      workloads: [{ kind: 'Deployment', name: 'web' }],
      since: 0,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
      emit: () => undefined,
    });
    for (let run = 1; run <= RUNS; run++) {
      const since = Date.now();
      const startedAt = performance.now();
      await client.apply(deployment(String(run)), { force: true });
      const kubectlDone = new Promise<number>((resolve, reject) => {
        const child = spawn(
          KUBECTL,
          [
            '--kubeconfig',
            sandbox.kubeconfig,
            '-n',
            NAMESPACE,
            'rollout',
            'status',
            'deployment/web',
            '--timeout=60s',
          ],
          {
            stdio: 'ignore',
          },
        );
        child.on('exit', (code) =>
          code === 0 ? resolve(performance.now()) : reject(new Error(`kubectl exited ${code}`)),
        );
      });
      const outcome = await watchRollout({
        client,
        namespace: NAMESPACE,
        workloads: [{ kind: 'Deployment', name: 'web' }],
        since,
        timeoutMs: 60_000,
        signal: new AbortController().signal,
        emit: () => undefined,
      });
      const slipwayDone = performance.now();
      const kubectlAt = await kubectlDone;
      if (!outcome.ok) throw new Error(`rollout ${run} failed: ${outcome.reason ?? ''}`);
      const newReady = [...pods.objects.values()]
        .filter((p) => p.metadata.deletionTimestamp === undefined && ready(p))
        .map((p) => readyAt.get(p.metadata.name) ?? NaN)
        .filter((t) => t >= startedAt);
      const lastReady = Math.max(...newReady);
      if (!Number.isFinite(lastReady)) throw new Error(`run ${run}: no new pod was seen ready`);
      slipway.push(slipwayDone - lastReady);
      kubectl.push(kubectlAt - lastReady);
    }
  } finally {
    await pods.stop();
    await sandbox.stop();
  }
  const s95 = percentile(slipway, 95);
  const k95 = percentile(kubectl, 95);
  return [
    {
      name: 'rollout complete after last pod ready: slipway p50',
      value: percentile(slipway, 50),
      unit: 'ms',
      target: '≤ 100 ms',
    },
    {
      name: 'rollout complete after last pod ready: slipway p95',
      value: s95,
      unit: 'ms',
      target: '≤ 100 ms',
    },
    {
      name: 'rollout complete after last pod ready: kubectl rollout status p50',
      value: percentile(kubectl, 50),
      unit: 'ms',
      note: 'includes starting kubectl',
    },
    {
      name: 'rollout complete after last pod ready: kubectl p95',
      value: k95,
      unit: 'ms',
      note: `kubectl/slipway p95 ratio ${(k95 / s95).toFixed(1)}×`,
    },
  ];
}
