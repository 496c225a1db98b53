import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { MigrationRunResult, MigrationStatus } from '../../protocol';
import { type RunningPostgres, hasPostgres, startPostgres } from '../support/postgres';
import { type CliRun, runCli } from '../support/cli';
import { REPO } from '../support/sandbox-process';

/** `slipway migrate …` with no DATABASE_URL from this machine's environment unless a test gives one. */
const slipway = (args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> =>
  runCli(['migrate', ...args], cwd, { DATABASE_URL: '', ...env });

describe('slipway migrate (CLI)', function () {
  this.timeout(120_000);
  let pg: RunningPostgres;
  let work: string;
  let url: string;
  const SECRET = 'p4ss-w0rd-never-shown';

  before(async function () {
    if (!hasPostgres()) this.skip();
    pg = await startPostgres();
    const db = await pg.createDatabase();
    // Trust authentication ignores the password; it is in the URL so the test can look for it.
    url = `postgresql://postgres:${SECRET}@${pg.host}:${pg.port}/${db}`;
    work = mkdtempSync(join(tmpdir(), 'slipway-migrate-cli-'));
    cpSync(join(REPO, 'test', 'fixtures', 'migrations', 'sqlx'), join(work, 'db'), { recursive: true });
  });
  after(async () => {
    await pg?.stop();
  });

  it('status --json plans, up applies, a second up has nothing to do; the password is never printed', async () => {
    const status = await slipway(['status', '--dir', 'db', '--database-url', url, '--json'], work);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as MigrationStatus;
    assert.equal(s.layout, 'sqlx');
    assert.equal(s.pending, 2);
    assert.equal(s.database.user, 'postgres');
    const up = await slipway(['up', '--dir', 'db', '--database-url', url, '--history', 'native'], work);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^Applied 2: 20240101120000, 20240102120000\.$/m);
    assert.match(up.stderr, /\[1\/2\] 20240101120000_create_users\.up\.sql/);
    const again = await slipway(['up', '--dir', 'db', '--history', 'native'], work, { DATABASE_URL: url });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to do: the database is up to date\./);
    const human = await slipway(['status', '--dir', 'db', '--history', 'native'], work, {
      DATABASE_URL: url,
    });
    assert.match(human.stdout, /✓ 20240102120000 {2}add name/);
    assert.match(human.stdout, /^0 pending; current version 20240102120000\.$/m);
    for (const r of [status, up, again, human]) assert.ok(!`${r.stdout}${r.stderr}`.includes(SECRET));
  });

  it('backs up with pg_dump before applying when asked, and records the dump in the audit table', async function () {
    if (
      spawnSync('sh', ['-c', 'command -v pg_dump && command -v pg_restore'], { stdio: 'ignore' }).status !== 0
    ) {
      this.skip();
    }
    const db = await pg.createDatabase();
    const dbUrl = `postgresql://postgres:${SECRET}@${pg.host}:${pg.port}/${db}`;
    const backups = mkdtempSync(join(tmpdir(), 'slipway-backups-'));
    const r = await slipway(['up', '--dir', 'db', '--database-url', dbUrl, '--backup-dir', backups], work);
    assert.equal(r.code, 0, r.stderr);
    const m = /backed up the database to (\S+\.dump)/.exec(r.stderr);
    assert.ok(m !== null, r.stderr);
    assert.ok(m[1]!.startsWith(backups));
    const list = spawnSync('pg_restore', ['--list', m[1]!], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /Archive created at/);
    assert.ok(!r.stderr.includes(SECRET));
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    const audit = await c.query(`SELECT action, note FROM slipway_migration_audit ORDER BY id`);
    await c.end();
    assert.deepEqual(audit.rows, [{ action: 'backup', note: m[1] }]);
    const nothing = await slipway(
      ['up', '--dir', 'db', '--database-url', dbUrl, '--backup-dir', backups],
      work,
    );
    assert.doesNotMatch(nothing.stderr, /backed up/, 'no backup when there is nothing to apply');
  });

  it('exits 1 naming file, line and the Postgres message when a migration fails', async () => {
    const dir = join(work, 'broken');
    cpSync(join(work, 'db'), dir, { recursive: true });
    writeFileSync(
      join(dir, '20240103120000_bad.up.sql'),
      'CREATE TABLE ok (id INT);\nSELECT * FROM no_such_table;\n',
    );
    const r = await slipway(['up', '--dir', 'broken', '--database-url', url, '--history', 'native'], work);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /migration 20240103120000 failed at 20240103120000_bad\.up\.sql:2: relation "no_such_table" does not exist \(SQLSTATE 42P01\)/,
    );
    assert.ok(!r.stderr.includes(SECRET));
  });

  it('exits 2 on bad usage or input, and 1 when the database cannot be reached', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['sideways', '--database-url', url],
        /Say what to do: status, up, down or accept-edit, not "sideways"/,
      ],
      [
        ['status', '--dir', 'db', '--format', 'liquibase', '--database-url', url],
        /--format takes sqlx, flyway, prisma, plain/,
      ],
      [['status', '--dir', 'db'], /No database: pass --database-url/],
      [
        ['status', '--dir', 'nowhere', '--database-url', url],
        /The migrations directory .*nowhere does not exist/,
      ],
      [['accept-edit', '--dir', 'db', '--database-url', url], /accept-edit needs the VERSION/],
      [['status', '--database-url', 'mysql://x@y/z', '--dir', 'db'], /Slipway migrates PostgreSQL/],
    ];
    for (const [args, message] of cases) {
      const r = await slipway(args, work);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const down = await slipway(
      ['status', '--dir', 'db', '--database-url', `postgresql://postgres:${SECRET}@127.0.0.1:1/x`],
      work,
    );
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /Could not connect to PostgreSQL at 127\.0\.0\.1:1 \(database x, user postgres\)/,
    );
    assert.ok(!down.stderr.includes(SECRET));
  });

  it('takes directory, format, history and the URL’s variable from a service’s migration set in slipway.yaml', async () => {
    const project = mkdtempSync(join(tmpdir(), 'slipway-migrate-project-'));
    cpSync(join(REPO, 'test', 'fixtures', 'migrations', 'flyway'), join(project, 'sql'), { recursive: true });
    const db = await pg.createDatabase();
    writeFileSync(
      join(project, 'slipway.yaml'),
      `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
services:
  ledger:
    workload: deployment/ledger
    manifests: { default: [k8s] }
    migrations: ledger-db
migrations:
  ledger-db:
    tool: flyway
    directory: sql
    history: native
    database:
      env: LEDGER_DATABASE_URL
`,
    );
    const r = await slipway(['up', '--env', 'staging', '--service', 'ledger', '--json'], project, {
      LEDGER_DATABASE_URL: `postgresql://postgres@${pg.host}:${pg.port}/${db}`,
    });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as MigrationRunResult;
    assert.deepEqual(result.done, ['1', '1.1', '2', 'account totals']);
    assert.equal(result.status.history.table, 'flyway_schema_history');
    const missing = await slipway(['status', '--env', 'staging', '--service', 'ledger'], project);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /reads the database URL from \$LEDGER_DATABASE_URL, which is not set/);
  });
});
