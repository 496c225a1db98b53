import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AgentFailure,
  type HistoryMode,
  MIGRATION_LAYOUTS,
  type MigrationEntry,
  type MigrationLayout,
  type MigrationProgress,
  type MigrationRunResult,
  type MigrationStatus,
  describeMigrationProgress,
} from '../protocol';
import { Guards } from './deploy/guard';
import { type PlanEnv, clientFor, defaultContext, defaultNamespace } from './deploy/target';
import { loadKubeconfigs } from './kube/kubeconfig';
import {
  type ConnectedDatabase,
  type KubeAccess,
  type MigrationSet,
  connectDatabase,
  migrationSet,
  migratorFor,
  sourceUrl,
} from './migrate/migration-set';
import { loadProject } from './project/config';

export const MIGRATE_USAGE = `Usage: slipway migrate (status | up | down | accept-edit VERSION)
         [--dir DIR] [--database-url URL | --env ENV --service SERVICE]
         [--format sqlx|flyway|prisma|plain] [--history native|slipway] [--schema SCHEMA]
         [--dry-run] [--count N] [--note TEXT] [--lock-timeout 10s] [--statement-timeout 0]
         [--wait 120] [--backup [--backup-dir DIR]] [--json]

Runs a directory of PostgreSQL migrations: sqlx (<ver>_<desc>.sql, .up.sql/.down.sql), Flyway
(V<ver>__<desc>.sql, U<ver>__ undo, R__ repeatable), Prisma (<ts>_<name>/migration.sql) or plain ordered
.sql files, detected from the names unless --format says. History goes to Slipway's own table, or with
--history native to the tool's own (_sqlx_migrations, flyway_schema_history, _prisma_migrations) exactly
as the tool writes it.

  status        what is applied, pending, out of order, missing, edited or part way, with each
                migration's transaction mode, table locks and lint warnings
  up            apply every pending migration, each in its own transaction with its history row;
                statements that cannot run in a transaction run alone and a failed run resumes
  down          revert the newest applied migration (--count N for more) with its down/undo script
  accept-edit   record an applied migration's edited file as intended (audited: old and new checksum)

The database URL comes from --database-url, else from the service's migration set in slipway.yaml
(--env/--service), else from $DATABASE_URL. --wait is how many seconds to wait for another run's lock.
--backup dumps the database with pg_dump into .slipway/backups (or --backup-dir) before applying anything.
Exit 0 when done, 1 when a migration or the connection failed, 2 on bad usage or input.`;

class UsageError extends Error {}

