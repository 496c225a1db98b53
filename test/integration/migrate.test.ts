import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { MigrationLayout, MigrationProgress, HistoryMode } from '../../protocol';
import { AgentFailure } from '../../protocol';
import { Migrator } from '../../agent/migrate/runner';
import { type RunningPostgres, hasPostgres, startPostgres } from '../support/postgres';
import { REPO } from '../support/sandbox-process';

const FIXTURES = join(REPO, 'test', 'fixtures', 'migrations');

/** A copy of a fixture directory (tests edit files) or an empty one. */
function dirOf(fixture?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-mig-'));
  if (fixture !== undefined) cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

describe('migrations against a real PostgreSQL', function () {
  this.timeout(60_000);
  let pg: RunningPostgres;
  const clients: Client[] = [];

  before(async function () {
    if (!hasPostgres()) {
      // scripts/test.mjs installs Debian's postgresql; a machine without it cannot run these.
      this.skip();
    }
    pg = await startPostgres();
  });
  after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await pg?.stop();
  });

  async function connect(db: string, app = 'slipway-test'): Promise<Client> {
    const c = new Client({ connectionString: pg.url(db), application_name: app });
    await c.connect();
    clients.push(c);
    return c;
  }

  async function migrator(
    dir: string,
    opts: {
      layout?: MigrationLayout;
      history?: HistoryMode;
      db?: string;
      app?: string;
      onProgress?: (p: MigrationProgress) => void;
    } = {},
  ): Promise<{ m: Migrator; c: Client; db: string }> {
    const db = opts.db ?? (await pg.createDatabase());
    const c = await connect(db, opts.app);
    const m = new Migrator(
      c,
      { host: pg.host, port: pg.port, database: db, user: 'postgres' },
      {
        dir,
        layout: opts.layout,
        history: opts.history,
        onProgress: opts.onProgress,
        lockWaitMs: 20_000,
      },
    );
    return { m, c, db };
  }

  const columns = async (c: Client, table: string): Promise<string[]> =>
    (
      await c.query(
        `SELECT column_name || ' ' || data_type || CASE WHEN character_maximum_length IS NULL THEN '' ELSE '(' || character_maximum_length || ')' END || ' ' || is_nullable AS d
           FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [table],
      )
    ).rows.map((r: { d: string }) => r.d);

  describe('layouts and native histories', () => {
    it('sqlx: applies, writes _sqlx_migrations as sqlx does (SHA-384 checksums), reverts with .down.sql', async () => {
      const { m, c } = await migrator(dirOf('sqlx'), { history: 'native' });
      assert.equal(m.layout, 'sqlx');
      const r = await m.up();
      assert.equal(r.failed, undefined);
      assert.deepEqual(r.done, ['20240101120000', '20240102120000']);
      assert.deepEqual(await columns(c, '_sqlx_migrations'), [
        'version bigint NO',
        'description text NO',
        'installed_on timestamp with time zone NO',
        'success boolean NO',
        'checksum bytea NO',
        'execution_time bigint NO',
      ]);
      const rows = (
        await c.query(
          'SELECT version, description, success, encode(checksum, $1) AS sum, execution_time FROM _sqlx_migrations ORDER BY version',
          ['hex'],
        )
      ).rows;
      assert.deepEqual(
        rows.map((x: Record<string, unknown>) => [x['version'], x['description'], x['success'], x['sum']]),
        [
          // sha384sum of the fixture files
          [
            '20240101120000',
            'create users',
            true,
            '1ea273ebb34f401dbc70e95a68a8acd28723e0954b8445a7ec3435f1653a537d0fd34fd47d83d3744aa639b7c770a362',
          ],
          [
            '20240102120000',
            'add name',
            true,
            'ebdcb032462a4c6c2f7b91b7b63676e7f5cbad618727aa6760170f7ac2370024a0873269104909c5b83e8cecc191969f',
          ],
        ],
      );
      assert.ok(
        rows.every((x: { execution_time: string }) => Number(x.execution_time) > 0),
        'nanoseconds recorded',
      );
      const status = await m.status();
      assert.equal(status.pending, 0);
      assert.equal(status.current, '20240102120000');
      const down = await m.down();
      assert.deepEqual(down.done, ['20240102120000']);
      assert.deepEqual(await columns(c, 'users').then((x) => x.map((d) => d.split(' ')[0])), ['id', 'email']);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM _sqlx_migrations')).rows[0].n, 1);
      assert.equal((await m.status()).pending, 1);
    });

    it('Flyway: versioned, repeatable and undo files in flyway_schema_history with Flyway’s CRC-32', async () => {
      const { m, c } = await migrator(dirOf('flyway'), { history: 'native' });
      assert.equal(m.layout, 'flyway');
      const r = await m.up();
      assert.equal(r.failed, undefined);
      assert.deepEqual(await columns(c, 'flyway_schema_history'), [
        'installed_rank integer NO',
        'version character varying(50) YES',
        'description character varying(200) NO',
        'type character varying(20) NO',
        'script character varying(1000) NO',
        'checksum integer YES',
        'installed_by character varying(100) NO',
        'installed_on timestamp without time zone NO',
        'execution_time integer NO',
        'success boolean NO',
      ]);
      const idx = (
        await c.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'flyway_schema_history' ORDER BY 1`)
      ).rows;
      assert.deepEqual(
        idx.map((x: { indexname: string }) => x.indexname),
        ['flyway_schema_history_pk', 'flyway_schema_history_s_idx'],
      );
      const rows = (
        await c.query(
          'SELECT installed_rank, version, description, type, script, checksum, installed_by, success FROM flyway_schema_history ORDER BY installed_rank',
        )
      ).rows;
      assert.deepEqual(rows, [
        // CRC-32 over the lines without line endings (BOM dropped), computed with Python's zlib.crc32
        {
          installed_rank: 1,
          version: '1',
          description: 'create accounts',
          type: 'SQL',
          script: 'V1__create_accounts.sql',
          checksum: -1404159305,
          installed_by: 'postgres',
          success: true,
        },
        {
          installed_rank: 2,
          version: '1.1',
          description: 'add balance',
          type: 'SQL',
          script: 'V1.1__add_balance.sql',
          checksum: 1779476242,
          installed_by: 'postgres',
          success: true,
        },
        {
          installed_rank: 3,
          version: '2',
          description: 'create ledger',
          type: 'SQL',
          script: 'V2__create_ledger.sql',
          checksum: 1290585499,
          installed_by: 'postgres',
          success: true,
        },
        {
          installed_rank: 4,
          version: null,
          description: 'account totals',
          type: 'SQL',
          script: 'R__account_totals.sql',
          checksum: -618690791,
          installed_by: 'postgres',
          success: true,
        },
      ]);
      const down = await m.down();
      assert.deepEqual(down.done, ['2']);
      const undo = (
        await c.query(
          `SELECT version, type, script, checksum FROM flyway_schema_history WHERE installed_rank = 5`,
        )
      ).rows[0];
      assert.deepEqual(undo, {
        version: '2',
        type: 'UNDO_SQL',
        script: 'U2__create_ledger.sql',
        checksum: -1842703875,
      });
      assert.equal((await c.query(`SELECT to_regclass('ledger') AS t`)).rows[0].t, null);
      const after = await m.status();
      assert.deepEqual(
        after.entries.map((e) => [e.version, e.state]),
        [
          ['1', 'applied'],
          ['1.1', 'applied'],
          ['2', 'pending'],
          ['', 'applied'],
        ],
      );
    });

    it('Prisma: _prisma_migrations rows as the migration engine writes them; no down, said clearly', async () => {
      const { m, c } = await migrator(dirOf('prisma'), { history: 'native' });
      assert.equal(m.layout, 'prisma');
      assert.deepEqual((await m.up()).done, ['20240101120000_init', '20240201090000_add_orders']);
      assert.deepEqual(await columns(c, '_prisma_migrations'), [
        'id character varying(36) NO',
        'checksum character varying(64) NO',
        'finished_at timestamp with time zone YES',
        'migration_name character varying(255) NO',
        'logs text YES',
        'rolled_back_at timestamp with time zone YES',
        'started_at timestamp with time zone NO',
        'applied_steps_count integer NO',
      ]);
      const rows = (
        await c.query(
          'SELECT id, checksum, migration_name, applied_steps_count, finished_at IS NOT NULL AS finished, logs, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
        )
      ).rows;
      assert.deepEqual(
        rows.map((x: Record<string, unknown>) => [
          x['checksum'],
          x['migration_name'],
          x['applied_steps_count'],
          x['finished'],
          x['logs'],
          x['rolled_back_at'],
        ]),
        [
          // sha256sum of the fixture files
          [
            '4d5b41310e601f09c5b208a70b557d8a7fba84eef12cfa2ac289f25e1aa1fa44',
            '20240101120000_init',
            1,
            true,
            null,
            null,
          ],
          [
            'f3f6defa0fb14c8d22ddbed49cdb889223d49c17184278f3e213c0c3a879aa27',
            '20240201090000_add_orders',
            1,
            true,
            null,
            null,
          ],
        ],
      );
      assert.ok(rows.every((x: { id: string }) => /^[0-9a-f-]{36}$/.test(x.id)));
      await assert.rejects(
        m.down(),
        (e: unknown) =>
          e instanceof AgentFailure &&
          /no down migration; Prisma migrations have no down scripts/.test(e.error.message),
      );
    });

    it('plain ordered files with Slipway’s history, including a dollar-quoted function body', async () => {
      const { m, c } = await migrator(dirOf('plain'));
      assert.equal(m.layout, 'plain');
      assert.deepEqual((await m.up()).done, ['001-notes', '002-note-count', '010-rls']);
      assert.equal((await c.query('SELECT note_count()::int AS n')).rows[0].n, 0);
      assert.equal((await m.status()).pending, 0);
      assert.deepEqual((await m.up()).done, [], 'a second run has nothing to do');
    });
  });

  describe('failures, resumption, locks and edits', () => {
    it('a failing migration leaves nothing of itself, keeps the earlier ones, releases the lock, names file and line', async () => {
      const dir = dirOf();
      writeFileSync(join(dir, '1_first.sql'), 'CREATE TABLE a (id INT);\n');
      writeFileSync(
        join(dir, '2_second.sql'),
        'CREATE TABLE b (id INT);\nINSERT INTO b VALUES (1);\nINSERT INTO b VALUES (\n  1, nope);\n',
      );
      writeFileSync(join(dir, '3_third.sql'), 'CREATE TABLE c (id INT);\n');
      const { m, c } = await migrator(dir, { layout: 'sqlx' });
      const r = await m.up();
      assert.deepEqual(r.done, ['1']);
      assert.equal(r.failed?.file, '2_second.sql');
      assert.equal(r.failed?.line, 4);
      assert.match(r.failed?.message ?? '', /column "nope" does not exist/);
      assert.equal(r.failed?.code, '42703');
      assert.equal(
        (await c.query(`SELECT to_regclass('b') AS t`)).rows[0].t,
        null,
        'nothing of the failed migration',
      );
      assert.equal((await c.query(`SELECT to_regclass('c') AS t`)).rows[0].t, null, 'nothing after it');
      const locks = await c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`);
      assert.equal(locks.rows[0].n, 0, 'the lock is released');
      writeFileSync(join(dir, '2_second.sql'), 'CREATE TABLE b (id INT);\nINSERT INTO b VALUES (1);\n');
      const again = await m.up();
      assert.deepEqual(again.done, ['2', '3']);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM b')).rows[0].n, 1);
    });

    it('runs CREATE INDEX CONCURRENTLY outside a transaction, and after a failed build drops the INVALID index and resumes', async () => {
      const dir = dirOf();
      writeFileSync(
        join(dir, '1_items.sql'),
        'CREATE TABLE items (id INT, sku TEXT);\nINSERT INTO items VALUES (1, $$a$$), (2, $$a$$);\n',
      );
      writeFileSync(
        join(dir, '2_unique_sku.sql'),
        'CREATE TABLE audit (n INT);\nINSERT INTO audit VALUES (1);\nCREATE UNIQUE INDEX CONCURRENTLY items_sku ON items (sku);\nINSERT INTO audit VALUES (2);\n',
      );
      const events: MigrationProgress[] = [];
      const { m, c } = await migrator(dir, { layout: 'sqlx', onProgress: (p) => events.push(p) });
      const plan = await m.status();
      assert.equal(plan.entries[1]!.transaction, 'split');
      assert.deepEqual(
        plan.entries[1]!.locks.map((l) => [l.line, l.lock]),
        [
          [2, 'ROW EXCLUSIVE'],
          [3, 'SHARE UPDATE EXCLUSIVE'],
          [4, 'ROW EXCLUSIVE'],
        ],
      );
      const r = await m.up();
      assert.equal(r.failed?.line, 3);
      assert.match(r.failed?.message ?? '', /could not create unique index "items_sku"/);
      const invalid = async (): Promise<number> =>
        (await c.query('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid')).rows[0].n;
      assert.equal(await invalid(), 1, 'the failed concurrent build left an INVALID index');
      const s = await m.status();
      assert.equal(s.entries[1]!.state, 'partial');
      assert.equal(s.entries[1]!.statementsDone, 2);
      await c.query(`UPDATE items SET sku = 'b' WHERE id = 2`);
      const again = await m.up();
      assert.deepEqual(again.done, ['2']);
      assert.equal(await invalid(), 0, 'no INVALID index after the retry');
      assert.ok(events.some((e) => e.kind === 'dropped-invalid-index' && e.index === 'items_sku'));
      assert.deepEqual(
        (await c.query('SELECT n FROM audit ORDER BY n')).rows.map((x: { n: number }) => x.n),
        [1, 2],
        'statements before the failure ran once',
      );
      assert.equal((await m.status()).entries[1]!.state, 'applied');
    });

    it('two runners started together apply each migration exactly once; the second says who holds the lock', async () => {
      const dir = dirOf();
      writeFileSync(
        join(dir, '1_slow.sql'),
        'CREATE TABLE runs (n INT);\nSELECT pg_sleep(1.5);\nINSERT INTO runs VALUES (1);\n',
      );
      writeFileSync(join(dir, '2_more.sql'), 'INSERT INTO runs VALUES (2);\n');
      const db = await pg.createDatabase();
      const waits: MigrationProgress[] = [];
      const a = await migrator(dir, { layout: 'sqlx', db, app: 'runner-a' });
      const b = await migrator(dir, {
        layout: 'sqlx',
        db,
        app: 'runner-b',
        onProgress: (p) => waits.push(p),
      });
      const pidA = (await a.c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const first = a.m.up();
      await new Promise((r) => setTimeout(r, 300));
      const second = b.m.up();
      const [ra, rb] = await Promise.all([first, second]);
      assert.deepEqual(ra.done, ['1', '2']);
      assert.deepEqual(rb.done, [], 'the second runner finds them applied');
      assert.deepEqual(
        (await a.c.query('SELECT n FROM runs ORDER BY n')).rows.map((x: { n: number }) => x.n),
        [1, 2],
      );
      const wait = waits.find((w) => w.kind === 'waiting-for-lock');
      assert.ok(wait !== undefined && wait.kind === 'waiting-for-lock', 'the second runner reported waiting');
      assert.equal(wait.holder?.pid, pidA);
      assert.equal(wait.holder?.application, 'runner-a');
    });

    it('refuses an edited applied file, ignores a whitespace/comment-only change, and audits accept-edit', async () => {
      const dir = dirOf();
      writeFileSync(join(dir, '1_t.sql'), 'CREATE TABLE t (id INT);\n');
      writeFileSync(join(dir, '2_u.sql'), 'CREATE TABLE u (id INT);\n');
      const { m, c } = await migrator(dir, { layout: 'sqlx' });
      await m.up();
      writeFileSync(join(dir, '1_t.sql'), '-- the t table\r\nCREATE   TABLE t (id INT);   \r\n\r\n');
      assert.equal(
        (await m.status()).entries[0]!.state,
        'applied',
        'line endings, spacing and comments are no edit',
      );
      writeFileSync(join(dir, '1_t.sql'), 'CREATE TABLE t (id BIGINT);\n');
      writeFileSync(join(dir, '3_v.sql'), 'CREATE TABLE v (id INT);\n');
      await assert.rejects(
        m.up(),
        (e: unknown) =>
          e instanceof AgentFailure &&
          e.error.code === 'CONFLICT' &&
          /1_t\.sql was edited after being applied/.test(e.error.message),
      );
      assert.equal((await c.query(`SELECT to_regclass('v') AS t`)).rows[0].t, null, 'nothing applied');
      const before = (await m.status()).entries[0]!;
      const accepted = await m.acceptEdit('1', 'widened in place by hand');
      assert.equal(accepted.entries[0]!.state, 'applied');
      const audits = await m.audits();
      assert.equal(audits.length, 1);
      assert.equal(audits[0]!['action'], 'accept-edit');
      assert.equal(audits[0]!['old_checksum'], before.appliedChecksum);
      assert.equal(audits[0]!['new_checksum'], before.checksum);
      assert.equal(audits[0]!['note'], 'widened in place by hand');
      assert.deepEqual((await m.up()).done, ['3']);
    });

    it('plans without changing anything: states, locks, lint findings', async () => {
      const dir = dirOf();
      writeFileSync(
        join(dir, '1_t.sql'),
        'CREATE TABLE t (id INT, name TEXT);\nCREATE INDEX t_name ON t (name);\n',
      );
      writeFileSync(
        join(dir, '2_risky.sql'),
        'CREATE INDEX t_id ON t (id);\nALTER TABLE t ADD COLUMN email TEXT NOT NULL;\nALTER TABLE t RENAME COLUMN name TO full_name;\nALTER TABLE t ADD CONSTRAINT pos CHECK (id > 0);\nALTER TABLE t ALTER COLUMN id TYPE BIGINT;\nALTER TABLE t DROP COLUMN email;\n',
      );
      const { m, c } = await migrator(dir, { layout: 'sqlx' });
      const dry = await m.up({ dryRun: true });
      assert.equal(dry.dryRun, true);
      assert.equal(
        (await c.query(`SELECT to_regclass('slipway_migrations') AS t`)).rows[0].t,
        null,
        'a dry run creates nothing',
      );
      assert.deepEqual(
        dry.status.entries[0]!.lint,
        [],
        'an index on a table the same migration creates is fine',
      );
      assert.deepEqual(
        dry.status.entries[1]!.lint.map((l) => [l.line, l.rule]),
        [
          [1, 'index-not-concurrent'],
          [2, 'not-null-without-default'],
          [3, 'column-rename'],
          [4, 'constraint-without-not-valid'],
          [5, 'column-type-change'],
          [6, 'column-drop'],
        ],
      );
      assert.equal(dry.status.entries[1]!.locks.find((l) => l.line === 2)?.lock, 'ACCESS EXCLUSIVE');
    });
  });
});

// Keeps the fixture reader honest: the CRLF and BOM fixtures really carry them.
describe('migration fixtures', () => {
  it('hold a CRLF file and a BOM file, as the checksum tests need', () => {
    assert.ok(readFileSync(join(FIXTURES, 'sqlx', '20240102120000_add_name.up.sql')).includes('\r\n'));
    assert.equal(readFileSync(join(FIXTURES, 'flyway', 'V1__create_accounts.sql'))[0], 0xef);
  });
});
