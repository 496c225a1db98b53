import { randomUUID } from 'node:crypto';
import type { ClientBase } from 'pg';
import type { HistoryMode, MigrationLayout } from '../../protocol';
import { flywayChecksum, prismaChecksum, slipwayChecksum, sqlxChecksum } from './checksums';
import type { MigrationFile } from './sources';

/** A migration the history records as applied. */
export interface AppliedRow {
  version: string;
  description: string;
  checksum: string;
  appliedAt: string;
  executionMs: number;
  /** Flyway repeatables are keyed by description, not version. */
  repeatable: boolean;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal (standard_conforming_strings, on by default since PostgreSQL 9.1). */
export function literal(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/**
 * A migration is timed in-band: its transaction starts by noting the time in a transaction-local
 * setting, and its history row takes the milliseconds since (several migrations may share a message).
 */
export const STARTED = "SELECT set_config('slipway.started', clock_timestamp()::text, true)";
export const ELAPSED_MS =
  "(extract(epoch from clock_timestamp() - current_setting('slipway.started')::timestamptz) * 1000)";

/** Records `f` as applied, run for `executionMs`. */
export async function recordApplied(
  c: ClientBase,
  store: HistoryStore,
  f: MigrationFile,
  executionMs: number,
): Promise<void> {
  await c.query(store.recordSql(f, String(Math.max(0, executionMs))));
}

/**
 * One history table: Slipway's own, or a tool's native one written exactly as that tool writes it. Rows
 * are written inside the migration's transaction, so a migration and its record commit together.
 */
export interface HistoryStore {
  readonly mode: HistoryMode;
  /** Unqualified table name, for messages and the lock key. */
  readonly table: string;
  ensure(c: ClientBase): Promise<void>;
  read(c: ClientBase): Promise<AppliedRow[]>;
  checksumOf(f: MigrationFile): string;
  /**
   * The INSERT that records `f` as applied, as SQL text (values inlined as literals) so it can travel in
   * one message with the migration; `elapsedMs` is an SQL expression for the run time in milliseconds.
   */
  recordSql(f: MigrationFile, elapsedMs: string): string;
  /** After a revert: the version no longer counts as applied. */
  forget(c: ClientBase, f: MigrationFile): Promise<void>;
  setChecksum(c: ClientBase, row: AppliedRow, checksum: string): Promise<void>;
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v ?? ''));

class SlipwayHistory implements HistoryStore {
  readonly mode = 'slipway' as const;
  readonly table = 'slipway_migrations';
  constructor(private readonly schema: string) {}
  private get t(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }
  async ensure(c: ClientBase): Promise<void> {
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.t} (
      version TEXT PRIMARY KEY,
      description TEXT NOT NULL,
      script TEXT NOT NULL,
      checksum TEXT NOT NULL,
      repeatable BOOLEAN NOT NULL DEFAULT false,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      applied_by TEXT NOT NULL DEFAULT current_user,
      execution_ms INTEGER NOT NULL
    )`);
  }
  async read(c: ClientBase): Promise<AppliedRow[]> {
    const r = await c.query(
      `SELECT version, description, checksum, applied_at, execution_ms, repeatable FROM ${this.t}`,
    );
    return r.rows.map((x: Record<string, unknown>) => ({
      version: x['repeatable'] === true ? '' : String(x['version']),
      description: String(x['description']),
      checksum: String(x['checksum']),
      appliedAt: iso(x['applied_at']),
      executionMs: Number(x['execution_ms']),
      repeatable: x['repeatable'] === true,
    }));
  }
  checksumOf(f: MigrationFile): string {
    return slipwayChecksum(f.content);
  }
  private key(f: { repeatable: boolean; version: string; description: string }): string {
    return f.repeatable ? `R:${f.description}` : f.version;
  }
  recordSql(f: MigrationFile, elapsedMs: string): string {
    return `INSERT INTO ${this.t} (version, description, script, checksum, repeatable, execution_ms)
       VALUES (${literal(this.key(f))}, ${literal(f.description)}, ${literal(f.file)}, ${literal(this.checksumOf(f))}, ${f.repeatable}, round(${elapsedMs}))
       ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum, script = EXCLUDED.script,
         applied_at = now(), applied_by = current_user, execution_ms = EXCLUDED.execution_ms`;
  }
  async forget(c: ClientBase, f: MigrationFile): Promise<void> {
    await c.query(`DELETE FROM ${this.t} WHERE version = $1`, [this.key(f)]);
  }
  async setChecksum(c: ClientBase, row: AppliedRow, checksum: string): Promise<void> {
    await c.query(`UPDATE ${this.t} SET checksum = $2 WHERE version = $1`, [this.key(row), checksum]);
  }
}

/** sqlx's `_sqlx_migrations`, as sqlx-core's Postgres migrator creates and fills it. */
class SqlxHistory implements HistoryStore {
  readonly mode = 'native' as const;
  readonly table = '_sqlx_migrations';
  constructor(private readonly schema: string) {}
  private get t(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }
  async ensure(c: ClientBase): Promise<void> {
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.t} (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
)`);
  }
  async read(c: ClientBase): Promise<AppliedRow[]> {
    const r = await c.query(
      `SELECT version, description, installed_on, checksum, execution_time FROM ${this.t} WHERE success ORDER BY version`,
    );
    return r.rows.map((x: Record<string, unknown>) => ({
      version: String(x['version']),
      description: String(x['description']),
      checksum: (x['checksum'] as Buffer).toString('hex'),
      appliedAt: iso(x['installed_on']),
      // sqlx records nanoseconds.
      executionMs: Number(x['execution_time']) / 1e6,
      repeatable: false,
    }));
  }
  checksumOf(f: MigrationFile): string {
    return sqlxChecksum(f.content).toString('hex');
  }
  recordSql(f: MigrationFile, elapsedMs: string): string {
    // sqlx records nanoseconds.
    return `INSERT INTO ${this.t} (version, description, success, checksum, execution_time)
      VALUES (${BigInt(f.version)}, ${literal(f.description)}, TRUE, '\\x${sqlxChecksum(f.content).toString('hex')}'::bytea, round(${elapsedMs} * 1000000)::bigint)`;
  }
  async forget(c: ClientBase, f: MigrationFile): Promise<void> {
    await c.query(`DELETE FROM ${this.t} WHERE version = $1`, [f.version]);
  }
  async setChecksum(c: ClientBase, row: AppliedRow, checksum: string): Promise<void> {
    await c.query(`UPDATE ${this.t} SET checksum = $2 WHERE version = $1`, [
      row.version,
      Buffer.from(checksum, 'hex'),
    ]);
  }
}

