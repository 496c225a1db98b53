import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';
import { openWatch, raw } from '../support/raw';

async function fault(sb: RunningSandbox, body: unknown): Promise<void> {
  const r = await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', body);
  assert.equal(r.status, 200, r.body);
}

describe('sandbox fault injection (control endpoint) and recovery', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  let core: k8s.CoreV1Api;

  before(async () => {
    sb = await startSandbox('empty');
    core = sb.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => sb.stop());

  it('refuses the control endpoint to the read-only token and outside /api', async () => {
    const r = await raw(
      sb.sandbox,
      'POST',
      '/sandbox/v1/faults',
      { latencyMs: 1 },
      sb.sandbox.server.auth.readOnlyToken,
    );
    assert.equal(r.status, 403);
    const anon = await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', { latencyMs: 1 }, null);
    assert.equal(anon.status, 401);
    const unknown = await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', { teleport: true });
    assert.equal(unknown.status, 400);
  });

  it('drops all watches now; an informer re-watches and keeps up', async () => {
    const w = await openWatch(sb.sandbox, '/api/v1/namespaces/default/configmaps?watch=1');
    const informer = k8s.makeInformer(sb.kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const names = new Set<string>();
    informer.on('add', (o) => names.add(o.metadata?.name ?? ''));
    informer.on('error', () => setTimeout(() => void informer.start(), 200));
    await informer.start();
    await fault(sb, { dropWatches: true });
    await w.ended;
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'after-drop' } },
    });
    await eventually(
      async () => (names.has('after-drop') ? true : undefined),
      15_000,
      'informer to see a change after the drop',
    );
    await informer.stop();
  });

  it('answers the next N requests with 500, then recovers', async () => {
    await fault(sb, { failNext: { count: 2, code: 500 } });
    for (let i = 0; i < 2; i++) {
      const r = await raw(sb.sandbox, 'GET', '/api/v1/namespaces');
      assert.equal(r.status, 500);
      assert.equal((JSON.parse(r.body) as { reason: string }).reason, 'InternalError');
    }
    assert.equal((await raw(sb.sandbox, 'GET', '/api/v1/namespaces')).status, 200);
  });

  it('answers 429 with Retry-After, then recovers', async () => {
    await fault(sb, { failNext: { count: 1, code: 429 } });
    const r = await raw(sb.sandbox, 'GET', '/api/v1/namespaces');
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal((await raw(sb.sandbox, 'GET', '/api/v1/namespaces')).status, 200);
  });

  it('adds latency to every request until cleared', async () => {
    await fault(sb, { latencyMs: 300 });
    let t = Date.now();
    await raw(sb.sandbox, 'GET', '/api/v1/namespaces');
    assert.ok(Date.now() - t >= 290, 'request slowed down');
    await fault(sb, { latencyMs: 0 });
    t = Date.now();
    await raw(sb.sandbox, 'GET', '/api/v1/namespaces');
    assert.ok(Date.now() - t < 290, 'latency cleared');
  });

  it('makes watch resumes return 410 Gone; a fresh list and watch works again', async () => {
    const list = JSON.parse((await raw(sb.sandbox, 'GET', '/api/v1/namespaces/default/configmaps')).body) as {
      metadata: { resourceVersion: string };
    };
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'before-expiry' } },
    });
    await fault(sb, { expireWatches: true });
    const w = await openWatch(
      sb.sandbox,
      `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
    );
    await w.ended;
    const ev = JSON.parse(w.lines[0]!) as { type: string; object: { code: number; reason: string } };
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, 'Expired');
    const fresh = JSON.parse(
      (await raw(sb.sandbox, 'GET', '/api/v1/namespaces/default/configmaps')).body,
    ) as { metadata: { resourceVersion: string } };
    const w2 = await openWatch(
      sb.sandbox,
      `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${fresh.metadata.resourceVersion}`,
    );
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'after-expiry' } },
    });
    await eventually(
      async () => (w2.lines.some((l) => l.includes('after-expiry')) ? true : undefined),
      5_000,
      'event on the fresh watch',
    );
    w2.close();
  });

  it('deletes a pod; its ReplicaSet replaces it', async () => {
    const apps = sb.kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'victim' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'victim' } },
          template: {
            metadata: { labels: { app: 'victim' } },
            spec: { containers: [{ name: 'c', image: 'c:1.0.0' }] },
          },
        },
      },
    });
    const first = await eventually(
      async () =>
        (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=victim' })).items[0]
          ?.metadata?.name,
      10_000,
      'first pod',
    );
    await fault(sb, { deletePod: { namespace: 'default', name: first } });
    const replacement = await eventually(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=victim' }))
          .items;
        const p = pods.find((x) => x.metadata?.name !== first && x.status?.phase === 'Running');
        return pods.some((x) => x.metadata?.name === first) ? undefined : p?.metadata?.name;
      },
      15_000,
      'a replacement pod',
    );
    assert.notEqual(replacement, first);
  });

  it('refuses connections for T seconds, then accepts them again on the same port', async () => {
    await fault(sb, { refuseConnections: { seconds: 1 } });
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(
      raw(sb.sandbox, 'GET', '/version'),
      (e: unknown) => (e as NodeJS.ErrnoException).code === 'ECONNREFUSED',
    );
    await eventually(
      async () => ((await raw(sb.sandbox, 'GET', '/version')).status === 200 ? true : undefined),
      5_000,
      'the server to accept again',
    );
  });
});
