import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { applyDelta, type AgentError, type DeltaOp, type TopicName, type TopicState } from '../../protocol';
import { toAgentError } from '../../agent/kube/errors';
import { Informer, type InformerEvent } from '../../agent/kube/informer';
import { clientNodeInformers, InformerCache } from '../../agent/kube/informer-cache';
import { kubeConfigFor, loadKubeconfigs, type LoadedKubeconfig } from '../../agent/kube/kubeconfig';
import type { KubeObject } from '../../agent/kube/objects';
import type { ResourceDescriptor } from '../../agent/kube/resources';
import { createTopicSource, type TopicSource } from '../../agent/kube/topics';
import {
  ClientNodeTransport,
  type KubeTransport,
  type ListResult,
  type WatchEnd,
  type WatchHandlers,
} from '../../agent/kube/transport';
import { eventually } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';
import { raw } from '../support/raw';

const CONFIGMAPS: ResourceDescriptor = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

async function fault(sb: RunningSandbox, body: unknown): Promise<void> {
  const r = await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', body);
  assert.equal(r.status, 200, r.body);
}

/** Counts what the informer asks of the real transport, to tell a resumed watch from a re-list. */
class CountingTransport implements KubeTransport {
  lists = 0;
  watches = 0;
  constructor(private readonly inner: KubeTransport) {}
  list<T extends KubeObject>(
    r: ResourceDescriptor,
    ns: string | undefined,
    signal: AbortSignal,
  ): Promise<ListResult<T>> {
    this.lists++;
    return this.inner.list<T>(r, ns, signal);
  }
  watch<T extends KubeObject>(
    r: ResourceDescriptor,
    ns: string | undefined,
    rv: string,
    handlers: WatchHandlers<T>,
    signal: AbortSignal,
  ): Promise<WatchEnd> {
    this.watches++;
    return this.inner.watch<T>(r, ns, rv, handlers, signal);
  }
}

function loadFrom(kubeconfigPath: string): LoadedKubeconfig {
  return loadKubeconfigs({ KUBECONFIG: kubeconfigPath }, tmpdir());
}

/** A copy of the sandbox kubeconfig with one context changed, e.g. pointing at a closed port. */
function variant(sb: RunningSandbox, name: string, change: (doc: KubeconfigDoc) => void): string {
  const doc = parse(readFileSync(sb.kubeconfigPath, 'utf8')) as KubeconfigDoc;
  change(doc);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'slipway-variant-')), `${name}.yaml`);
  writeFileSync(file, stringify(doc), { mode: 0o600 });
  return file;
}

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
}

/** Applies every batch to a mirror and remembers the batches, as the extension's tree would. */
function mirror<T extends TopicName>(source: TopicSource<T>) {
  const state: TopicState<T> = source.state();
  const batches: { at: number; ops: DeltaOp<T>[] }[] = [];
  source.onDelta((ops) => {
    batches.push({ at: performance.now(), ops });
    applyDelta(state, ops);
  });
  return { state, batches };
}

