import { isAbsolute, join } from 'node:path';
import { Client } from 'pg';
import {
  AgentFailure,
  type DatabaseTarget,
  type HistoryMode,
  MIGRATION_LAYOUTS,
  type MigrationLayout,
  agentError,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { ProjectConfig } from '../project/types';
import { pgDumpBackup } from './backup';
import { type OpenedDatabase, clusterService, databaseTarget, openDatabase, secretValue } from './connection';
import { Migrator, type MigratorOptions } from './runner';

/** Where a migration set's database URL comes from. */
export type DatabaseSource = { url: string } | { env: string } | { secret: { name: string; key: string } };

/** A service's migration set as slipway.yaml declares it, for one environment. */
export interface MigrationSet {
  name: string;
  dir: string;
  layout?: MigrationLayout;
  history: HistoryMode;
  schema?: string;
  source?: DatabaseSource;
  lockTimeout?: string;
  statementTimeout?: string;
  /** Where a pg_dump backup goes before each run that applies something; absent: no backup. */
  backupDir?: string;
}

const invalid = (message: string): AgentFailure => new AgentFailure(agentError('INVALID', message));

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The migration set `service` names, with the database source for environment `env`. */
export function migrationSet(project: ProjectConfig, serviceName: string, env: string): MigrationSet {
  const service = project.services[serviceName];
  if (service === undefined) throw invalid(`slipway.yaml has no service "${serviceName}".`);
  if (service.migrations === undefined)
    throw invalid(`Service ${serviceName} has no migrations in slipway.yaml.`);
  const raw = project.migrations[service.migrations];
  if (raw === undefined) throw invalid(`slipway.yaml has no migration set "${service.migrations}".`);
  const str = (k: string): string | undefined =>
    typeof raw[k] === 'string' ? (raw[k] as string) : undefined;
  const dir = str('directory') ?? 'migrations';
  const tool = str('tool');
  if (tool !== undefined && !(MIGRATION_LAYOUTS as readonly string[]).includes(tool)) {
    throw invalid(
      `Migration set "${service.migrations}" has tool "${tool}"; use ${MIGRATION_LAYOUTS.join(', ')}.`,
    );
  }
  const db = record(raw['database']);
  // One source for every environment, or one per environment name.
  const perEnv = Object.keys(db).length > 0 && !['url', 'env', 'secret'].some((k) => k in db);
  if (perEnv && db[env] === undefined) {
    throw invalid(
      `Migration set "${service.migrations}" has no database for environment "${env}"; add database.${env} (url, env or secret).`,
    );
  }
  const src = perEnv ? record(db[env]) : db;
  let source: DatabaseSource | undefined;
  if (typeof src['url'] === 'string') source = { url: src['url'] };
  else if (typeof src['env'] === 'string') source = { env: src['env'] };
  else if (src['secret'] !== undefined) {
    const s = record(src['secret']);
    source = { secret: { name: String(s['name']), key: String(s['key']) } };
  }
  const set: MigrationSet = {
    name: service.migrations,
    dir: isAbsolute(dir) ? dir : join(project.root, dir),
    history: str('history') === 'native' ? 'native' : 'slipway',
  };
  if (tool !== undefined) set.layout = tool as MigrationLayout;
  const schema = str('schema');
  if (schema !== undefined) set.schema = schema;
  if (source !== undefined) set.source = source;
  const lockTimeout = str('lockTimeout');
  if (lockTimeout !== undefined) set.lockTimeout = lockTimeout;
  const statementTimeout = str('statementTimeout');
  if (statementTimeout !== undefined) set.statementTimeout = statementTimeout;
  if (raw['backup'] === true) set.backupDir = join(project.root, '.slipway', 'backups');
  return set;
}

export interface KubeAccess {
  client: () => KubeClient;
  context: string;
  namespace: string;
}

/** The URL a source names: given, from an environment variable, or from a Secret in the namespace. */
export async function sourceUrl(set: MigrationSet, kube: (() => KubeAccess) | undefined): Promise<string> {
  const s = set.source;
  if (s === undefined) {
    throw invalid(
      `Migration set "${set.name}" names no database; add database: { secret: … } (or url/env) to it.`,
    );
  }
  if ('url' in s) return s.url;
  if ('env' in s) {
    const v = process.env[s.env];
    if (v === undefined || v === '') {
      throw invalid(`Migration set "${set.name}" reads the database URL from $${s.env}, which is not set.`);
    }
    return v;
  }
  if (kube === undefined)
    throw invalid(`Migration set "${set.name}" reads a Secret, and no cluster is known here.`);
  const k = kube();
  return secretValue(k.client(), k.namespace, s.secret.name, s.secret.key);
}

export interface ConnectedDatabase {
  client: Client;
  target: DatabaseTarget;
  /** The URL this machine reaches the database by (through the port-forward, if there is one). */
  url: string;
  close(): Promise<void>;
}

/** Connects, through a port-forward when the host is a Service inside the cluster. */
export async function connectDatabase(
  url: string,
  kube: (() => KubeAccess) | undefined,
  namespace: string,
  application = 'slipway migrate',
): Promise<ConnectedDatabase> {
  const direct = databaseTarget(url);
  const inCluster = kube !== undefined && clusterService(direct.host, namespace) !== undefined;
  const opened: OpenedDatabase = await openDatabase(url, inCluster ? kube() : undefined);
  const client = new Client({ connectionString: opened.url, application_name: application });
  const t = opened.target;
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    await opened.close();
    throw new AgentFailure(
      agentError(
        'UNAVAILABLE',
        `Could not connect to PostgreSQL at ${t.host}:${t.port} (database ${t.database}, user ${t.user}): ${e instanceof Error ? e.message : String(e)}. Check the URL and that the server is reachable.`,
      ),
    );
  }
  return {
    client,
    target: t,
    url: opened.url,
    close: async () => {
      await client.end().catch(() => undefined);
      await opened.close();
    },
  };
}

/** A Migrator for a set over its connected database: the set's directory, format, history and settings. */
export function migratorFor(
  set: MigrationSet,
  db: ConnectedDatabase,
  run: Pick<MigratorOptions, 'onProgress' | 'signal' | 'lockWaitMs'>,
): Migrator {
  return new Migrator(db.client, db.target, {
    ...run,
    dir: set.dir,
    layout: set.layout,
    history: set.history,
    schema: set.schema,
    lockTimeout: set.lockTimeout,
    statementTimeout: set.statementTimeout,
    backup: set.backupDir === undefined ? undefined : pgDumpBackup(db.url, set.backupDir),
  });
}
