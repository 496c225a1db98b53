import { AgentFailure, agentError, describeMigrationProgress } from '../../protocol';
import type { RunOptions } from '../deploy/plan';
import { connectDatabase, migrationSet, migratorFor, sourceUrl } from './migration-set';

/**
 * The deploy plan's migrate step: a service's migration set runs against the environment's database
 * (its URL from slipway.yaml, a Secret in the namespace through a port-forward when the host is inside
 * the cluster) before its manifests are applied. A failed migration stops the deploy.
 */
export const migrateForDeploy: NonNullable<RunOptions['migrate']> = async (
  project,
  service,
  target,
  client,
  rec,
  signal,
) => {
  const set = migrationSet(project, service.name, target.env);
  const kube = () => ({ client: () => client, context: target.context, namespace: target.namespace });
  const url = await sourceUrl(set, kube);
  const db = await connectDatabase(url, kube, target.namespace, 'slipway deploy');
  try {
    if (db.target.via !== undefined)
      rec.note(`Migrations of ${service.name}: connecting through ${db.target.via}`);
    const m = migratorFor(set, db, {
      signal,
      onProgress: (p) => {
        const line = describeMigrationProgress(p);
        if (line !== undefined) rec.note(`Migrations of ${service.name}: ${line}`);
      },
    });
    const pending = await m.status();
    for (const e of pending.entries) {
      if (e.state === 'pending' || e.state === 'out-of-order' || e.state === 'partial') {
        for (const l of e.lint) rec.note(`${e.file ?? e.version}:${l.line}: ${l.message}`, 'warning');
      }
    }
    const r = await m.up();
    if (r.failed !== undefined) {
      const f = r.failed;
      throw new AgentFailure(
        agentError(
          'MIGRATION_FAILED',
          `Migration ${f.version} of ${service.name} failed at ${f.file}:${f.line}: ${f.message}. Nothing of it was applied${r.done.length > 0 ? ` (${r.done.join(', ')} were)` : ''}; fix it and deploy again.`,
          f.message,
        ),
      );
    }
    rec.note(
      r.done.length === 0
        ? `Migrations of ${service.name}: up to date${r.status.current === undefined ? '' : ` at ${r.status.current}`}`
        : `Migrations of ${service.name}: applied ${r.done.join(', ')}`,
    );
  } finally {
    await db.close();
  }
};
