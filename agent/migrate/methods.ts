import { AgentFailure, type MigrateTarget, agentError, describeMigrationProgress } from '../../protocol';
import { type PlanEnv, checkGuards, clientFor } from '../deploy/target';
import { loadProject } from '../project/config';
import type { MethodHandlers, RequestContext } from '../server/session';
import { connectDatabase, migrationSet, migratorFor, sourceUrl } from './migration-set';
import type { Migrator } from './runner';

type MigrateMethods = Pick<
  MethodHandlers,
  'migrate.status' | 'migrate.up' | 'migrate.down' | 'migrate.acceptEdit'
>;

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
      const m = migratorFor(set, db, {
        signal: ctx.signal,
        onProgress: (p) => {
          const text = describeMigrationProgress(p);
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
  return {
    'migrate.status': (t, ctx) => withMigrator(t, ctx, undefined, (m) => m.status()),
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
