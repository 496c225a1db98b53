import {
  AgentFailure,
  type MigrateTarget,
  type MigrationProgress,
  type MigrationStatus,
  agentError,
} from '../../protocol';
import { type PlanEnv, checkGuards, clientFor } from '../deploy/target';
import { loadProject } from '../project/config';
import type { MethodHandlers, RequestContext } from '../server/session';
import { pgDumpBackup } from './backup';
import { describeHolder } from './lock';
import { connectDatabase, migrationSet, sourceUrl } from './migration-set';
import { Migrator } from './runner';

type MigrateMethods = Pick<
  MethodHandlers,
  'migrate.status' | 'migrate.up' | 'migrate.down' | 'migrate.acceptEdit'
>;

function progressText(p: MigrationProgress): string | undefined {
  switch (p.kind) {
    case 'waiting-for-lock':
      return `Waiting for another migration run${describeHolder(p.holder)}`;
    case 'migration':
      return `${p.file} (${p.index + 1}/${p.total})`;
    case 'dropped-invalid-index':
      return `Dropped the INVALID index ${p.index} a failed concurrent build left`;
    case 'backup':
      return `Backed up to ${p.file}`;
    default:
      return undefined;
  }
}

/**
 * The migration methods the extension calls: a service's set from the workspace's slipway.yaml, run
 * against its environment's database (through a port-forward when the host is inside the cluster). Writes
 * obey the environment's guards like a deploy does.
 */
export function migrateMethods(env: PlanEnv): MigrateMethods {
  async function withMigrator<T>(
    t: MigrateTarget,
    ctx: RequestContext,
    write: string | undefined,
    run: (m: Migrator) => Promise<T>,
  ): Promise<T> {
    const project = loadProject(t.workspace);
    env.guards.remember(project);
    const environment = project.environments[t.env];
    if (environment === undefined) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `slipway.yaml has no environment "${t.env}"; it has ${Object.keys(project.environments).join(', ')}.`,
        ),
      );
    }
    const { context, namespace } = environment;
    if (write !== undefined) checkGuards(env, context, [namespace], t.confirm, write);
    const set = migrationSet(project, t.service, t.env);
    const kube = () => ({ client: () => clientFor(env, context), context, namespace });
    const url = await sourceUrl(set, kube);
    const db = await connectDatabase(url, kube, namespace, 'slipway (VS Code)');
    try {
      const m = new Migrator(db.client, db.target, {
        dir: set.dir,
        layout: set.layout,
        history: set.history,
        schema: set.schema,
        lockTimeout: set.lockTimeout,
        statementTimeout: set.statementTimeout,
        backup: set.backupDir === undefined ? undefined : pgDumpBackup(db.url, set.backupDir),
        signal: ctx.signal,
        onProgress: (p) => {
          const text = progressText(p);
          if (text === undefined) return;
          const fraction = p.kind === 'migration' ? p.index / Math.max(1, p.total) : undefined;
          ctx.progress(text, fraction);
        },
      });
      return await run(m);
    } finally {
      await db.close();
    }
  }
  const strip = (s: MigrationStatus & { planned?: unknown }): MigrationStatus => {
    const copy = { ...s };
    delete copy.planned;
    return copy;
  };
  return {
    'migrate.status': (t, ctx) => withMigrator(t, ctx, undefined, async (m) => strip(await m.status())),
    'migrate.up': (t, ctx) =>
      withMigrator(t, ctx, t.dryRun === true ? undefined : `migrate ${t.service}`, (m) =>
        m.up({ dryRun: t.dryRun === true }),
      ),
    'migrate.down': (t, ctx) =>
      withMigrator(t, ctx, `revert migrations of ${t.service}`, (m) => m.down({ count: t.count ?? 1 })),
    'migrate.acceptEdit': (t, ctx) =>
      withMigrator(t, ctx, `accept an edited migration of ${t.service}`, (m) =>
        m.acceptEdit(t.version, t.note),
      ),
  };
}