/** Flyway's `flyway_schema_history`, with its primary key and success index. */
class FlywayHistory implements HistoryStore {
  readonly mode = 'native' as const;
  readonly table = 'flyway_schema_history';
  constructor(private readonly schema: string) {}
  private get t(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }
  async ensure(c: ClientBase): Promise<void> {
    const exists = await c.query(`SELECT to_regclass($1) AS t`, [this.t]);
    if ((exists.rows[0] as { t: unknown }).t !== null) return;
    await c.query(`CREATE TABLE ${this.t} (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
)`);
    await c.query(
      `ALTER TABLE ${this.t} ADD CONSTRAINT ${quoteIdent(`${this.table}_pk`)} PRIMARY KEY ("installed_rank")`,
    );
    await c.query(`CREATE INDEX ${quoteIdent(`${this.table}_s_idx`)} ON ${this.t} ("success")`);
  }
  async read(c: ClientBase): Promise<AppliedRow[]> {
    const r = await c.query(
      `SELECT version, description, type, checksum, installed_on, execution_time FROM ${this.t}
       WHERE success AND type IN ('SQL', 'UNDO_SQL') ORDER BY installed_rank`,
    );
    // The last row of a version decides: an UNDO_SQL row takes it back out.
    const byKey = new Map<string, AppliedRow | undefined>();
    for (const x of r.rows as Record<string, unknown>[]) {
      const repeatable = x['version'] === null;
      const key = repeatable ? `R:${String(x['description'])}` : String(x['version']);
      if (x['type'] === 'UNDO_SQL') {
        byKey.set(key, undefined);
        continue;
      }
      byKey.delete(key);
      byKey.set(key, {
        version: repeatable ? '' : String(x['version']),
        description: String(x['description']),
        checksum: String(x['checksum']),
        appliedAt: iso(x['installed_on']),
        executionMs: Number(x['execution_time']),
        repeatable,
      });
    }
    return [...byKey.values()].filter((v): v is AppliedRow => v !== undefined);
  }
  checksumOf(f: MigrationFile): string {
    return String(flywayChecksum(f.content));
  }
  private insertSql(row: {
    version: string | null;
    description: string;
    type: string;
    script: string;
    checksum: number | null;
    elapsedMs: string;
  }): string {
    const v = (x: string | null): string => (x === null ? 'NULL' : literal(x));
    return `INSERT INTO ${this.t} (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       VALUES ((SELECT COALESCE(MAX(installed_rank), 0) + 1 FROM ${this.t}), ${v(row.version)}, ${literal(row.description)},
         ${literal(row.type)}, ${literal(row.script)}, ${row.checksum === null ? 'NULL' : String(row.checksum)}, current_user, round(${row.elapsedMs}), TRUE)`;
  }
  recordSql(f: MigrationFile, elapsedMs: string): string {
    return this.insertSql({
      version: f.repeatable ? null : f.version,
      description: f.description,
      type: 'SQL',
      script: f.file,
      checksum: flywayChecksum(f.content),
      elapsedMs,
    });
  }
  async forget(c: ClientBase, f: MigrationFile): Promise<void> {
    // As Flyway's undo does: a row of type UNDO_SQL for the version, with the undo script's checksum.
    await c.query(
      this.insertSql({
        version: f.version,
        description: f.description,
        type: 'UNDO_SQL',
        script: f.down?.file ?? f.file,
        checksum: f.down === undefined ? null : flywayChecksum(f.down.content),
        elapsedMs: '0',
      }),
    );
  }
  async setChecksum(c: ClientBase, row: AppliedRow, checksum: string): Promise<void> {
    await c.query(
      row.repeatable
        ? `UPDATE ${this.t} SET checksum = $2 WHERE installed_rank = (SELECT MAX(installed_rank) FROM ${this.t} WHERE version IS NULL AND description = $1)`
        : `UPDATE ${this.t} SET checksum = $2 WHERE installed_rank = (SELECT MAX(installed_rank) FROM ${this.t} WHERE version = $1 AND type = 'SQL')`,
      [row.repeatable ? row.description : row.version, Number(checksum)],
    );
  }
}

