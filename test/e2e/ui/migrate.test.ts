import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type Workbench, e2eOptionsFromEnv, startWorkbench } from '../harness';
import {
  answerQuickInput,
  dialogButton,
  expandTreeItem,
  expandViewPane,
  notification,
  openViewContainer,
  runCommand,
  treeItem,
  treeItemContextAction,
} from '../selectors';
import { stopAgentOf } from '../../support/agent-process';
import { KUBECTL, hasKubectl } from '../../support/kubectl';
import { hasPostgres } from '../../support/postgres';
import { type SandboxProcess, startSandboxProcess } from '../../support/sandbox-process';

const PASSWORD = 'e2e-db-password';

const DB_OBJECTS = `apiVersion: v1
kind: Secret
metadata: { name: core-db, namespace: shop }
stringData:
  POSTGRES_PASSWORD: ${PASSWORD}
  DATABASE_URL: postgresql://core:${PASSWORD}@core-db.shop.svc.cluster.local:5432/core
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: core-db, namespace: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: core-db } }
  template:
    metadata: { labels: { app: core-db } }
    spec:
      containers:
        - name: postgres
          image: postgres:16
          ports: [{ containerPort: 5432 }]
          env:
            - { name: POSTGRES_USER, value: core }
            - { name: POSTGRES_DB, value: core }
            - name: POSTGRES_PASSWORD
              valueFrom: { secretKeyRef: { name: core-db, key: POSTGRES_PASSWORD } }
---
apiVersion: v1
kind: Service
metadata: { name: core-db, namespace: shop }
spec:
  selector: { app: core-db }
  ports: [{ port: 5432, targetPort: 5432 }]
`;

/**
 * Migrations as a user meets them: the Releases view shows the migration set of the service that runs
 * `core` (its database a real PostgreSQL in the sandbox, its URL in a Secret), the pending migration's
 * lint warning is a diagnostic on its file, and Migrate Database… shows the plan, applies with progress and
 * leaves the row up to date.
 */
