import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';

function deployment(name: string, image: string, replicas = 2): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image,
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

describe('@kubernetes/client-node 1.x against the sandbox', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;

  before(async () => {
    sb = await startSandbox('empty');
    apps = sb.kc.makeApiClient(k8s.AppsV1Api);
    core = sb.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => sb.stop());

  it('loads the written kubeconfig and lists namespaces over HTTPS with the CA', async () => {
    const list = await core.listNamespace();
    assert.deepEqual(list.items.map((n) => n.metadata?.name).sort(), [
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
  });

  it('is refused without a token (401) and forbidden to write with the read-only one (403)', async () => {
    const anon = new k8s.KubeConfig();
    anon.loadFromFile(sb.kubeconfigPath);
    anon.users = anon.users.map((u) => ({ name: u.name }));
    await assert.rejects(
      anon.makeApiClient(k8s.CoreV1Api).listNamespace(),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 401,
    );
    const ro = new k8s.KubeConfig();
    ro.loadFromFile(sb.kubeconfigPath);
    ro.setCurrentContext('sandbox-readonly');
    const roCore = ro.makeApiClient(k8s.CoreV1Api);
    assert.ok((await roCore.listNamespacedPod({ namespace: 'default' })).items);
    await assert.rejects(
      roCore.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } }),
      (e: unknown) =>
        e instanceof k8s.ApiException && e.code === 403 && String(e.body).includes('"reason":"Forbidden"'),
    );
  });

  it('keeps an informer in step with creates, updates and deletes', async () => {
    const listFn = () => core.listNamespacedConfigMap({ namespace: 'default' });
    const informer = k8s.makeInformer(sb.kc, '/api/v1/namespaces/default/configmaps', listFn);
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name ?? ''}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name ?? ''} ${o.data?.['v'] ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name ?? ''}`));
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'inf' }, data: { v: '1' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'inf', namespace: 'default', body: { data: { v: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'inf', namespace: 'default' });
    await eventually(async () => (seen.includes('delete inf') ? true : undefined), 10_000, 'informer delete');
    assert.deepEqual(seen, ['add inf', 'update inf 2', 'delete inf']);
    await informer.stop();
  });

  it('applies all patch types and server-side apply', async () => {
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('patchme', 'app:1.0.0') });
    const json = [{ op: 'replace', path: '/spec/replicas', value: 3 }];
    let d = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace: 'default', body: json },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    assert.equal(d.spec?.replicas, 3);
    d = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace: 'default', body: { metadata: { labels: { tier: 'api' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(d.metadata?.labels?.['tier'], 'api');
    const smp = { spec: { template: { spec: { containers: [{ name: 'patchme', image: 'app:1.1.0' }] } } } };
    d = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace: 'default', body: smp },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const c = d.spec?.template.spec?.containers[0];
    assert.equal(c?.image, 'app:1.1.0');
    assert.equal(c?.ports?.[0]?.containerPort, 8080, 'strategic merge keeps fields of the merged container');
    const applied = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'patchme', namespace: 'default' },
      spec: { replicas: 5 },
    };
    d = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace: 'default', body: applied, fieldManager: 'slipway', force: true },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    assert.equal(d.spec?.replicas, 5);
    assert.ok(d.metadata?.managedFields?.some((m) => m.manager === 'slipway' && m.operation === 'Apply'));
    await assert.rejects(
      apps.replaceNamespacedDeployment({
        name: 'patchme',
        namespace: 'default',
        body: { ...d, metadata: { ...d.metadata, resourceVersion: '1' } },
      }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 409,
    );
  });

  it('follows a pod log and port-forwards bytes to the pod app', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: deployment('echo', 'echo:1.0.0', 1),
    });
    const pod = await eventually(
      async () => {
        const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=echo' });
        const p = pods.items.find((x) =>
          x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return p;
      },
      20_000,
      'a ready echo pod',
    );
    const name = pod.metadata!.name!;
    const logStream = new PassThrough();
    let text = '';
    logStream.on('data', (d: Buffer) => (text += d.toString()));
    const req = await new k8s.Log(sb.kc).log('default', name, 'echo', logStream, {
      follow: true,
      tailLines: 2,
    });
    await eventually(
      async () => (text.split('\n').length > 3 ? true : undefined),
      15_000,
      'followed log lines',
    );
    req.abort();

    const forward = new k8s.PortForward(sb.kc);
    const server: Server = createServer((socket) => {
      void forward.portForward('default', name, [8080], socket, null, socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'round trip' });
    const body = (await res.json()) as { body: string };
    assert.equal(body.body, 'round trip');
    server.close();
  });
});
