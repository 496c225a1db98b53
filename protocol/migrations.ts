/*
 * Database migrations as the agent reports them to the extension and the CLI prints them (`--json`).
 */

/** How a migrations directory names its files. */
export type MigrationLayout = 'sqlx' | 'flyway' | 'prisma' | 'plain';
export const MIGRATION_LAYOUTS: readonly MigrationLayout[] = ['sqlx', 'flyway', 'prisma', 'plain'];

/** Where applied migrations are recorded: the tool's own table (`native`) or Slipway's. */
export type HistoryMode = 'native' | 'slipway';

/**
 * - applied: recorded and the file is unchanged
 * - pending: not applied, newer than every applied one
 * - out-of-order: not applied, older than an applied one (applied in order of version anyway)
 * - missing: recorded but its file is gone
 * - edited: recorded, but the file's checksum differs from the recorded one
 * - partial: a migration with statements that run outside a transaction stopped part way; the next run
 *   resumes after the last statement that completed
 */
export type MigrationState = 'applied' | 'pending' | 'out-of-order' | 'missing' | 'edited' | 'partial';

/** A lock a statement takes on a table, as PostgreSQL's documentation names the modes. */
export interface StatementLock {
  line: number;
  /** The statement's first words, e.g. "ALTER TABLE orders ADD COLUMN". */
  statement: string;
  lock: string;
  table?: string;
}

export type LintRule =
  | 'index-not-concurrent'
  | 'not-null-without-default'
  | 'column-rename'
  | 'column-drop'
  | 'column-type-change'
  | 'constraint-without-not-valid'
  | 'missing-lock-timeout'
  | 'table-rename'
  | 'table-drop';

export interface LintFinding {
  rule: LintRule;
  line: number;
  /** One sentence: what is risky and what to do instead. */
  message: string;
}

export interface MigrationEntry {
  /** As the layout writes it: "20240101120000", "1.2", "0003". Empty for a Flyway repeatable. */
  version: string;
  description: string;
  /** Relative to the migrations directory; absent for a missing migration. */
  file?: string;
  state: MigrationState;
  /** Flyway `R__` files: re-applied whenever their checksum changes. */
  repeatable?: boolean;
  checksum?: string;
  appliedChecksum?: string;
  appliedAt?: string;
  executionMs?: number;
  /** `transaction`: all statements in one; `split`: some must run alone, outside a transaction. */
  transaction: 'transaction' | 'split';
  statements: number;
  /** Statements completed of a partial migration. */
  statementsDone?: number;
  locks: StatementLock[];
  reversible: boolean;
  lint: LintFinding[];
}

/** Where a migration set connects, never with its password. */
export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** How the connection was reached: directly, or through a port-forward to an in-cluster Service. */
  via?: string;
}

export interface MigrationStatus {
  directory: string;
  layout: MigrationLayout;
  history: { mode: HistoryMode; table: string };
  database: DatabaseTarget;
  /** Latest applied version, if any. */
  current?: string;
  pending: number;
  entries: MigrationEntry[];
}

export interface MigrationFailure {
  version: string;
  file: string;
  line: number;
  /** PostgreSQL's message, with its SQLSTATE code. */
  message: string;
  code?: string;
}

export interface MigrationRunResult {
  /** Versions applied (up) or reverted (down), in order. */
  done: string[];
  failed?: MigrationFailure;
  dryRun: boolean;
  status: MigrationStatus;
}

/** Progress of a run, for a notification or the CLI. */
export type MigrationProgress =
  | { kind: 'waiting-for-lock'; holder: LockHolder | undefined; waitedMs: number }
  | { kind: 'locked' }
  | { kind: 'migration'; version: string; file: string; index: number; total: number }
  | { kind: 'statement'; version: string; line: number; done: number; total: number }
  | { kind: 'dropped-invalid-index'; version: string; index: string }
  | { kind: 'backup'; file: string; ms: number }
  | { kind: 'done'; version: string; ms: number };

/** The session holding a migration lock, from pg_stat_activity. */
export interface LockHolder {
  pid: number;
  application: string;
  user: string;
  since: string;
  state: string;
  query: string;
}

/** " (pid 42 "slipway migrate", user app, connected since …, active)": who holds a migration lock. */
export function describeHolder(h: LockHolder | undefined): string {
  if (h === undefined) return '';
  const app = h.application === '' ? '' : ` "${h.application}"`;
  return ` (pid ${h.pid}${app}, user ${h.user}, connected since ${h.since}, ${h.state})`;
}

/**
 * One line for a run's progress, as the CLI prints it, the deploy plan notes it and the notification
 * shows it; undefined for steps too small to mention.
 */
export function describeMigrationProgress(p: MigrationProgress): string | undefined {
  switch (p.kind) {
    case 'waiting-for-lock':
      return `waiting for another migration run${describeHolder(p.holder)}… ${Math.round(p.waitedMs / 1000)} s`;
    case 'migration':
      return `[${p.index + 1}/${p.total}] ${p.file}`;
    case 'dropped-invalid-index':
      return `dropped the INVALID index ${p.index} a failed concurrent build left`;
    case 'backup':
      return `backed up the database to ${p.file} (${Math.round(p.ms)} ms)`;
    default:
      return undefined;
  }
}