function configMapVersions(objects: Iterable<KubeObject>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of objects) out[o.metadata.name] = o.metadata.resourceVersion ?? '';
  return out;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('agent Kubernetes layer against the sandbox (HTTPS, kubeconfig, real client-node)', function () {
  this.timeout(60_000);

  describe('informer under server faults', () => {
    let sb: RunningSandbox;
    let loaded: LoadedKubeconfig;
    let core: k8s.CoreV1Api;
    const informers: Informer<KubeObject>[] = [];

    before(async () => {
      // Rare bookmarks keep the informer's version behind the server's, so expiring history bites.
      sb = await startSandbox('empty', { bookmarkIntervalMs: 60_000 });
      loaded = loadFrom(sb.kubeconfigPath);
      core = sb.kc.makeApiClient(k8s.CoreV1Api);
      for (let i = 0; i < 12; i++) {
        await core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: `cm-${i}` }, data: { v: '0' } },
        });
      }
    });
    afterEach(async () => {
      await Promise.all(informers.splice(0).map((i) => i.stop()));
    });
    after(() => sb.stop());

    function configMapInformer(): {
      informer: Informer<KubeObject>;
      transport: CountingTransport;
      events: string[];
    } {
      const transport = new CountingTransport(
        new ClientNodeTransport({
          context: 'sandbox',
          kubeConfig: () => kubeConfigFor(loaded, 'sandbox'),
          // Small pages so the list is paged through continue tokens.
          pageSize: 5,
        }),
      );
      const informer = new Informer<KubeObject>({
        transport,
        resource: CONFIGMAPS,
        namespace: 'default',
        backoff: { initialMs: 200, maxMs: 2000 },
      });
      const events: string[] = [];
      informer.onChange((e: InformerEvent<KubeObject>) =>
        events.push(e.type === 'error' ? `error ${e.error?.code ?? 'null'}` : e.type),
      );
      informers.push(informer);
      informer.start();
      return { informer, transport, events };
    }

    async function converged(informer: Informer<KubeObject>): Promise<void> {
      await eventually(
        async () => {
          const server = configMapVersions(
            (await core.listNamespacedConfigMap({ namespace: 'default' })).items.map((c) => ({
              metadata: { name: c.metadata?.name ?? '', resourceVersion: c.metadata?.resourceVersion ?? '' },
            })),
          );
          const mine = configMapVersions(informer.objects.values());
          return isDeepStrictEqual(mine, server) ? true : undefined;
        },
        15_000,
        'informer to hold exactly what the server lists',
      );
    }

    it('the tree stays exact after the server drops every watch: the informer resumes, no re-list', async () => {
      const { informer, transport } = configMapInformer();
      await eventually(async () => (informer.synced ? true : undefined), 10_000, 'first list');
      assert.equal(informer.objects.size >= 12, true, 'a paged list brought every object');
      await fault(sb, { dropWatches: true });
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'after-drop' } },
      });
      await core.patchNamespacedConfigMap(
        { name: 'cm-1', namespace: 'default', body: { data: { v: '1' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'cm-2', namespace: 'default' });
      await converged(informer);
      assert.equal(transport.lists, 1, 'resumed from its resourceVersion instead of listing again');
      assert.ok(transport.watches >= 2, 'watched again after the drop');
    });

    it('the tree stays exact when the server forgot the history (410 Gone): it re-lists and reconciles', async () => {
      const { informer, transport, events } = configMapInformer();
      await eventually(async () => (informer.synced ? true : undefined), 10_000, 'first list');
      // Changes the informer cannot see: it is stopped, then the history it would resume from is gone.
      await informer.stop();
      await core.deleteNamespacedConfigMap({ name: 'cm-3', namespace: 'default' });
      await core.deleteNamespacedConfigMap({ name: 'cm-4', namespace: 'default' });
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'while-away' } },
      });
      await core.patchNamespacedConfigMap(
        { name: 'cm-5', namespace: 'default', body: { data: { v: 'away' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await fault(sb, { expireWatches: true });
      events.length = 0;
      informer.start();
      await converged(informer);
      assert.equal(transport.lists, 2, 'the 410 (an ERROR event on a 200 stream) made it list again');
      assert.deepEqual(
        events.filter((e) => e === 'delete').length,
        2,
        'the two deletions it missed were reported as deletes',
      );
      assert.ok(!informer.objects.has('default/cm-3'));
      assert.ok(informer.objects.has('default/while-away'));
    });

    it('shows the cluster as unreachable while it refuses connections and recovers by itself', async () => {
      const { informer, events } = configMapInformer();
      await eventually(async () => (informer.synced ? true : undefined), 10_000, 'first list');
      await fault(sb, { refuseConnections: { seconds: 1 } });
      await eventually(
        async () => (events.includes('error CLUSTER_UNREACHABLE') ? true : undefined),
        10_000,
        'an unreachable error',
      );
      await eventually(async () => (informer.error === null ? true : undefined), 15_000, 'recovery');
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'after-refusal' } },
      });
      await converged(informer);
      assert.match(events.join(','), /error CLUSTER_UNREACHABLE.*error null/);
    });

    it('a 410 Gone status on the watch itself (some proxies answer so) also leads to a re-list', async () => {
      // A tiny API server: discovery, a list, a watch answered 410 once and then held open.
      let lists = 0;
      let watches = 0;
      const server: HttpServer = createHttpServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        res.setHeader('Content-Type', 'application/json');
        if (url.pathname === '/api/v1') {
          res.end(
            JSON.stringify({
              kind: 'APIResourceList',
              groupVersion: 'v1',
              resources: [
                { name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['list', 'watch'] },
              ],
            }),
          );
        } else if (url.searchParams.get('watch') === 'true') {
          watches++;
          if (watches === 1) {
            res.statusCode = 410;
            res.end(
              JSON.stringify({
                kind: 'Status',
                code: 410,
                reason: 'Expired',
                message: 'too old resource version',
              }),
            );
          } else res.flushHeaders();
        } else {
          lists++;
          const items =
            lists === 1 ? [{ metadata: { name: 'old', namespace: 'default', resourceVersion: '1' } }] : [];
          items.push({
            metadata: { name: `fresh-${lists}`, namespace: 'default', resourceVersion: String(lists * 10) },
          });
          res.end(
            JSON.stringify({
              kind: 'ConfigMapList',
              apiVersion: 'v1',
              metadata: { resourceVersion: String(lists * 10) },
              items,
            }),
          );
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'slipway-410-')), 'kubeconfig');
        writeFileSync(
          file,
          stringify({
            clusters: [
              {
                name: 'c',
                cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
              },
            ],
            contexts: [{ name: 'c', context: { cluster: 'c' } }],
          }),
        );
        const l = loadFrom(file);
        const informer = new Informer<KubeObject>({
          transport: new ClientNodeTransport({ context: 'c', kubeConfig: () => kubeConfigFor(l, 'c') }),
          resource: CONFIGMAPS,
          namespace: 'default',
        });
        informers.push(informer);
        informer.start();
        await eventually(async () => (watches >= 2 ? true : undefined), 10_000, 'a second watch');
        assert.equal(lists, 2);
        assert.deepEqual([...informer.objects.keys()], ['default/fresh-2'], 'reconciled to the new list');
      } finally {
        await Promise.all(informers.splice(0).map((i) => i.stop()));
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  });

  describe('topics on the demo shop', () => {
    let sb: RunningSandbox;
    let cache: InformerCache;
    let loaded: LoadedKubeconfig;
    const sources: TopicSource<TopicName>[] = [];

    before(async () => {
      sb = await startSandbox('demo', { hpaSyncMs: 500 });
      loaded = loadFrom(sb.kubeconfigPath);
      cache = new InformerCache({ create: clientNodeInformers(() => loaded), lingerMs: 1000 });
    });
    afterEach(() => {
      for (const s of sources.splice(0)) s.dispose();
    });
    after(async () => {
      await cache.dispose();
      await sb.stop();
    });

    function open<T extends 'services' | 'releases' | 'namespaces'>(
      topic: T,
      params: Parameters<typeof createTopicSource<T>>[1],
    ): TopicSource<T> {
      const s = createTopicSource(topic, params, { cache, loaded: () => loaded });
      sources.push(s as unknown as TopicSource<TopicName>);
      return s;
    }

    it('the services tree shows the demo workloads with ready counts, the crash-looping mailer, HPA and ports', async () => {
      const src = open('services', { context: 'sandbox' });
      await src.ready();
      const m = mirror(src);
      const apps = sb.kc.makeApiClient(k8s.AppsV1Api);
      const counts = (w: { ready: number; desired: number }): string => `${w.ready}/${w.desired}`;
      // The counts kubectl shows for the same workloads, read from the server at the same moment.
      const serverCounts = async (): Promise<Record<string, string>> => {
        const out: Record<string, string> = {};
        for (const d of (await apps.listDeploymentForAllNamespaces()).items) {
          const key = `Deployment/${d.metadata?.namespace ?? ''}/${d.metadata?.name ?? ''}`;
          out[key] = counts({ ready: d.status?.readyReplicas ?? 0, desired: d.spec?.replicas ?? 1 });
        }
        for (const s of (await apps.listStatefulSetForAllNamespaces()).items) {
          const key = `StatefulSet/${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
          out[key] = counts({ ready: s.status?.readyReplicas ?? 0, desired: s.spec?.replicas ?? 1 });
        }
        return out;
      };
      const treeCounts = (): Record<string, string> =>
        Object.fromEntries(Object.entries(m.state.workloads).map(([k, w]) => [k, counts(w)]));
      const settled = await eventually(
        async () => {
          const server = await serverCounts();
          const mailer = m.state.workloads['Deployment/shop/mailer'];
          const done =
            isDeepStrictEqual(treeCounts(), server) &&
            server['Deployment/shop/core'] === '2/2' &&
            mailer?.health === 'failed' &&
            mailer.reason === 'CrashLoopBackOff';
          return done ? server : undefined;
        },
        30_000,
        'the tree to show the counts the server reports, core rolled out and the mailer failing',
      );
      assert.deepEqual(Object.keys(settled).sort(), [
        'Deployment/shop/core',
        'Deployment/shop/gateway',
        'Deployment/shop/mailer',
        'Deployment/shop/payments',
        'Deployment/shop/worker',
        'StatefulSet/data/postgres',
      ]);
      // Healthy means: every replica ready and no pod restarting. Other processes on a shared machine can
      // occupy a pod's loopback address and make it crash here, so health is checked against the pods.
      for (const w of Object.values(m.state.workloads)) {
        const pods = Object.values(m.state.pods).filter(
          (p) => p.owner?.kind === w.kind && p.owner.name === w.name,
        );
        const clean = pods.every((p) => p.status === 'Running' && p.restarts === 0);
        if (w.name !== 'mailer' && w.ready === w.desired && clean) assert.equal(w.health, 'healthy', w.name);
      }
      const corePods = Object.values(m.state.pods).filter(
        (p) => p.owner?.name === 'core' && p.status !== 'Terminating',
      );
      assert.equal(corePods.length, 2, 'pods are attributed to their Deployment through the ReplicaSet');
      assert.deepEqual(m.state.services['shop/gateway']?.ports, [
        { name: 'http', port: 4000, targetPort: '4000', protocol: 'TCP' },
      ]);
      assert.deepEqual(m.state.ingresses['shop/shop-ingress']?.hosts, ['shop.sandbox.local']);
      // The HPA as `kubectl get hpa` summarises it: the server's current reading over the target.
      const autoscaling = sb.kc.makeApiClient(k8s.AutoscalingV2Api);
      await eventually(
        async () => {
          const h = await autoscaling.readNamespacedHorizontalPodAutoscaler({
            name: 'gateway',
            namespace: 'shop',
          });
          const cpu = h.status?.currentMetrics?.find((x) => x.resource?.name === 'cpu')?.resource?.current
            .averageUtilization;
          const mine = m.state.hpas['shop/gateway'];
          const same =
            mine?.metrics === `cpu ${cpu === undefined ? '<unknown>' : `${cpu}%`}/70%` &&
            mine.current === (h.status?.currentReplicas ?? 0) &&
            mine.desired === h.status?.desiredReplicas;
          return same ? true : undefined;
        },
        10_000,
        'the HPA summary to match the server',
      );
      const hpa = m.state.hpas['shop/gateway']!;
      assert.deepEqual([hpa.target, hpa.min, hpa.max], [{ kind: 'Deployment', name: 'gateway' }, 2, 6]);
      assert.equal(src.error(), null);
      assert.doesNotMatch(JSON.stringify(m.state), /s3cr3t-demo-password|demo-jwt-signing-key/);
    });

    it('scaling a deployment with client-node reaches the tree as a delta within a second', async () => {
      const src = open('services', { context: 'sandbox', namespace: 'shop' });
      await src.ready();
      const m = mirror(src);
      const apps = sb.kc.makeApiClient(k8s.AppsV1Api);
      const started = performance.now();
      await apps.patchNamespacedDeployment(
        { name: 'worker', namespace: 'shop', body: { spec: { replicas: 3 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const seen = await eventually(
        async () =>
          m.batches.find((b) =>
            b.ops.some(
              (op) =>
                op.op === 'put' &&
                op.c === 'workloads' &&
                op.key === 'Deployment/shop/worker' &&
                op.value.desired === 3,
            ),
          ),
        5_000,
        'the scale delta',
      );
      const ms = seen.at - started;
      console.log(`      scale → delta: ${ms.toFixed(0)} ms`);
      assert.ok(ms < 1000, `delta after ${ms.toFixed(0)} ms`);
      await eventually(
        async () => (m.state.workloads['Deployment/shop/worker']?.ready === 3 ? true : undefined),
        20_000,
        'three ready workers',
      );
      console.log(`      scale → 3/3 ready in the tree: ${(performance.now() - started).toFixed(0)} ms`);
      const workerPods = Object.values(m.state.pods).filter(
        (p) => p.owner?.name === 'worker' && p.status === 'Running',
      );
      assert.equal(workerPods.length, 3);
    });

    it('the releases view lists the core rollout history and the Helm release payments', async () => {
      const src = open('releases', { context: 'sandbox' });
      await src.ready();
      const state = src.state();
      const core = Object.values(state.revisions)
        .filter((r) => r.workload.name === 'core')
        .sort((a, b) => a.revision - b.revision);
      assert.deepEqual(
        core.map((r) => [r.revision, r.images[0], r.changeCause, r.current]),
        [
          [1, 'ghcr.io/demo/core:2.0.0', 'initial release', false],
          [2, 'ghcr.io/demo/core:2.1.0', 'orders: add refunds', false],
          [3, 'ghcr.io/demo/core:2.2.0', 'orders: faster search', true],
        ],
      );
      const helm = Object.values(state.helm).sort((a, b) => a.revision - b.revision);
      assert.deepEqual(
        helm.map((h) => [h.release, h.revision, h.status, h.chartVersion, h.appVersion]),
        [
          ['payments', 1, 'superseded', '0.3.0', '3.1.0'],
          ['payments', 2, 'deployed', '0.4.0', '3.2.0'],
        ],
      );
      const postgres = Object.values(state.revisions).filter((r) => r.workload.kind === 'StatefulSet');
      assert.deepEqual(
        postgres.map((r) => [r.workload.name, r.current, r.images]),
        [['postgres', true, ['postgres:16.4']]],
      );
      assert.doesNotMatch(
        JSON.stringify(state),
        /image:\n|tag: 3\.1\.0|replicaCount/,
        'no Helm values or manifests',
      );
    });

    it('the namespaces view lists the demo namespaces', async () => {
      const src = open('namespaces', { context: 'sandbox-readonly' });
      await src.ready();
      const names = Object.keys(src.state().namespaces).sort();
      assert.deepEqual(names, ['data', 'default', 'kube-node-lease', 'kube-public', 'kube-system', 'shop']);
    });

    it('topics share informers: a second view of the same namespace opens nothing new', async () => {
      const a = open('services', { context: 'sandbox', namespace: 'shop' });
      await a.ready();
      const before = cache.size;
      const b = open('services', { context: 'sandbox', namespace: 'shop' });
      await b.ready();
      assert.equal(cache.size, before);
      assert.deepEqual(Object.keys(b.state().workloads).sort(), Object.keys(a.state().workloads).sort());
    });
  });

  describe('errors from real failures, as the user reads them', () => {
    let sb: RunningSandbox;
    let loaded: LoadedKubeconfig;
    let server: string;
    const caches: InformerCache[] = [];

    before(async () => {
      sb = await startSandbox('empty');
      loaded = loadFrom(sb.kubeconfigPath);
      server = sb.sandbox.server.url.replace(/\/$/, '');
    });
    afterEach(async () => {
      await Promise.all(caches.splice(0).map((c) => c.dispose()));
    });
    after(() => sb.stop());

    /** The first error a services view shows for `context` of the kubeconfig at `file`. */
    async function topicError(
      file: string,
      context: string,
      requestTimeoutMs?: number,
    ): Promise<AgentError | null> {
      const l = loadFrom(file);
      const cache = new InformerCache({
        create: clientNodeInformers(
          () => l,
          requestTimeoutMs === undefined ? {} : { transport: { requestTimeoutMs } },
        ),
        lingerMs: 0,
      });
      caches.push(cache);
      const src = createTopicSource(
        'services',
        { context, namespace: 'default' },
        { cache, loaded: () => l },
      );
      const m = mirror(src);
      await src.ready();
      const op = await eventually(
        async () => m.batches.flatMap((b) => b.ops).find((o) => o.op === 'error'),
        15_000,
        'an error op',
      );
      assert.deepEqual(src.state().workloads, {}, 'nothing is invented');
      src.dispose();
      return op.op === 'error' ? op.error : null;
    }

    it('a kubeconfig pointing at a closed port shows CLUSTER_UNREACHABLE, not an empty tree', async () => {
      const port = await closedPort();
      const file = variant(
        sb,
        'closed',
        (doc) => (doc.clusters[0]!.cluster['server'] = `https://127.0.0.1:${port}`),
      );
      const e = await topicError(file, 'sandbox');
      assert.equal(e?.code, 'CLUSTER_UNREACHABLE');
      assert.equal(
        e?.message,
        `The cluster at https://127.0.0.1:${port} is not reachable (connection refused). Check that it is running and that you are on the right network/VPN.`,
      );
    });

    it('a server that accepts but never answers is unreachable after the request timeout', async () => {
      const silent: Server = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const port = (silent.address() as AddressInfo).port;
        const file = variant(
          sb,
          'silent',
          (doc) => (doc.clusters[0]!.cluster['server'] = `https://127.0.0.1:${port}`),
        );
        const e = await topicError(file, 'sandbox', 1000);
        assert.equal(e?.code, 'CLUSTER_UNREACHABLE');
        assert.match(e?.message ?? '', /is not reachable \(no answer within 1 s\)/);
      } finally {
        silent.close();
      }
    });

    it('a wrong token is AUTH_FAILED with a hint to log in again', async () => {
      const file = variant(sb, 'token', (doc) => (doc.users[0]!.user['token'] = 'expired-token'));
      const e = await topicError(file, 'sandbox');
      assert.equal(e?.code, 'AUTH_FAILED');
      assert.match(
        e?.message ?? '',
        /rejected the credentials of context "sandbox" \(401 Unauthorized\).*Log in again/,
      );
    });

    it('an untrusted certificate and a wrong TLS server name point at the kubeconfig', async () => {
      const noCa = variant(
        sb,
        'no-ca',
        (doc) => delete doc.clusters[0]!.cluster['certificate-authority-data'],
      );
      const untrusted = await topicError(noCa, 'sandbox');
      assert.equal(untrusted?.code, 'CLUSTER_UNREACHABLE');
      assert.match(
        untrusted?.message ?? '',
        /presented a certificate that is not trusted .*certificate-authority-data/,
      );
      const wrongName = variant(
        sb,
        'sni',
        (doc) => (doc.clusters[0]!.cluster['tls-server-name'] = 'wrong.example'),
      );
      const mismatch = await topicError(wrongName, 'sandbox');
      assert.match(
        mismatch?.message ?? '',
        /is not valid for that address\. Check the server address or tls-server-name/,
      );
    });

    it('an exec credential plugin is run for real: its token works and its failure is quoted', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'slipway-exec-'));
      const good = path.join(dir, 'corp-login');
      writeFileSync(
        good,
        `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN"\n`,
      );
      const bad = path.join(dir, 'corp-login-expired');
      writeFileSync(bad, `#!/bin/sh\necho "error: SSO session expired; run 'corp login'" >&2\nexit 1\n`);
      chmodSync(good, 0o755);
      chmodSync(bad, 0o755);
      const withExec = (command: string) =>
        variant(sb, 'exec', (doc) => {
          doc.users[0]!.user = {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command,
              env: [{ name: 'TOKEN', value: sb.sandbox.server.auth.adminToken }],
            },
          };
        });
      const l = loadFrom(withExec(good));
      const list = await new ClientNodeTransport({
        context: 'sandbox',
        kubeConfig: () => kubeConfigFor(l, 'sandbox'),
      }).list(CONFIGMAPS, 'default', new AbortController().signal);
      assert.ok(Array.isArray(list.items), 'listed with the token the plugin printed');
      const e = await topicError(withExec(bad), 'sandbox');
      assert.equal(e?.code, 'AUTH_FAILED');
      assert.equal(
        e?.message,
        `The credential plugin "${bad}" for context "sandbox" failed: error: SSO session expired; run 'corp login'. Run it in a terminal to log in again, then retry.`,
      );
    });

    it('writes answered 403, 404, 409 and 422 read as FORBIDDEN, NOT_FOUND, CONFLICT and INVALID', async () => {
      const ctx = { context: 'sandbox-readonly', server };
      const ro = kubeConfigFor(loaded, 'sandbox-readonly').makeApiClient(k8s.CoreV1Api);
      const denied = await ro
        .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'nope' } } })
        .then(
          () => null,
          (e: unknown) => toAgentError(e, ctx),
        );
      assert.equal(denied?.code, 'FORBIDDEN');
      assert.equal(
        denied?.message,
        'Access denied on context "sandbox-readonly": configmaps is forbidden: User "sandbox-readonly" cannot create resource "configmaps" in API group "" in the namespace "default". Ask a cluster admin for access or use a context that has it.',
      );

      const admin = { context: 'sandbox', server };
      const apps = kubeConfigFor(loaded, 'sandbox').makeApiClient(k8s.AppsV1Api);
      const core = kubeConfigFor(loaded, 'sandbox').makeApiClient(k8s.CoreV1Api);
      const missing = await apps.readNamespacedDeployment({ name: 'ghost', namespace: 'default' }).then(
        () => null,
        (e: unknown) => toAgentError(e, admin),
      );
      assert.equal(missing?.code, 'NOT_FOUND');
      assert.match(missing?.message ?? '', /^deployments\.apps "ghost" not found on context "sandbox"\./);

      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'twice' } } });
      const exists = await core
        .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'twice' } } })
        .then(
          () => null,
          (e: unknown) => toAgentError(e, admin),
        );
      assert.equal(exists?.code, 'CONFLICT');
      const stale = await core
        .replaceNamespacedConfigMap({
          name: 'twice',
          namespace: 'default',
          body: { metadata: { name: 'twice', resourceVersion: '1' }, data: { a: 'b' } },
        })
        .then(
          () => null,
          (e: unknown) => toAgentError(e, admin),
        );
      assert.equal(stale?.code, 'CONFLICT');
      assert.match(stale?.message ?? '', /Reload the latest version and try again\.$/);

      const invalid = await apps
        .createNamespacedDeployment({
          namespace: 'default',
          body: {
            metadata: { name: 'empty' },
            spec: {
              selector: { matchLabels: { a: 'b' } },
              template: { metadata: { labels: { a: 'b' } }, spec: { containers: [] } },
            },
          },
        })
        .then(
          () => null,
          (e: unknown) => toAgentError(e, admin),
        );
      assert.equal(invalid?.code, 'INVALID');
      assert.match(invalid?.message ?? '', /rejected the request as invalid: .*containers.*Fix the manifest/);
    });

    it('a watch resumed from forgotten history gets a 410 that reads as UNAVAILABLE with a refresh hint', async () => {
      const core = sb.kc.makeApiClient(k8s.CoreV1Api);
      const rv =
        (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion ?? '0';
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'bump' } } });
      await fault(sb, { expireWatches: true });
      const status = await new Promise<unknown>((resolve) => {
        void new k8s.Watch(sb.kc).watch(
          '/api/v1/namespaces/default/configmaps',
          { resourceVersion: rv },
          (type, object) => {
            if (type === 'ERROR') resolve(object);
          },
          () => undefined,
        );
      });
      const e = toAgentError(status, { context: 'sandbox', server });
      assert.equal(e.code, 'UNAVAILABLE');
      assert.match(e.message, /no longer has the requested version of the data \(410 Gone: .*\)\. Refresh/);
    });
  });
});