const OPTIONS = {
  dir: { type: 'string' },
  'database-url': { type: 'string' },
  env: { type: 'string' },
  service: { type: 'string' },
  format: { type: 'string' },
  history: { type: 'string' },
  schema: { type: 'string' },
  'dry-run': { type: 'boolean' },
  count: { type: 'string' },
  note: { type: 'string' },
  'lock-timeout': { type: 'string' },
  'statement-timeout': { type: 'string' },
  wait: { type: 'string' },
  backup: { type: 'boolean' },
  'backup-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the command runs against: directory, format, history and where the database is. */
function layoutOf(v: string | undefined): MigrationLayout | undefined {
  if (v === undefined) return undefined;
  if (!(MIGRATION_LAYOUTS as readonly string[]).includes(v)) {
    throw new UsageError(`--format takes ${MIGRATION_LAYOUTS.join(', ')}, not "${v}".`);
  }
  return v as MigrationLayout;
}

function historyOf(v: string): HistoryMode {
  if (v === 'slipway' || v === 'native') return v;
  throw new UsageError(`--history takes native or slipway, not "${v}".`);
}

/**
 * The set to run: a service's migration set in slipway.yaml (--env/--service) with the command line's
 * overrides, or the command line alone; the URL when one is given rather than read from a Secret.
 */
function resolveTarget(
  values: Record<string, string | boolean | undefined>,
  cwd: string,
): { set: MigrationSet; url?: string; context?: string; namespace?: string } {
  const str = (k: string): string | undefined =>
    typeof values[k] === 'string' ? (values[k] as string) : undefined;
  const env = str('env');
  const service = str('service');
  if ((env === undefined) !== (service === undefined)) {
    throw new UsageError(
      '--env and --service go together: the service names the migration set, the environment its database.',
    );
  }
  let set: MigrationSet = { name: 'command line', dir: resolve(cwd, 'migrations'), history: 'slipway' };
  let where: { context?: string; namespace?: string } = {};
  if (env !== undefined && service !== undefined) {
    const project = loadProject(cwd);
    const environment = project.environments[env];
    if (environment === undefined) {
      throw new UsageError(
        `slipway.yaml has no environment "${env}"; it has ${Object.keys(project.environments).join(', ')}.`,
      );
    }
    set = migrationSet(project, service, env);
    where = { context: environment.context, namespace: environment.namespace };
  }
  const dir = str('dir');
  if (dir !== undefined) set.dir = resolve(cwd, dir);
  const layout = layoutOf(str('format'));
  if (layout !== undefined) set.layout = layout;
  const history = str('history');
  if (history !== undefined) set.history = historyOf(history);
  const schema = str('schema');
  if (schema !== undefined) set.schema = schema;
  const lockTimeout = str('lock-timeout');
  if (lockTimeout !== undefined) set.lockTimeout = lockTimeout;
  const statementTimeout = str('statement-timeout');
  if (statementTimeout !== undefined) set.statementTimeout = statementTimeout;
  if (values['backup'] === true || str('backup-dir') !== undefined) {
    set.backupDir = resolve(cwd, str('backup-dir') ?? join('.slipway', 'backups'));
  }
  const url = str('database-url') ?? (set.source === undefined ? process.env['DATABASE_URL'] : undefined);
  if ((url === undefined || url === '') && set.source === undefined) {
    throw new UsageError(
      'No database: pass --database-url, name --env and --service from slipway.yaml, or set DATABASE_URL.',
    );
  }
  return { set, ...where, ...(url === undefined || url === '' ? {} : { url }) };
}

const MARK: Record<MigrationEntry['state'], string> = {
  applied: '✓',
  pending: '•',
  'out-of-order': '↯',
  missing: '?',
  edited: '✗',
  partial: '◐',
};

function printStatus(s: MigrationStatus, cwd: string): void {
  const where = `${s.database.user}@${s.database.host}:${s.database.port}/${s.database.database}`;
  const dir = relative(cwd, s.directory) || '.';
  process.stdout.write(`Migrations in ${dir} (${s.layout}, history ${s.history.table}) on ${where}\n`);
  for (const e of s.entries) {
    const name = e.version === '' ? `R ${e.description}` : `${e.version}  ${e.description}`;
    const extra: string[] = [e.state];
    if (e.appliedAt !== undefined && e.state === 'applied')
      extra[0] = `applied ${e.appliedAt.slice(0, 16).replace('T', ' ')}`;
    if (e.state === 'partial') extra.push(`${e.statementsDone ?? 0}/${e.statements} statements done`);
    if (e.transaction === 'split' && e.state !== 'applied') extra.push('runs partly outside a transaction');
    const heavy = e.locks.filter((l) => l.lock === 'ACCESS EXCLUSIVE' && l.table !== undefined);
    if (heavy.length > 0 && e.state !== 'applied')
      extra.push(`ACCESS EXCLUSIVE on ${[...new Set(heavy.map((l) => l.table))].join(', ')}`);
    process.stdout.write(`  ${MARK[e.state]} ${name.padEnd(44)} ${extra.join('; ')}\n`);
    if (e.state !== 'applied')
      for (const l of e.lint) process.stdout.write(`      ! ${e.file ?? ''}:${l.line}: ${l.message}\n`);
  }
  const edited = s.entries.filter((e) => e.state === 'edited').length;
  process.stdout.write(
    `${s.pending} pending${s.current === undefined ? '' : `; current version ${s.current}`}${edited > 0 ? `; ${edited} edited after being applied` : ''}.\n`,
  );
}

function progressLine(p: MigrationProgress): string | undefined {
  return p.kind === 'done' ? `  done in ${Math.round(p.ms)} ms` : describeMigrationProgress(p);
}

function printRun(r: MigrationRunResult, verb: string, cwd: string): void {
  if (r.dryRun) {
    process.stdout.write(`Dry run: nothing was changed.\n`);
    printStatus(r.status, cwd);
    return;
  }
  if (r.done.length > 0) process.stdout.write(`${verb} ${r.done.length}: ${r.done.join(', ')}.\n`);
  else if (r.failed === undefined) process.stdout.write(`Nothing to do: the database is up to date.\n`);
  if (r.failed !== undefined) {
    const f = r.failed;
    process.stderr.write(
      `slipway: migration ${f.version} failed at ${f.file}:${f.line}: ${f.message}${f.code === undefined ? '' : ` (SQLSTATE ${f.code})`}.\nNothing of it was applied (statements that ran outside a transaction are recorded and are not run again); fix the file and run "slipway migrate up" again.\n`,
    );
  }
}

export async function runMigrateCommand(argv: string[], cwd = process.cwd()): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(
      `slipway migrate: ${e instanceof Error ? e.message : String(e)}\n${MIGRATE_USAGE}\n`,
    );
    return 2;
  }
  if (values['help'] === true) {
    process.stdout.write(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  const [action, version, ...extra] = positionals;
  const json = values['json'] === true;
  let db: ConnectedDatabase | undefined;
  try {
    if (!['status', 'up', 'down', 'accept-edit'].includes(action ?? '')) {
      throw new UsageError(
        `Say what to do: status, up, down or accept-edit${action === undefined ? '' : `, not "${action}"`}.`,
      );
    }
    if (action === 'accept-edit' && version === undefined)
      throw new UsageError('accept-edit needs the VERSION whose edit to accept.');
    if (extra.length > 0 || (action !== 'accept-edit' && version !== undefined)) {
      throw new UsageError(`Unexpected argument "${extra[0] ?? version}".`);
    }
    const count = values['count'] === undefined ? 1 : Number(values['count']);
    if (!Number.isInteger(count) || count < 1)
      throw new UsageError('--count takes a whole number of migrations, 1 or more.');
    const wait = values['wait'] === undefined ? 120 : Number(values['wait']);
    if (!Number.isFinite(wait) || wait < 0) throw new UsageError('--wait takes seconds, for example 120.');
    const { set, ...target } = resolveTarget(values, cwd);
    // The cluster is needed for a Secret and for a host inside it: the environment's context, else the
    // kubeconfig's current one.
    const kenv: PlanEnv = { loaded: () => loadKubeconfigs(process.env, homedir()), guards: new Guards() };
    const kube = (): KubeAccess => {
      const context = target.context ?? defaultContext(kenv);
      const namespace = target.namespace ?? defaultNamespace(kenv, context);
      return { client: () => clientFor(kenv, context), context, namespace };
    };
    const url = target.url ?? (await sourceUrl(set, kube));
    db = await connectDatabase(url, kube, target.namespace ?? 'default');
    if (db.target.via !== undefined && !json) process.stderr.write(`connecting through ${db.target.via}\n`);
    const str = (k: string): string | undefined =>
      typeof values[k] === 'string' ? (values[k] as string) : undefined;
    const m = migratorFor(set, db, {
      lockWaitMs: wait * 1000,
      onProgress: (p) => {
        const line = progressLine(p);
        if (line !== undefined && !json) process.stderr.write(`${line}\n`);
      },
    });
    const dryRun = values['dry-run'] === true;
    if (action === 'status') {
      const status = await m.status();
      if (json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else printStatus(status, cwd);
      return 0;
    }
    if (action === 'accept-edit') {
      const s = await m.acceptEdit(version!, str('note'));
      if (json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else
        process.stdout.write(
          `Accepted the edit of ${version}; the change is recorded in slipway_migration_audit.\n`,
        );
      return 0;
    }
    const r = action === 'up' ? await m.up({ dryRun }) : await m.down({ count, dryRun });
    if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else printRun(r, action === 'up' ? 'Applied' : 'Reverted', cwd);
    return r.failed === undefined ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`slipway migrate: ${e.message}\n`);
      return 2;
    }
    if (e instanceof AgentFailure) {
      process.stderr.write(`slipway migrate: ${e.error.message}\n`);
      return e.error.code === 'INVALID' || e.error.code === 'NOT_FOUND' ? 2 : 1;
    }
    process.stderr.write(`slipway migrate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}
