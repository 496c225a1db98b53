import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { AgentFailure } from '../../protocol';
import { helmHistory, rollbackHelmRelease } from '../../agent/deploy/helm-release';
import { KubeClient } from '../../agent/kube/client';
import { decodeHelmRelease } from '../../agent/kube/helm';
import type { Deployment, Secret } from '../../agent/kube/objects';
import { kubectl } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';

interface Record {
  name: string;
  version: number;
  manifest: string;
  chart: { metadata: { appVersion: string; version: string } };
  info: { status: string; description: string; first_deployed: string; last_deployed: string };
}

/**
 * Helm rollback without helm: the demo's `payments` release (revision 1 at 3.1.0 superseded, 2 at 3.2.0
 * deployed) is rolled back, and every stored record is decoded and checked against Helm 3's format.
 */
describe('Helm rollback without the helm binary (sandbox)', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  let client: KubeClient;

  before(async () => {
    sb = await startSandbox('demo');
    client = new KubeClient(sb.kc, 'sandbox');
  });
  after(async () => sb.stop());

  async function records(): Promise<{ secret: Secret; release: Record }[]> {
    const secrets = await client.list<Secret>('v1', 'Secret', 'shop', {
      labelSelector: 'owner=helm,name=payments',
    });
    return secrets
      .map((secret) => ({ secret, release: decodeHelmRelease(secret) as Record }))
      .sort((a, b) => a.release.version - b.release.version);
  }
  const paymentsImage = async (): Promise<string | undefined> =>
    (
      await client.get<Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'payments',
      })
    )?.spec?.template?.spec?.containers?.[0]?.image;

  it('rolls back to revision 1: resources re-applied, a new deployed record, the old one superseded', async () => {
    assert.equal(await paymentsImage(), 'ghcr.io/demo/payments:3.2.0');
    const r = await rollbackHelmRelease(client, { namespace: 'shop', release: 'payments', toRevision: 1 });
    assert.deepEqual({ from: r.fromRevision, to: r.toRevision, n: r.newRevision }, { from: 2, to: 1, n: 3 });
    assert.equal(await paymentsImage(), 'ghcr.io/demo/payments:3.1.0');

    const all = await records();
    assert.deepEqual(
      all.map((x) => [x.release.version, x.release.info.status, x.secret.metadata.labels?.['status']]),
      [
        [1, 'superseded', 'superseded'],
        [2, 'superseded', 'superseded'],
        [3, 'deployed', 'deployed'],
      ],
    );
    const [v1, v2, v3] = all;
    assert.ok(v1 && v2 && v3);
    assert.equal(v3.secret.metadata.name, 'sh.helm.release.v1.payments.v3');
    assert.equal(v3.secret.type, 'helm.sh/release.v1');
    assert.deepEqual(
      { ...v3.secret.metadata.labels, createdAt: 'x', modifiedAt: 'x' },
      { name: 'payments', owner: 'helm', status: 'deployed', version: '3', createdAt: 'x', modifiedAt: 'x' },
    );
    assert.match(v2.secret.metadata.labels?.['modifiedAt'] ?? '', /^\d{10}$/);
    assert.equal(v3.release.info.description, 'Rollback to 1');
    assert.equal(v3.release.manifest, v1.release.manifest);
    assert.deepEqual(v3.release.chart, v1.release.chart);
    assert.equal(v3.release.info.first_deployed, v2.release.info.first_deployed);
    assert.match(v3.release.info.last_deployed, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

    const history = await helmHistory(client, 'shop', 'payments');
    assert.deepEqual(
      history.map((h) => `${h.revision} ${h.status} ${h.appVersion} ${h.description}`),
      [
        '1 superseded 3.1.0 Install complete',
        '2 superseded 3.2.0 Upgrade complete',
        '3 deployed 3.1.0 Rollback to 1',
      ],
    );
  });

  it('rolls back to the previous revision by default, as helm rollback does', async () => {
    const r = await rollbackHelmRelease(client, { namespace: 'shop', release: 'payments' });
    assert.deepEqual({ to: r.toRevision, n: r.newRevision }, { to: 2, n: 4 });
    assert.equal(await paymentsImage(), 'ghcr.io/demo/payments:3.2.0');
    const statuses = (await records()).map((x) => x.release.info.status);
    assert.deepEqual(statuses, ['superseded', 'superseded', 'superseded', 'deployed']);
  });

  it('kubectl lists the records with Helm’s labels', async () => {
    const out = await kubectl(sb.kubeconfigPath, [
      '-n',
      'shop',
      'get',
      'secrets',
      '-l',
      'owner=helm,name=payments',
      '-L',
      'status,version',
      '--no-headers',
    ]);
    assert.equal(out.code, 0, out.stderr);
    const rows = out.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r.at(-2), r.at(-1)]),
      [
        ['sh.helm.release.v1.payments.v1', 'helm.sh/release.v1', 'superseded', '1'],
        ['sh.helm.release.v1.payments.v2', 'helm.sh/release.v1', 'superseded', '2'],
        ['sh.helm.release.v1.payments.v3', 'helm.sh/release.v1', 'superseded', '3'],
        ['sh.helm.release.v1.payments.v4', 'helm.sh/release.v1', 'deployed', '4'],
      ],
    );
  });

  it('refuses unknown revisions and releases with a clear error, writing nothing', async () => {
    const code = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'ok',
        (e: unknown) => (e instanceof AgentFailure ? `${e.error.code}: ${e.error.message}` : String(e)),
      );
    assert.equal(
      await code(rollbackHelmRelease(client, { namespace: 'shop', release: 'payments', toRevision: 9 })),
      'NOT_FOUND: Release payments has no revision 9; its revisions are 1–4.',
    );
    assert.match(
      await code(rollbackHelmRelease(client, { namespace: 'shop', release: 'nope' })),
      /^NOT_FOUND: Helm release nope has no records/,
    );
    assert.match(
      await code(rollbackHelmRelease(client, { namespace: 'shop', release: 'payments', toRevision: 4 })),
      /^INVALID: Release payments already runs revision 4/,
    );
    assert.equal((await records()).length, 4);
  });

  it('a read-only user is refused and no record is written', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sb.kubeconfigPath);
    kc.setCurrentContext('sandbox-readonly');
    const viewer = new KubeClient(kc, 'sandbox-readonly');
    const err = await rollbackHelmRelease(viewer, {
      namespace: 'shop',
      release: 'payments',
      toRevision: 1,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof AgentFailure);
    assert.equal(err.error.code, 'FORBIDDEN');
    assert.equal((await records()).length, 4);
  });
});
