import type { ClientBase, DatabaseError } from 'pg';
import {
  AgentFailure,
  type DatabaseTarget,
  type HistoryMode,
  type MigrationEntry,
  type MigrationFailure,
  type MigrationLayout,
  type MigrationProgress,
  type MigrationRunResult,
  type MigrationStatus,
  type StatementLock,
  agentError,
} from '../../protocol';
import {
  type AppliedRow,
  Bookkeeping,
  ELAPSED_MS,
  STARTED,
  type HistoryStore,
  historyStore,
  literal,
  quoteIdent,
  recordApplied,
} from './history';
import { lintMigration } from './lint';
import { acquireLock, lockKey } from './lock';
import { compareVersions, detectLayout, type MigrationFile, readMigrations } from './sources';
import {
  type Statement,
  createdIndexName,
  headline,
  isTransactionControl,
  lockOf,
  outsideTransactionReason,
  splitStatements,
  tableOf,
} from './sql';

export interface MigratorOptions {
  dir: string;
  layout?: MigrationLayout | undefined;
  history?: HistoryMode | undefined;
  /** The schema the history tables live in; default `public`. */
  schema?: string | undefined;
  /** lock_timeout for every statement ('0' turns it off); default 10s. */
  lockTimeout?: string | undefined;
  /** statement_timeout for every statement; default 0 (none). */
  statementTimeout?: string | undefined;
  /** How long to wait for another runner's lock; default 2 minutes. */
  lockWaitMs?: number | undefined;
  onProgress?: ((p: MigrationProgress) => void) | undefined;
  /**
   * Dumps the database before anything is applied (pg_dump, see backup.ts) and returns the dump's path;
   * the run records it in slipway_migration_audit.
   */
  backup?: (() => Promise<string>) | undefined;
  signal?: AbortSignal | undefined;
}

/** A unit of a migration: statements that run in one transaction, or one that must run alone. */
interface Step {
  statements: Statement[];
  transaction: boolean;
}

interface Planned {
  file: MigrationFile;
  statements: Statement[];
  steps: Step[];
}

class MigrationError extends Error {
  constructor(readonly failure: MigrationFailure) {
    super(`${failure.file}:${failure.line}: ${failure.message}`);
  }
}

/**
 * Runs one migration set against one database over one connection: status, up, down and accept-edit.
 * Every migration runs in its own transaction together with its history row; statements that cannot run
 * in a transaction run alone, with their progress recorded, so a failed run resumes where it stopped and
 * nothing is ever left "dirty".
 */
/** At most this many migrations, or about this much SQL, travel in one message. */
const BATCH_MAX = 100;
const BATCH_BYTES = 1024 * 1024;

export class Migrator {
  readonly layout: MigrationLayout;
  private readonly store: HistoryStore;
  private readonly books: Bookkeeping;
  private readonly schema: string;
  private serverVersion = 0;

  constructor(
    private readonly c: ClientBase,
    private readonly database: DatabaseTarget,
    private readonly opts: MigratorOptions,
  ) {
    this.layout = opts.layout ?? detectLayout(opts.dir);
    this.schema = opts.schema ?? 'public';
    this.store = historyStore(this.layout, opts.history ?? 'slipway', this.schema);
    this.books = new Bookkeeping(this.schema, this.store.table);
  }

  private get lockTimeout(): string {
    return this.opts.lockTimeout ?? '10s';
  }

  private async version(): Promise<number> {
    if (this.serverVersion === 0) {
      const r = await this.c.query('SHOW server_version_num');
      this.serverVersion = Number((r.rows[0] as { server_version_num: string }).server_version_num);
    }
    return this.serverVersion;
  }

  private async exists(table: string): Promise<boolean> {
    const r = await this.c.query('SELECT to_regclass($1) IS NOT NULL AS ok', [
      `${quoteIdent(this.schema)}.${quoteIdent(table)}`,
    ]);
    return (r.rows[0] as { ok: boolean }).ok;
  }

  /** Parsed files by name and content: a status poll re-reads the files but parses only what changed. */
  private readonly parsed = new Map<
    string,
    { p: Planned; checksum: string; entry?: Omit<MigrationEntry, 'state'> }
  >();

