import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'pg';
import { KubeClient } from '../../agent/kube/client';
import { startAgent } from '../../agent/main';
import { AgentClient } from '../../extension/agent/client';
import type { KubeObject, Pod } from '../../agent/kube/objects';
import { hasPostgres } from '../support/postgres';
import { type CliRun, runCli } from '../support/cli';
import { REPO, type SandboxProcess, startSandboxProcess } from '../support/sandbox-process';

/*
 * The seeds keep DATABASE_URL in a Secret and point it at a Service inside the cluster. Here the sandbox
 * runs a real PostgreSQL for a `postgres` image, and `slipway migrate` reads the Secret and reaches the
 * database through a port-forward it opens itself.
 */
/** The shop's slipway.yaml: its Prisma migrations, their database URL under `key` of the Secret app-db. */
const projectYaml = (key: string): string => `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
services:
  shop:
    workload: deployment/shop
    manifests: { default: [k8s] }
    migrations: shop-db
migrations:
  shop-db:
    tool: prisma
    directory: prisma/migrations
    history: native
    database:
      secret: { name: app-db, key: ${key} }
`;

describe('slipway migrate against a database inside the cluster', function () {
  this.timeout(120_000);
  let sb: SandboxProcess;
  let kube: KubeClient;
  let project: string;
  const PASSWORD = 's3cret-in-a-Secret';

  before(async function () {
    if (!hasPostgres()) this.skip();
    sb = await startSandboxProcess('empty');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sb.kubeconfig);
    kube = new KubeClient(kc, 'sandbox');
    const obj = (o: Record<string, unknown>): KubeObject => o as unknown as KubeObject;
    await kube.create(obj({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }));
    await kube.create(
      obj({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'app-db', namespace: 'shop' },
        stringData: {
          POSTGRES_PASSWORD: PASSWORD,
          DATABASE_URL: `postgresql://app:${PASSWORD}@db.shop.svc.cluster.local:5432/shop`,
        },
      }),
    );
    await kube.create(
      obj({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: {
              containers: [
                {
                  name: 'postgres',
                  image: 'postgres:16',
                  ports: [{ containerPort: 5432, name: 'pg' }],
                  env: [
                    { name: 'POSTGRES_USER', value: 'app' },
                    { name: 'POSTGRES_DB', value: 'shop' },
                    {
                      name: 'POSTGRES_PASSWORD',
                      valueFrom: { secretKeyRef: { name: 'app-db', key: 'POSTGRES_PASSWORD' } },
                    },
                  ],
                },
              ],
            },
          },
        },
      }),
    );
    await kube.create(
      obj({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db', namespace: 'shop' },
        spec: { selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, targetPort: 'pg' }] },
      }),
    );
    for (let i = 0; ; i++) {
      const pods = await kube.list<Pod>('v1', 'Pod', 'shop', { labelSelector: 'app=db' });
      const ready = pods.some((p) =>
        (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (ready) break;
      if (i > 300) assert.fail('the postgres pod did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    project = mkdtempSync(join(tmpdir(), 'slipway-migrate-cluster-'));
    cpSync(join(REPO, 'test', 'fixtures', 'migrations', 'prisma'), join(project, 'prisma', 'migrations'), {
      recursive: true,
    });
    writeFileSync(join(project, 'slipway.yaml'), projectYaml('DATABASE_URL'));
  });
  after(async () => {
    await sb?.stop();
  });

  const slipway = (args: string[]): Promise<CliRun> =>
    runCli(['migrate', ...args], project, { KUBECONFIG: sb.kubeconfig, DATABASE_URL: '' });

  it('reads DATABASE_URL from the Secret, tunnels to the Service and migrates; the password stays hidden', async () => {
    const up = await slipway(['up', '--env', 'staging', '--service', 'shop']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /connecting through port-forward 127\.0\.0\.1:\d+ → service shop\/db:5432/);
    assert.match(up.stdout, /^Applied 2: 20240101120000_init, 20240201090000_add_orders\.$/m);
    assert.ok(!`${up.stdout}${up.stderr}`.includes(PASSWORD), 'the password is never printed');
    const status = await slipway(['status', '--env', 'staging', '--service', 'shop', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as {
      pending: number;
      database: { user: string; database: string; via?: string };
    };
    assert.equal(s.pending, 0);
    assert.equal(s.database.user, 'app');
    assert.equal(s.database.database, 'shop');
    assert.ok(!status.stdout.includes(PASSWORD));
    // The rows really are in the pod's PostgreSQL: read them through the API server's port-forward too.
    const pods = await kube.list<Pod>('v1', 'Pod', 'shop', { labelSelector: 'app=db' });
    const ip = pods[0]!.status?.podIP;
    const c = new Client({ connectionString: `postgresql://app:${PASSWORD}@${ip}:5432/shop` });
    await c.connect();
    const rows = await c.query('SELECT migration_name FROM _prisma_migrations ORDER BY 1');
    await c.end();
    assert.deepEqual(
      rows.rows.map((r: { migration_name: string }) => r.migration_name),
      ['20240101120000_init', '20240201090000_add_orders'],
    );
  });

  it('runs a service’s pending migrations in the deploy plan, before its manifests are applied', async () => {
    mkdirSync(join(project, 'prisma', 'migrations', '20240301090000_add_total'), { recursive: true });
    writeFileSync(
      join(project, 'prisma', 'migrations', '20240301090000_add_total', 'migration.sql'),
      'ALTER TABLE "Order" ADD COLUMN "total" INTEGER NOT NULL DEFAULT 0;\n',
    );
    mkdirSync(join(project, 'k8s'), { recursive: true });
    writeFileSync(
      join(project, 'k8s', 'shop.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: shop, namespace: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      containers:
        - name: shop
          image: ghcr.io/example/shop:1.0.0
          ports: [{ containerPort: 8080 }]
`,
    );
    const r = await runCli(['deploy', '--env', 'staging', '--service', 'shop', '--yes'], project, {
      KUBECONFIG: sb.kubeconfig,
    });
    // The plan's steps and notes are on stderr, in order.
    const out = r.stderr;
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(out, /Migrations of shop: applied 20240301090000_add_total/);
    assert.ok(
      out.indexOf('Migrations of shop: applied') < out.indexOf('shop.yaml') || !out.includes('shop.yaml'),
    );
    assert.ok(!`${r.stdout}${r.stderr}`.includes(PASSWORD));
    const shop = await kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'shop',
    });
    assert.ok(shop !== undefined, 'the manifest was applied after the migrations');
  });

  it('serves status, a dry run and up to the extension over the agent protocol, with progress', async () => {
    const agent = await startAgent({
      writeDiscoveryFile: false,
      env: {
        ...process.env,
        KUBECONFIG: sb.kubeconfig,
        SLIPWAY_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'slipway-migrate-agent-')),
      },
      log: () => undefined,
    });
    const client = new AgentClient('migrate-test');
    try {
      await client.connect({ port: agent.port, token: agent.token });
      const target = { workspace: project, env: 'staging', service: 'shop' };
      const before = await client.request('migrate.status', target);
      assert.equal(before.pending, 0);
      assert.equal(before.layout, 'prisma');
      assert.match(before.database.via ?? '', /service shop\/db:5432/);
      mkdirSync(join(project, 'prisma', 'migrations', '20240401090000_add_note'), { recursive: true });
      writeFileSync(
        join(project, 'prisma', 'migrations', '20240401090000_add_note', 'migration.sql'),
        'ALTER TABLE "Order" ADD COLUMN "note" TEXT NOT NULL;\n',
      );
      const plan = await client.request('migrate.up', { ...target, dryRun: true });
      assert.equal(plan.dryRun, true);
      const next = plan.status.entries.find((e) => e.version === '20240401090000_add_note');
      assert.equal(next?.state, 'pending');
      assert.deepEqual(
        next?.lint.map((l) => l.rule),
        ['not-null-without-default'],
      );
      assert.equal(next?.locks[0]?.lock, 'ACCESS EXCLUSIVE');
      const progress: string[] = [];
      const r = await client.request('migrate.up', target, { onProgress: (m) => progress.push(m) });
      assert.deepEqual(r.done, ['20240401090000_add_note']);
      assert.ok(
        progress.some((m) => m.includes('20240401090000_add_note/migration.sql')),
        progress.join('\n'),
      );
      assert.equal(r.status.pending, 0);
    } finally {
      client.close();
      await agent.stop();
    }
  });

  it('says which Secret key is missing, with the keys it has, and never their values', async () => {
    writeFileSync(join(project, 'slipway.yaml'), projectYaml('DB_URL'));
    const r = await slipway(['status', '--env', 'staging', '--service', 'shop']);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /Secret shop\/app-db has no key DB_URL; its keys are DATABASE_URL, POSTGRES_PASSWORD\./,
    );
    assert.ok(!r.stderr.includes(PASSWORD));
  });
});