describe('Migrations from the Releases view', function () {
  this.timeout(240_000);
  let sb: SandboxProcess;
  let wb: Workbench;
  let configDir: string;
  let workspace: string;

  before(async function () {
    if (!hasKubectl || !hasPostgres()) this.skip();
    sb = await startSandboxProcess('demo');
    const objects = join(mkdtempSync(join(tmpdir(), 'slipway-e2e-db-')), 'db.yaml');
    writeFileSync(objects, DB_OBJECTS);
    execFileSync(KUBECTL, ['--kubeconfig', sb.kubeconfig, 'apply', '-f', objects], { encoding: 'utf8' });
    execFileSync(
      KUBECTL,
      [
        '--kubeconfig',
        sb.kubeconfig,
        '-n',
        'shop',
        'rollout',
        'status',
        'deployment/core-db',
        '--timeout=60s',
      ],
      { encoding: 'utf8' },
    );
    workspace = mkdtempSync(join(tmpdir(), 'slipway-e2e-migrate-ws-'));
    mkdirSync(join(workspace, 'migrations'));
    const migration = (name: string, text: string): void =>
      writeFileSync(join(workspace, 'migrations', name), text);
    migration(
      '20240101120000_create_accounts.up.sql',
      'CREATE TABLE accounts (id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE);\n',
    );
    migration('20240101120000_create_accounts.down.sql', 'DROP TABLE accounts;\n');
    migration(
      '20240102120000_add_name.up.sql',
      '-- The shown name of an account.\nALTER TABLE accounts ADD COLUMN name TEXT NOT NULL;\n',
    );
    migration('20240102120000_add_name.down.sql', 'ALTER TABLE accounts DROP COLUMN name;\n');
    writeFileSync(
      join(workspace, 'slipway.yaml'),
      `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
services:
  core:
    workload: deployment/core
    manifests: { default: [k8s] }
    migrations: core-db
migrations:
  core-db:
    tool: sqlx
    directory: migrations
    history: native
    database:
      secret: { name: core-db, key: DATABASE_URL }
`,
    );
    configDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-migrate-'));
    wb = await startWorkbench({
      ...e2eOptionsFromEnv(),
      workspaceFolder: workspace,
      runName: 'migrate',
      env: { KUBECONFIG: sb.kubeconfig, SLIPWAY_CONFIG_DIR: configDir },
    });
    await openViewContainer(wb.page, 'Slipway');
    await expandViewPane(wb.page, 'Releases', 30_000);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await wb?.screenshot(`migrate-failed-${this.currentTest.title.slice(0, 30)}`);
    }
  });

  after(async () => {
    await wb?.stop();
    stopAgentOf(configDir);
    await sb?.stop();
  });

  async function migrationsRowText(): Promise<string> {
    return (await treeItem(wb.page, 'Releases', 'Migrations').textContent()) ?? '';
  }

  async function waitForRow(pattern: RegExp, what: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = await migrationsRowText().catch(() => '');
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`${what}: the Migrations row says "${text}"`);
      await wb.page.waitForTimeout(250);
    }
  }

  it('shows the set under its workload: nothing applied, two pending, the risky one flagged', async () => {
    await expandTreeItem(wb.page, 'Releases', 'core', 60_000);
    await waitForRow(/none applied · 2 pending/, 'the status through the Secret and the tunnel');
    await expandTreeItem(wb.page, 'Releases', 'Migrations');
    const risky = treeItem(wb.page, 'Releases', '20240102120000');
    await risky.waitFor({ timeout: 15_000 });
    assert.match((await risky.textContent()) ?? '', /pending · add name · 1 warning/);
    await wb.screenshot('migrate-01-releases-pending');
    // The warning is a diagnostic on the file, where the user edits it.
    await treeItemContextAction(wb.page, 'Releases', '20240102120000', 'Open Migration File');
    await wb.page.locator('.squiggly-warning').first().waitFor({ timeout: 15_000 });
    await runCommand(wb.page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const problem = wb.page
      .locator('.markers-panel .monaco-list-row')
      .filter({ hasText: /NOT NULL column without a DEFAULT/ });
    await problem.first().waitFor({ timeout: 15_000 });
    await wb.screenshot('migrate-02-lint-diagnostic');
  });

  it('Migrate Database… shows the plan, applies with progress, and the row is up to date', async () => {
    await treeItemContextAction(wb.page, 'Releases', 'Migrations', 'Migrate Database…');
    const apply = dialogButton(wb.page, 'Apply 2');
    await apply.waitFor({ timeout: 60_000 });
    const dialog = (await wb.page.locator('.monaco-dialog-box').textContent()) ?? '';
    assert.match(dialog, /Apply 2 migrations of core to staging \(1 warning\)\?/);
    assert.match(dialog, /20240102120000_add_name\.up\.sql — pending, one transaction/);
    assert.match(dialog, /line 2: ACCESS EXCLUSIVE on accounts/);
    assert.ok(!dialog.includes(PASSWORD), 'no password in the plan');
    await wb.screenshot('migrate-03-plan-dialog');
    await apply.click();
    await notification(wb.page, /Applied 2 migrations of core in staging/).waitFor({ timeout: 60_000 });
    await waitForRow(/at 20240102120000 · up to date/, 'the row after the run');
    await wb.screenshot('migrate-04-applied');
    // The rows are in the pod's database, in sqlx's own table.
    const ip = execFileSync(
      KUBECTL,
      [
        '--kubeconfig',
        sb.kubeconfig,
        '-n',
        'shop',
        'get',
        'pods',
        '-l',
        'app=core-db',
        '-o',
        'jsonpath={.items[0].status.podIP}',
      ],
      { encoding: 'utf8' },
    ).trim();
    const c = new Client({ connectionString: `postgresql://core:${PASSWORD}@${ip}:5432/core` });
    await c.connect();
    const rows = await c.query(
      'SELECT version::text AS v FROM _sqlx_migrations WHERE success ORDER BY version',
    );
    await c.end();
    assert.deepEqual(
      rows.rows.map((r: { v: string }) => r.v),
      ['20240101120000', '20240102120000'],
    );
  });

  it('accepts an edited applied file with a note, and reverts the newest migration with its down script', async () => {
    writeFileSync(
      join(workspace, 'migrations', '20240101120000_create_accounts.up.sql'),
      'CREATE TABLE accounts (id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE, created TIMESTAMPTZ);\n',
    );
    await waitForRow(/1 edited/, 'the edit noticed');
    await expandTreeItem(wb.page, 'Releases', 'Migrations');
    const edited = treeItem(wb.page, 'Releases', '20240101120000');
    await edited.waitFor({ timeout: 15_000 });
    assert.match((await edited.textContent()) ?? '', /edited · create accounts/);
    await wb.screenshot('migrate-05-edited');
    await treeItemContextAction(wb.page, 'Releases', '20240101120000', 'Accept Edited Migration…');
    await answerQuickInput(wb.page, 'created column added by hand in staging');
    await notification(wb.page, /Accepted the edit of 20240101120000_create_accounts\.up\.sql/).waitFor({
      timeout: 30_000,
    });
    await waitForRow(/at 20240102120000 · up to date(?! · \d+ edited)/, 'the edit accepted');

    await treeItemContextAction(wb.page, 'Releases', 'Migrations', 'Revert Last Migration…');
    await dialogButton(wb.page, 'Revert').waitFor({ timeout: 30_000 });
    await dialogButton(wb.page, 'Revert').click();
    await notification(wb.page, /Reverted 20240102120000 of core in staging/).waitFor({ timeout: 60_000 });
    await waitForRow(/at 20240101120000 · 1 pending/, 'the row after the revert');
    await wb.screenshot('migrate-06-reverted');
  });
});