  private analysed(f: MigrationFile, serverVersion: number): { p: Planned; checksum: string } {
    const key = `${f.file}\0${serverVersion}\0${f.content.toString('latin1')}`;
    let hit = this.parsed.get(key);
    if (hit === undefined) {
      hit = { p: this.plan(f, f.content, serverVersion), checksum: this.store.checksumOf(f) };
      this.parsed.set(key, hit);
    }
    hit.p.file = f;
    return hit;
  }

  /** A version as the layout compares it, so that "1.01" finds "1.1" and "0042" finds "42". */
  private versionKey(v: string): string {
    if (v === '') return v;
    if (this.layout === 'sqlx' && /^\d+$/.test(v)) return BigInt(v).toString();
    if (this.layout === 'flyway') {
      // As Flyway compares them: "1.01" is "1.1", and "1.0" is "1".
      const parts = v.split(/[._]/).map((x) => (/^\d+$/.test(x) ? BigInt(x).toString() : x));
      while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
      return parts.join('.');
    }
    return v;
  }

  private plan(file: MigrationFile, content: Buffer, serverVersion: number): Planned {
    const statements = splitStatements(content.toString('utf8')).filter((s) => !isTransactionControl(s));
    const steps: Step[] = [];
    for (const s of statements) {
      const alone = file.noTransaction || outsideTransactionReason(s, serverVersion) !== undefined;
      const last = steps[steps.length - 1];
      if (!alone && last?.transaction === true) last.statements.push(s);
      else steps.push({ statements: [s], transaction: !alone });
    }
    return { file, statements, steps };
  }

  private entry(
    p: Planned,
    checksum: string,
    state: MigrationEntry['state'],
    row: AppliedRow | undefined,
  ): MigrationEntry {
    const f = p.file;
    // Locks and lint matter for what is still to run; an applied migration's are history.
    const ahead = state !== 'applied';
    const locks: StatementLock[] = [];
    for (const s of ahead ? p.statements : []) {
      const lock = lockOf(s);
      if (lock === undefined) continue;
      const table = tableOf(s);
      locks.push({ line: s.line, statement: headline(s), lock, ...(table === undefined ? {} : { table }) });
    }
    const e: MigrationEntry = {
      version: f.version,
      description: f.description,
      file: f.file,
      state,
      checksum,
      transaction: p.steps.every((s) => s.transaction) ? 'transaction' : 'split',
      statements: p.statements.length,
      locks,
      reversible: f.down !== undefined,
      lint: ahead ? lintMigration(p.statements, { lockTimeoutSet: this.lockTimeout !== '0' }) : [],
    };
    if (f.repeatable) e.repeatable = true;
    if (row !== undefined) {
      e.appliedChecksum = row.checksum;
      e.appliedAt = row.appliedAt;
      e.executionMs = row.executionMs;
    }
    return e;
  }

  private same(a: string, b: string): boolean {
    return this.versionKey(a) === this.versionKey(b);
  }

  /** Files, history and progress compared; nothing in the database changes. */
  async status(): Promise<MigrationStatus> {
    return publicView(await this.analyse());
  }

