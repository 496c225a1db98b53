import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { AgentFailure, type PlanEvent } from '../../protocol';
import { helmHistory, helmStorageSecret, rollbackHelmRelease } from '../../agent/deploy/helm-release';
import { KubeClient } from '../../agent/kube/client';
import { type HelmRelease, readHelmRelease } from '../../agent/kube/helm';
import type { Deployment, KubeObject, Secret } from '../../agent/kube/objects';
import { kubectl } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';

const HELM_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/**
 * Helm rollback without helm: the demo's `payments` release (revision 1 at 3.1.0 superseded, 2 at 3.2.0
 * deployed) is rolled back, and every stored record is decoded and checked against Helm 3's format so that
 * `helm history` and the next `helm upgrade` see exactly what `helm rollback` would have left.
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

  async function records(release = 'payments'): Promise<{ secret: Secret; release: HelmRelease }[]> {
    const secrets = await client.list<Secret>('v1', 'Secret', 'shop', {
      labelSelector: `owner=helm,name=${release}`,
    });
    return secrets
      .map((secret) => {
        const r = readHelmRelease(secret);
        assert.ok(r, `${secret.metadata.name} decodes as a Helm release`);
        return { secret, release: r };
      })
      .sort((a, b) => a.release.version - b.release.version);
  }

  const paymentsDeployment = (): Promise<Deployment | undefined> =>
    client.get<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'payments',
    });

  async function failure(p: Promise<unknown>): Promise<string> {
    return p.then(
      () => 'ok',
      (e: unknown) => (e instanceof AgentFailure ? `${e.error.code}: ${e.error.message}` : String(e)),
    );
  }

  it('rolls back to revision 1: resources re-applied, a new deployed record, the old one superseded', async () => {
    assert.equal(
      (await paymentsDeployment())?.spec?.template?.spec?.containers?.[0]?.image,
      'ghcr.io/demo/payments:3.2.0',
    );
    const events: PlanEvent[] = [];
    const r = await rollbackHelmRelease(client, {
      namespace: 'shop',
      release: 'payments',
      toRevision: 1,
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(
      { release: r.release, from: r.fromRevision, to: r.toRevision, n: r.newRevision },
      { release: 'payments', from: 2, to: 1, n: 3 },
    );
    assert.deepEqual(
      r.applied.map((a) => `${a.kind} ${a.namespace ?? ''}/${a.name}`),
      ['Service shop/payments', 'Deployment shop/payments'],
    );
    assert.equal(r.applied.find((a) => a.kind === 'Deployment')?.action, 'configured');
    assert.deepEqual(r.deleted, []);
    assert.ok(events.length >= 2 && events.every((e) => e.type === 'note'));

    const dep = await paymentsDeployment();
    assert.equal(dep?.spec?.template?.spec?.containers?.[0]?.image, 'ghcr.io/demo/payments:3.1.0');
    // Helm's ownership metadata, so a later `helm upgrade` adopts the objects without complaint.
    assert.equal(dep?.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(dep?.metadata.annotations?.['meta.helm.sh/release-name'], 'payments');
    assert.equal(dep?.metadata.annotations?.['meta.helm.sh/release-namespace'], 'shop');

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
    // Helm's Secrets driver rebuilds the labels on every update: createdAt gives way to modifiedAt.
    const { modifiedAt, ...v3Labels } = v3.secret.metadata.labels ?? {};
    assert.match(modifiedAt ?? '', /^\d{10}$/);
    assert.deepEqual(v3Labels, { name: 'payments', owner: 'helm', status: 'deployed', version: '3' });
    const { modifiedAt: v2Modified, ...v2Labels } = v2.secret.metadata.labels ?? {};
    assert.match(v2Modified ?? '', /^\d{10}$/);
    assert.deepEqual(v2Labels, { name: 'payments', owner: 'helm', status: 'superseded', version: '2' });
    assert.equal(v1.secret.metadata.labels?.['modifiedAt'], undefined, 'revision 1 was not touched');

    assert.equal(v3.release.info.description, 'Rollback to 1');
    assert.equal(v3.release.manifest, v1.release.manifest);
    assert.deepEqual(v3.release.chart, v1.release.chart);
    assert.deepEqual(v3.release.chartMetadata, { name: 'payments', version: '0.3.0', appVersion: '3.1.0' });
    assert.deepEqual(v3.release.config, v1.release.config);
    assert.equal(v3.release.namespace, 'shop');
    assert.equal(v3.release.info.first_deployed, v2.release.info.first_deployed);
    assert.match(v3.release.info.last_deployed, HELM_TIME);
    assert.equal(v3.release.info.deleted, '');
    // The untouched-by-us fields of the superseded record survive the status rewrite.
    assert.equal(v2.release.info.description, 'Upgrade complete');
    assert.equal(v2.release.manifest.includes('payments:3.2.0'), true);

    const history = await helmHistory(client, 'shop', 'payments');
    assert.deepEqual(
      history.map(
        (h) => `${h.revision} ${h.status} ${h.chart}-${h.chartVersion} ${h.appVersion} ${h.description}`,
      ),
      [
        '1 superseded payments-0.3.0 3.1.0 Install complete',
        '2 superseded payments-0.4.0 3.2.0 Upgrade complete',
        '3 deployed payments-0.3.0 3.1.0 Rollback to 1',
      ],
    );
  });

  it('rolls back to the previous revision by default, as helm rollback does', async () => {
    const r = await rollbackHelmRelease(client, { namespace: 'shop', release: 'payments' });
    assert.deepEqual({ from: r.fromRevision, to: r.toRevision, n: r.newRevision }, { from: 3, to: 2, n: 4 });
    assert.equal(
      (await paymentsDeployment())?.spec?.template?.spec?.containers?.[0]?.image,
      'ghcr.io/demo/payments:3.2.0',
    );
    const all = await records();
    assert.deepEqual(
      all.map((x) => x.release.info.status),
      ['superseded', 'superseded', 'superseded', 'deployed'],
    );
    assert.equal(all[3]?.release.info.description, 'Rollback to 2');
    assert.equal(all[3]?.release.manifest, all[1]?.release.manifest);
    assert.equal(all[3]?.release.chartMetadata.appVersion, '3.2.0');
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

  it('refuses unknown revisions and releases and the current revision, writing nothing', async () => {
    assert.equal(
      await failure(rollbackHelmRelease(client, { namespace: 'shop', release: 'payments', toRevision: 9 })),
      'NOT_FOUND: Release payments has no revision 9; its revisions are 1–4.',
    );
    assert.equal(
      await failure(rollbackHelmRelease(client, { namespace: 'shop', release: 'nope' })),
      'NOT_FOUND: Helm release nope has no records in namespace shop.',
    );
    assert.equal(
      await failure(helmHistory(client, 'default', 'payments')),
      'NOT_FOUND: Helm release payments has no records in namespace default.',
    );
    assert.match(
      await failure(rollbackHelmRelease(client, { namespace: 'shop', release: 'payments', toRevision: 4 })),
      /^INVALID: Release payments is already at revision 4/,
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
    assert.equal(
      (await paymentsDeployment())?.spec?.template?.spec?.containers?.[0]?.image,
      'ghcr.io/demo/payments:3.2.0',
    );
  });

  /** Stores a hand-made release the way Helm would, with values that must never surface in messages. */
  async function storeRelease(
    name: string,
    revisions: { version: number; status: string; manifest: string }[],
  ): Promise<void> {
    for (const rev of revisions) {
      const json = {
        name,
        info: {
          first_deployed: '2024-01-01T00:00:00Z',
          last_deployed: `2024-01-0${rev.version}T00:00:00Z`,
          deleted: '',
          description: rev.version === 1 ? 'Install complete' : 'Upgrade complete',
          status: rev.status,
        },
        chart: { metadata: { name, version: `0.${rev.version}.0`, appVersion: `1.${rev.version}` } },
        config: { password: 'hunter2-do-not-leak' },
        manifest: rev.manifest,
        version: rev.version,
        namespace: 'shop',
      };
      await client.create(
        helmStorageSecret('shop', name, rev.version, rev.status, json, { team: 'pay' }, {}),
      );
    }
  }

  const configMap = (name: string, extra = ''): string =>
    `---\n# Source: x/templates/${name}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n${extra}`;

  it('deletes what only the current revision had, and keeps the release’s own labels', async () => {
    await storeRelease('extras', [
      { version: 1, status: 'superseded', manifest: configMap('extras-a') },
      { version: 2, status: 'deployed', manifest: configMap('extras-a') + configMap('extras-b') },
    ]);
    for (const n of ['extras-a', 'extras-b']) {
      const live: KubeObject & { data: Record<string, string> } = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: n, namespace: 'shop' },
        data: { k: 'v' },
      };
      await client.apply(live);
    }
    const events: PlanEvent[] = [];
    const r = await rollbackHelmRelease(client, {
      namespace: 'shop',
      release: 'extras',
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(r.deleted, [
      { kind: 'ConfigMap', namespace: 'shop', name: 'extras-b', action: 'configured' },
    ]);
    assert.equal(
      await client.get<KubeObject>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'extras-b',
      }),
      undefined,
    );
    assert.ok(
      await client.get<KubeObject>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'extras-a',
      }),
    );
    const v3 = (await records('extras'))[2];
    assert.equal(v3?.secret.metadata.labels?.['team'], 'pay');
    assert.equal(v3?.release.info.status, 'deployed');
    assert.ok(events.every((e) => !JSON.stringify(e).includes('hunter2')));
  });

  it('records a rollback whose resources cannot be updated as failed, as Helm does, and rethrows', async () => {
    await storeRelease('broken', [
      // A field ConfigMap does not have: strict field validation rejects the apply.
      { version: 1, status: 'superseded', manifest: configMap('broken-a', 'bogusField: 1\n') },
      { version: 2, status: 'deployed', manifest: configMap('broken-a') },
    ]);
    const err = await rollbackHelmRelease(client, { namespace: 'shop', release: 'broken' }).catch(
      (e: unknown) => e,
    );
    assert.ok(err instanceof AgentFailure, String(err));
    assert.ok(!err.message.includes('hunter2'));
    const all = await records('broken');
    assert.deepEqual(
      all.map((x) => [x.release.version, x.release.info.status, x.secret.metadata.labels?.['status']]),
      [
        [1, 'superseded', 'superseded'],
        [2, 'superseded', 'superseded'],
        [3, 'failed', 'failed'],
      ],
    );
    assert.equal(all[2]?.release.info.description, `Rollback "broken" failed: ${err.message}`);
  });
});
