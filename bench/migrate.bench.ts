import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Migrator } from '../agent/migrate/runner';
import { startPostgres, type RunningPostgres } from '../test/support/postgres';
import { CLI } from '../test/support/sandbox-process';
import { type BenchResult, percentile } from './harness';

/*
 * Migrations: 500 migrations (a table, an index and two rows each) applied to a fresh database by
 * Slipway's runner, node-pg-migrate and postgrator, against the floor of `psql -1` running the same SQL
 * concatenated in one transaction with no bookkeeping at all. Each tool runs 3 times, alternating, on a
 * fresh database each time, connection included; medians are compared. Then Slipway's status with
 * nothing to do, on an open connection and as the CLI.
 */

const COUNT = 500;
const ROUNDS = 3;

function migrationSql(i: number): string {
  return `CREATE TABLE t_${i} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMPTZ DEFAULT now());
CREATE INDEX t_${i}_name ON t_${i} (name);
INSERT INTO t_${i} (id, name) VALUES (1, 'a'), (2, 'b');
`;
}

interface Layouts {
  slipway: string;
  pgMigrate: string;
  postgrator: string;
  psql: string;
}

function writeLayouts(): Layouts {
  const root = mkdtempSync(join(tmpdir(), 'slipway-bench-mig-'));
  const dirs = {
    slipway: join(root, 'slipway'),
    pgMigrate: join(root, 'node-pg-migrate'),
    postgrator: join(root, 'postgrator'),
    psql: join(root, 'all.sql'),
  };
  for (const d of [dirs.slipway, dirs.pgMigrate, dirs.postgrator]) mkdirSync(d);
  let all = '';
  for (let i = 1; i <= COUNT; i++) {
    const n = String(i).padStart(4, '0');
    const sql = migrationSql(i);
    writeFileSync(join(dirs.slipway, `${n}_create_t_${i}.sql`), sql);
    writeFileSync(
      join(dirs.pgMigrate, `${1_000_000 + i}_create-t-${i}.sql`),
      `-- Up Migration\n${sql}\n-- Down Migration\nDROP TABLE t_${i};\n`,
    );
    writeFileSync(join(dirs.postgrator, `${n}.do.create_t_${i}.sql`), sql);
    all += sql;
  }
  writeFileSync(dirs.psql, all);
  return dirs;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

function psql(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-1', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, url], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql failed: ${err}`))));
  });
}