/** Prisma's `_prisma_migrations`, as the migration engine creates and fills it. */
class PrismaHistory implements HistoryStore {
  readonly mode = 'native' as const;
  readonly table = '_prisma_migrations';
  constructor(private readonly schema: string) {}
  private get t(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }
  async ensure(c: ClientBase): Promise<void> {
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.t} (
    "id"                    VARCHAR(36) NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "_prisma_migrations_pkey" PRIMARY KEY ("id")
)`);
  }
  async read(c: ClientBase): Promise<AppliedRow[]> {
    const r = await c.query(
      `SELECT migration_name, checksum, started_at, finished_at FROM ${this.t}
       WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at`,
    );
    return r.rows.map((x: Record<string, unknown>) => {
      const name = String(x['migration_name']);
      const m = /^\d+_(.+)$/.exec(name);
      return {
        version: name,
        description: m === null ? name : m[1]!.replace(/_/g, ' '),
        checksum: String(x['checksum']),
        appliedAt: iso(x['finished_at']),
        executionMs: (x['finished_at'] as Date).getTime() - (x['started_at'] as Date).getTime(),
        repeatable: false,
      };
    });
  }
  checksumOf(f: MigrationFile): string {
    return prismaChecksum(f.content);
  }
  recordSql(f: MigrationFile, elapsedMs: string): string {
    return `INSERT INTO ${this.t} (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
       VALUES (${literal(randomUUID())}, ${literal(prismaChecksum(f.content))}, clock_timestamp(), ${literal(f.version)}, NULL,
         clock_timestamp() - make_interval(secs => ${elapsedMs} / 1000), 1)`;
  }
  async forget(c: ClientBase, f: MigrationFile): Promise<void> {
    await c.query(
      `UPDATE ${this.t} SET rolled_back_at = now() WHERE migration_name = $1 AND rolled_back_at IS NULL`,
      [f.version],
    );
  }
  async setChecksum(c: ClientBase, row: AppliedRow, checksum: string): Promise<void> {
    await c.query(
      `UPDATE ${this.t} SET checksum = $2 WHERE migration_name = $1 AND rolled_back_at IS NULL AND finished_at IS NOT NULL`,
      [row.version, checksum],
    );
  }
}

/** The history a set uses: the layout's native table, or Slipway's (plain files have only Slipway's). */
export function historyStore(layout: MigrationLayout, mode: HistoryMode, schema: string): HistoryStore {
  if (mode === 'slipway' || layout === 'plain') return new SlipwayHistory(schema);
  if (layout === 'sqlx') return new SqlxHistory(schema);
  if (layout === 'flyway') return new FlywayHistory(schema);
  return new PrismaHistory(schema);
}

/**
 * Slipway's bookkeeping beside any history table: progress of a migration whose statements run outside
 * a transaction (so a failed run resumes after the last completed statement), and an audit of accepted
 * edits and reverts.
 */
export class Bookkeeping {
  constructor(
    private readonly schema: string,
    private readonly history: string,
  ) {}
  private t(name: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(name)}`;
  }
  async ensure(c: ClientBase): Promise<void> {
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('slipway_migration_progress')} (
      history_table TEXT NOT NULL,
      version TEXT NOT NULL,
      checksum TEXT NOT NULL,
      statements_done INTEGER NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (history_table, version)
    )`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('slipway_migration_audit')} (
      id BIGSERIAL PRIMARY KEY,
      at TIMESTAMPTZ NOT NULL DEFAULT now(),
      by_user TEXT NOT NULL DEFAULT current_user,
      history_table TEXT NOT NULL,
      version TEXT NOT NULL,
      action TEXT NOT NULL,
      old_checksum TEXT,
      new_checksum TEXT,
      note TEXT
    )`);
  }
  async progress(c: ClientBase): Promise<Map<string, { checksum: string; done: number }>> {
    const r = await c.query(
      `SELECT version, checksum, statements_done FROM ${this.t('slipway_migration_progress')} WHERE history_table = $1`,
      [this.history],
    );
    return new Map(
      (r.rows as Record<string, unknown>[]).map((x) => [
        String(x['version']),
        { checksum: String(x['checksum']), done: Number(x['statements_done']) },
      ]),
    );
  }
  async setProgress(c: ClientBase, version: string, checksum: string, done: number): Promise<void> {
    await c.query(
      `INSERT INTO ${this.t('slipway_migration_progress')} (history_table, version, checksum, statements_done)
       VALUES ($1, $2, $3, $4) ON CONFLICT (history_table, version)
       DO UPDATE SET checksum = EXCLUDED.checksum, statements_done = EXCLUDED.statements_done, updated_at = now()`,
      [this.history, version, checksum, done],
    );
  }
  async clearProgress(c: ClientBase, version: string): Promise<void> {
    await c.query(
      `DELETE FROM ${this.t('slipway_migration_progress')} WHERE history_table = $1 AND version = $2`,
      [this.history, version],
    );
  }
  async audit(
    c: ClientBase,
    entry: { version: string; action: string; oldChecksum?: string; newChecksum?: string; note?: string },
  ): Promise<void> {
    await c.query(
      `INSERT INTO ${this.t('slipway_migration_audit')} (history_table, version, action, old_checksum, new_checksum, note)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        this.history,
        entry.version,
        entry.action,
        entry.oldChecksum ?? null,
        entry.newChecksum ?? null,
        entry.note ?? null,
      ],
    );
  }
  async audits(c: ClientBase): Promise<Record<string, unknown>[]> {
    const r = await c.query(
      `SELECT version, action, old_checksum, new_checksum, by_user, at, note FROM ${this.t('slipway_migration_audit')}
       WHERE history_table = $1 ORDER BY id`,
      [this.history],
    );
    return r.rows as Record<string, unknown>[];
  }
}