  /** Status, and the migrations that a run would apply, in order. */
  private async analyse(): Promise<MigrationStatus & { planned: Planned[] }> {
    const files = readMigrations(this.opts.dir, this.layout);
    const serverVersion = await this.version();
    const rows = (await this.exists(this.store.table)) ? await this.store.read(this.c) : [];
    const progress = (await this.exists('slipway_migration_progress'))
      ? await this.books.progress(this.c)
      : new Map<string, { checksum: string; done: number }>();
    const versioned = rows.filter((r) => !r.repeatable);
    const newest = versioned.reduce<string | undefined>(
      (m, r) => (m === undefined || compareVersions(this.layout, r.version, m) > 0 ? r.version : m),
      undefined,
    );
    const entries: MigrationEntry[] = [];
    const planned: Planned[] = [];
    const byVersion = new Map(versioned.map((r) => [this.versionKey(r.version), r]));
    const fileVersions = new Set(files.filter((f) => !f.repeatable).map((f) => this.versionKey(f.version)));
    for (const f of files) {
      const { p, checksum } = this.analysed(f, serverVersion);
      const row = f.repeatable
        ? rows.find((r) => r.repeatable && r.description === f.description)
        : byVersion.get(this.versionKey(f.version));
      let state: MigrationEntry['state'];
      if (row !== undefined)
        state = row.checksum === checksum ? 'applied' : f.repeatable ? 'pending' : 'edited';
      else if (progress.has(f.version)) state = 'partial';
      else if (!f.repeatable && newest !== undefined && compareVersions(this.layout, f.version, newest) < 0) {
        state = 'out-of-order';
      } else state = 'pending';
      const e = this.entry(p, checksum, state, row);
      const prog = progress.get(f.version);
      if (state === 'partial' && prog !== undefined) e.statementsDone = prog.done;
      entries.push(e);
      if (state === 'pending' || state === 'out-of-order' || state === 'partial') planned.push(p);
    }
    for (const r of versioned) {
      if (fileVersions.has(this.versionKey(r.version))) continue;
      entries.push({
        version: r.version,
        description: r.description,
        state: 'missing',
        appliedChecksum: r.checksum,
        appliedAt: r.appliedAt,
        executionMs: r.executionMs,
        transaction: 'transaction',
        statements: 0,
        locks: [],
        reversible: false,
        lint: [],
      });
    }
    const sorted = [
      ...entries
        .filter((e) => e.repeatable !== true)
        .sort((a, b) => compareVersions(this.layout, a.version, b.version)),
      ...entries.filter((e) => e.repeatable === true),
    ];
    const status: MigrationStatus = {
      directory: this.opts.dir,
      layout: this.layout,
      history: { mode: this.store.mode, table: this.store.table },
      database: this.database,
      pending: planned.length,
      entries: sorted,
    };
    if (newest !== undefined) status.current = newest;
    return { ...status, planned };
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const key = lockKey(this.database.database, this.schema, this.store.table);
    const release = await acquireLock(this.c, key, {
      waitMs: this.opts.lockWaitMs ?? 120_000,
      onWait: (holder, waitedMs) => this.opts.onProgress?.({ kind: 'waiting-for-lock', holder, waitedMs }),
      ...(this.opts.signal === undefined ? {} : { signal: this.opts.signal }),
    });
    this.opts.onProgress?.({ kind: 'locked' });
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** Applies every pending migration in order (or plans them, with `dryRun`). */
  async up(opts: { dryRun?: boolean } = {}): Promise<MigrationRunResult> {
    const before = await this.analyse();
    refuseEdited(before);
    if (opts.dryRun === true) return { done: [], dryRun: true, status: publicView(before) };
    return this.locked(async () => {
      await this.store.ensure(this.c);
      await this.books.ensure(this.c);
      // Another runner may have applied some while this one waited.
      const now = await this.analyse();
      refuseEdited(now);
      const done: string[] = [];
      const progress = await this.books.progress(this.c);
      const total = now.planned.length;
      if (total > 0 && this.opts.backup !== undefined) {
        const t0 = performance.now();
        const file = await this.opts.backup();
        await this.books.audit(this.c, { version: now.current ?? '', action: 'backup', note: file });
        this.opts.onProgress?.({ kind: 'backup', file, ms: performance.now() - t0 });
      }
      const name = (p: Planned): string => p.file.version || p.file.description;
      let index = 0;
      const starting = (p: Planned): void =>
        this.opts.onProgress?.({
          kind: 'migration',
          version: p.file.version,
          file: p.file.file,
          index,
          total,
        });
      // A migration that committed in a batch: reported as a run one by one would report it.
      const finished = (p: Planned, ms: number): void => {
        starting(p);
        done.push(name(p));
        this.opts.onProgress?.({ kind: 'done', version: p.file.version, ms });
        index++;
      };
      while (index < total) {
        const batch = this.nextBatch(now.planned, index, progress);
        if (batch.length > 1) {
          const t0 = performance.now();
          if (await this.applyBatch(batch)) {
            const ms = (performance.now() - t0) / batch.length;
            for (const p of batch) {
              finished(p, ms);
            }
            continue;
          }
          // Something in the batch failed: what committed is in the history; the rest goes one by one.
          const applied = new Set(
            (await this.store.read(this.c)).map((r) =>
              r.repeatable ? `R:${r.description}` : this.versionKey(r.version),
            ),
          );
          while (index < total) {
            const p = now.planned[index]!;
            const key = p.file.repeatable ? `R:${p.file.description}` : this.versionKey(p.file.version);
            if (!applied.has(key) || !batch.includes(p)) break;
            finished(p, 0);
          }
        }
        const p = now.planned[index]!;
        starting(p);
        const t0 = performance.now();
        try {
          await this.apply(p, progress.get(p.file.version || `R:${p.file.description}`));
        } catch (e) {
          // Whatever failed, no transaction stays open on this connection (outside one this only warns).
          await this.c.query('ROLLBACK').catch(() => undefined);
          if (e instanceof MigrationError) {
            return { done, failed: e.failure, dryRun: false, status: await this.status() };
          }
          throw e;
        }
        done.push(name(p));
        this.opts.onProgress?.({ kind: 'done', version: p.file.version, ms: performance.now() - t0 });
        index++;
      }
      return { done, dryRun: false, status: await this.status() };
    });
  }

  /**
   * Consecutive migrations from `from` that each run in one transaction (no statement outside one, no
   * partial progress), up to a message size: they travel together, each still its own transaction.
   */
  private nextBatch(planned: Planned[], from: number, progress: Map<string, unknown>): Planned[] {
    const out: Planned[] = [];
    let bytes = 0;
    for (let i = from; i < planned.length && out.length < BATCH_MAX; i++) {
      const p = planned[i]!;
      const single = p.steps.length === 0 || (p.steps.length === 1 && p.steps[0]!.transaction);
      if (!single || progress.has(p.file.version || `R:${p.file.description}`)) break;
      bytes += p.file.content.length;
      if (out.length > 0 && bytes > BATCH_BYTES) break;
      out.push(p);
    }
    return out;
  }

  /** Sends a batch as one message of transactions; true when all committed. */
  private async applyBatch(batch: Planned[]): Promise<boolean> {
    const sql = batch.map((p) => this.transactionSql(p)).join(';\n');
    try {
      await this.c.query(sql);
      return true;
    } catch {
      await this.c.query('ROLLBACK').catch(() => undefined);
      return false;
    }
  }

  /** One migration as one transaction: start time, timeouts, statements, history row. */
  private transactionSql(p: Planned): string {
    const body = (p.steps[0]?.statements ?? []).map((s) => s.text).join(';\n');
    return `BEGIN; ${STARTED}; ${this.timeoutsSql(true)};\n${body};\n${this.store.recordSql(p.file, ELAPSED_MS)}; COMMIT`;
  }

  private timeoutsSql(local: boolean): string {
    const scope = local ? 'LOCAL ' : '';
    return `SET ${scope}lock_timeout = ${literal(this.lockTimeout)}; SET ${scope}statement_timeout = ${literal(this.opts.statementTimeout ?? '0')}`;
  }

  private async timeouts(local: boolean): Promise<void> {
    await this.c.query(this.timeoutsSql(local));
  }

  /**
   * Runs statements as one message (with `before` and `after` around them: BEGIN and timeouts, the
   * history row and COMMIT), so a migration costs one round trip. On failure the transaction is rolled
   * back and the statements are replayed one by one, and rolled back again, to name the one that fails.
   */
  private async batch(
    p: Planned,
    statements: Statement[],
    wrap: { before: string; after: string },
  ): Promise<void> {
    const body = statements.map((s) => s.text).join(';\n');
    try {
      await this.c.query(`${wrap.before};\n${body};\n${wrap.after}`);
    } catch (e) {
      await this.c.query('ROLLBACK').catch(() => undefined);
      await this.c.query('BEGIN');
      await this.timeouts(true);
      for (const s of statements) {
        try {
          await this.c.query(s.text);
        } catch (inner) {
          await this.c.query('ROLLBACK');
          throw this.failure(p, s, inner);
        }
      }
      await this.c.query('ROLLBACK');
      // Not reproduced alone (a lock timeout, a conflict): the first statement's line, the original error.
      const err = e as Partial<DatabaseError>;
      throw this.failure(p, statements[0] ?? { text: '', line: 1, words: '' }, {
        message: err.message,
        code: err.code,
      });
    }
  }

  private failure(p: Planned, s: Statement, e: unknown): MigrationError {
    const err = e as Partial<DatabaseError> & { message?: string };
    let line = s.line;
    const pos = Number(err.position ?? 0);
    if (pos > 0) line += (s.text.slice(0, pos - 1).match(/\n/g) ?? []).length;
    return new MigrationError({
      version: p.file.version || p.file.description,
      file: p.file.file,
      line,
      message: err.message ?? String(e),
      ...(err.code === undefined ? {} : { code: err.code }),
    });
  }

  private async apply(p: Planned, progress: { checksum: string; done: number } | undefined): Promise<void> {
    const f = p.file;
    const checksum = this.store.checksumOf(f);
    const key = f.version || `R:${f.description}`;
    const t0 = performance.now();
    const only = p.steps.length === 1 && p.steps[0]!.transaction ? p.steps[0] : undefined;
    if (only !== undefined || p.steps.length === 0) {
      await this.batch(p, only?.statements ?? [], {
        before: `BEGIN; ${STARTED}; ${this.timeoutsSql(true)}`,
        after: `${this.store.recordSql(f, ELAPSED_MS)}; COMMIT`,
      });
      return;
    }
    if (progress !== undefined && progress.checksum !== checksum) {
      throw new AgentFailure(
        agentError(
          'CONFLICT',
          `${f.file} changed after a run stopped part way through it (after ${progress.done} statements); restore the file as it was, or finish by hand and record it.`,
        ),
      );
    }
    let done = progress?.done ?? 0;
    let index = 0;
    for (const step of p.steps) {
      const end = index + step.statements.length;
      if (end <= done) {
        index = end;
        continue;
      }
      const s = step.statements[0]!;
      this.opts.onProgress?.({
        kind: 'statement',
        version: key,
        line: s.line,
        done,
        total: p.statements.length,
      });
      if (step.transaction) {
        await this.batch(p, step.statements, { before: `BEGIN; ${this.timeoutsSql(true)}`, after: '' });
        await this.books.setProgress(this.c, key, checksum, end);
        await this.c.query('COMMIT');
      } else {
        await this.timeouts(false);
        await this.dropInvalidIndex(p, s);
        try {
          await this.c.query(s.text);
        } catch (e) {
          throw this.failure(p, s, e);
        }
        await this.books.setProgress(this.c, key, checksum, end);
      }
      done = end;
      index = end;
    }
    await this.c.query('BEGIN');
    await recordApplied(this.c, this.store, f, performance.now() - t0);
    await this.books.clearProgress(this.c, key);
    await this.c.query('COMMIT');
  }

  /** A concurrent index build that failed leaves an INVALID index behind; it goes before the retry. */
  private async dropInvalidIndex(p: Planned, s: Statement): Promise<void> {
    const name = createdIndexName(s);
    if (name === undefined) return;
    const parts = name.split('.').map((x) => x.replace(/^"|"$/g, '').replace(/""/g, '"'));
    const [schema, index] = parts.length === 2 ? parts : [undefined, parts[0]!];
    const r = await this.c.query(
      `SELECT n.nspname, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT i.indisvalid AND c.relname = $1
          AND (($2::text IS NULL AND n.nspname = ANY (current_schemas(false))) OR n.nspname = $2)`,
      [/^".*"$/.test(name) ? index : index!.toLowerCase(), schema ?? null],
    );
    for (const x of r.rows as { nspname: string; relname: string }[]) {
      await this.c.query(
        `DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(x.nspname)}.${quoteIdent(x.relname)}`,
      );
      this.opts.onProgress?.({ kind: 'dropped-invalid-index', version: p.file.version, index: x.relname });
    }
  }

  /** Reverts the newest `count` applied migrations with their down/undo scripts. */
  async down(opts: { count?: number; dryRun?: boolean } = {}): Promise<MigrationRunResult> {
    const count = opts.count ?? 1;
    const pick = (s: MigrationStatus): MigrationEntry[] =>
      s.entries
        .filter((e) => e.repeatable !== true && (e.state === 'applied' || e.state === 'edited'))
        .reverse()
        .slice(0, count);
    const before = await this.status();
    const victims = pick(before);
    if (victims.length === 0) {
      throw new AgentFailure(agentError('INVALID', 'No applied migration to revert.'));
    }
    const files = readMigrations(this.opts.dir, this.layout);
    for (const v of victims) {
      const f = files.find((x) => !x.repeatable && this.same(x.version, v.version));
      if (f?.down === undefined) {
        const how =
          this.layout === 'prisma'
            ? 'Prisma migrations have no down scripts; write a new migration that undoes it'
            : this.layout === 'flyway'
              ? `add U${v.version}__${v.description.replace(/ /g, '_')}.sql`
              : `add ${v.file?.replace(/(\.up)?\.sql$/, '.down.sql') ?? 'a .down.sql file'}`;
        throw new AgentFailure(
          agentError(
            'INVALID',
            `${v.file ?? v.version} cannot be reverted: it has no down migration; ${how}.`,
          ),
        );
      }
    }
    if (opts.dryRun === true) return { done: [], dryRun: true, status: before };
    return this.locked(async () => {
      await this.books.ensure(this.c);
      const done: string[] = [];
      for (const v of pick(await this.status())) {
        const f = files.find((x) => !x.repeatable && this.same(x.version, v.version))!;
        const downFile: MigrationFile = {
          ...f,
          file: f.down!.file,
          content: f.down!.content,
          down: undefined as never,
        };
        const p = this.plan(downFile, f.down!.content, await this.version());
        this.opts.onProgress?.({
          kind: 'migration',
          version: f.version,
          file: f.down!.file,
          index: done.length,
          total: count,
        });
        const t0 = performance.now();
        try {
          if (p.steps.some((s) => !s.transaction)) {
            for (const step of p.steps) {
              if (step.transaction) {
                await this.batch(p, step.statements, {
                  before: `BEGIN; ${this.timeoutsSql(true)}`,
                  after: 'COMMIT',
                });
              } else {
                await this.timeouts(false);
                await this.c.query(step.statements[0]!.text).catch((e: unknown) => {
                  throw this.failure(p, step.statements[0]!, e);
                });
              }
            }
            await this.c.query('BEGIN');
          } else {
            await this.batch(p, p.steps[0]?.statements ?? [], {
              before: `BEGIN; ${this.timeoutsSql(true)}`,
              after: '',
            });
          }
          await this.store.forget(this.c, f);
          await this.books.audit(this.c, {
            version: f.version,
            action: 'revert',
            oldChecksum: v.appliedChecksum ?? '',
          });
          await this.c.query('COMMIT');
        } catch (e) {
          if (e instanceof MigrationError) {
            return { done, failed: e.failure, dryRun: false, status: await this.status() };
          }
          throw e;
        }
        done.push(f.version);
        this.opts.onProgress?.({ kind: 'done', version: f.version, ms: performance.now() - t0 });
      }
      return { done, dryRun: false, status: await this.status() };
    });
  }

  /** Records an applied migration's edited file as intended: the new checksum, audited with the old. */
  async acceptEdit(version: string, note?: string): Promise<MigrationStatus> {
    return this.locked(async () => {
      await this.books.ensure(this.c);
      const s = await this.status();
      const e = s.entries.find((x) => x.repeatable !== true && this.same(x.version, version));
      if (e === undefined)
        throw new AgentFailure(agentError('NOT_FOUND', `No migration ${version} in ${this.opts.dir}.`));
      if (e.state !== 'edited') {
        throw new AgentFailure(
          agentError(
            'INVALID',
            `Migration ${version} is ${e.state}, not edited; there is nothing to accept.`,
          ),
        );
      }
      const rows = await this.store.read(this.c);
      const row = rows.find((r) => !r.repeatable && this.same(r.version, version))!;
      await this.c.query('BEGIN');
      await this.store.setChecksum(this.c, row, e.checksum!);
      await this.books.audit(this.c, {
        version: e.version,
        action: 'accept-edit',
        oldChecksum: row.checksum,
        newChecksum: e.checksum!,
        ...(note === undefined ? {} : { note }),
      });
      await this.c.query('COMMIT');
      return await this.status();
    });
  }

  audits(): Promise<Record<string, unknown>[]> {
    return this.books.audits(this.c);
  }
}

/** A status as callers see it: without the internal plan. */
function publicView(s: MigrationStatus & { planned?: Planned[] }): MigrationStatus {
  const copy = { ...s };
  delete copy.planned;
  return copy;
}

function refuseEdited(s: MigrationStatus): void {
  const edited = s.entries.filter((e) => e.state === 'edited');
  if (edited.length === 0) return;
  const list = edited.map((e) => e.file ?? e.version).join(', ');
  throw new AgentFailure(
    agentError(
      'CONFLICT',
      `${list} ${edited.length === 1 ? 'was' : 'were'} edited after being applied (checksum differs); restore the applied version, or run "slipway migrate accept-edit ${edited[0]!.version}" if the edit is intended. Nothing was applied.`,
    ),
  );
}