async function tables(pg: RunningPostgres, db: string): Promise<number> {
  const c = new Client({ connectionString: pg.url(db) });
  await c.connect();
  const r = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 't\\_%'`);
  await c.end();
  return (r.rows[0] as { n: number }).n;
}

export async function benchMigrate(): Promise<BenchResult[]> {
  if (spawnSync('sh', ['-c', 'command -v psql'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'psql is not installed (apt-get install postgresql-client): it is the floor of this benchmark.',
    );
  }
  const { runner } = (await import('node-pg-migrate')) as unknown as {
    runner: (o: Record<string, unknown>) => Promise<unknown>;
  };
  const Postgrator = (await import('postgrator')).default as unknown as new (o: Record<string, unknown>) => {
    migrate(): Promise<unknown>;
  };
  const pg = await startPostgres();
  const dirs = writeLayouts();
  const times: Record<'slipway' | 'pgMigrate' | 'postgrator' | 'psql', number[]> = {
    slipway: [],
    pgMigrate: [],
    postgrator: [],
    psql: [],
  };
  let lastSlipwayDb = '';
  try {
    for (let round = 0; round < ROUNDS; round++) {
      let db = await pg.createDatabase();
      times.psql.push(await timed(() => psql(pg.url(db), dirs.psql)));
      if ((await tables(pg, db)) !== COUNT) throw new Error('psql did not create every table');

      db = await pg.createDatabase();
      const slipwayDb = db;
      times.slipway.push(
        await timed(async () => {
          const c = new Client({ connectionString: pg.url(slipwayDb) });
          await c.connect();
          const r = await new Migrator(
            c,
            { host: pg.host, port: pg.port, database: slipwayDb, user: 'postgres' },
            { dir: dirs.slipway, layout: 'sqlx' },
          ).up();
          await c.end();
          if (r.done.length !== COUNT) throw new Error(`Slipway applied ${r.done.length}`);
        }),
      );
      lastSlipwayDb = slipwayDb;

      db = await pg.createDatabase();
      const pgmDb = db;
      times.pgMigrate.push(
        await timed(async () => {
          await runner({
            databaseUrl: pg.url(pgmDb),
            dir: dirs.pgMigrate,
            direction: 'up',
            migrationsTable: 'pgmigrations',
            count: Infinity,
            log: () => undefined,
            verbose: false,
          });
        }),
      );
      if ((await tables(pg, pgmDb)) !== COUNT) throw new Error('node-pg-migrate did not create every table');

      db = await pg.createDatabase();
      const pgrDb = db;
      times.postgrator.push(
        await timed(async () => {
          const c = new Client({ connectionString: pg.url(pgrDb) });
          await c.connect();
          const p = new Postgrator({
            migrationPattern: `${dirs.postgrator}/*`,
            driver: 'pg',
            database: pgrDb,
            schemaTable: 'schemaversion',
            execQuery: (query: string) => c.query(query),
          });
          await p.migrate();
          await c.end();
        }),
      );
      if ((await tables(pg, pgrDb)) !== COUNT) throw new Error('postgrator did not create every table');
    }

    // Status with nothing to do: on an open connection (what the extension's agent does), and as the CLI.
    const c = new Client({ connectionString: pg.url(lastSlipwayDb) });
    await c.connect();
    const m = new Migrator(
      c,
      { host: pg.host, port: pg.port, database: lastSlipwayDb, user: 'postgres' },
      { dir: dirs.slipway, layout: 'sqlx' },
    );
    const statusTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      statusTimes.push(
        await timed(async () => {
          const s = await m.status();
          if (s.pending !== 0) throw new Error('status found pending migrations');
        }),
      );
    }
    await c.end();
    const cliTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      cliTimes.push(
        await timed(
          () =>
            new Promise<void>((resolve, reject) => {
              const child = spawn(
                process.execPath,
                [
                  CLI,
                  'migrate',
                  'status',
                  '--dir',
                  dirs.slipway,
                  '--database-url',
                  pg.url(lastSlipwayDb),
                  '--json',
                ],
                { stdio: 'ignore' },
              );
              child.on('exit', (code) =>
                code === 0 ? resolve() : reject(new Error(`status exited ${code}`)),
              );
            }),
        ),
      );
    }

    const med = (xs: number[]): number => percentile(xs, 50);
    const floor = med(times.psql);
    const ratio = (xs: number[]): string => `${(med(xs) / floor).toFixed(2)}× the psql -1 floor`;
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    return [
      {
        name: `migrations: psql -1, ${COUNT} files as one script (floor)`,
        value: floor,
        unit: 'ms',
        note: `rounds ${list(times.psql)}`,
      },
      {
        name: `migrations: slipway up, ${COUNT} migrations`,
        value: med(times.slipway),
        unit: 'ms',
        target: '≤ 1.1× floor',
        note: `${ratio(times.slipway)}; one transaction and history row each; rounds ${list(times.slipway)}`,
      },
      {
        name: `migrations: node-pg-migrate 9 up, ${COUNT} migrations`,
        value: med(times.pgMigrate),
        unit: 'ms',
        note: `${ratio(times.pgMigrate)}; rounds ${list(times.pgMigrate)}`,
      },
      {
        name: `migrations: postgrator 8 migrate, ${COUNT} migrations`,
        value: med(times.postgrator),
        unit: 'ms',
        note: `${ratio(times.postgrator)}; rounds ${list(times.postgrator)}`,
      },
      {
        name: 'migrations: slipway status, nothing to do (open connection)',
        value: med(statusTimes),
        unit: 'ms',
        target: '≤ 30',
        note: `p95 ${percentile(statusTimes, 95).toFixed(1)} ms over 20 runs; ${COUNT} files read and checked`,
      },
      {
        name: 'migrations: slipway migrate status (CLI, process start included)',
        value: med(cliTimes),
        unit: 'ms',
        note: `rounds ${list(cliTimes)}`,
      },
    ];
  } finally {
    await pg.stop();
  }
}
