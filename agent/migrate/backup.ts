import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentFailure, agentError } from '../../protocol';
import { databaseTarget } from './connection';

/** Whether pg_dump is on this machine (backups need it; nothing else does). */
export function hasPgDump(): boolean {
  return spawnSync('sh', ['-c', 'command -v pg_dump'], { stdio: 'ignore' }).status === 0;
}

/**
 * A backup before migrating: pg_dump in its custom format into `dir`, named after the database and the
 * time. The password goes to pg_dump in its environment, never on its command line.
 */
export function pgDumpBackup(url: string, dir: string): () => Promise<string> {
  return async () => {
    if (!hasPgDump()) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          'A backup was asked for, and pg_dump is not installed here; install the PostgreSQL client (postgresql-client) or migrate without the backup. Nothing was applied.',
        ),
      );
    }
    const t = databaseTarget(url);
    const u = new URL(url);
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `${t.database}-${stamp}.dump`);
    const env: NodeJS.ProcessEnv = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
    const sslmode = u.searchParams.get('sslmode');
    if (sslmode !== null) env['PGSSLMODE'] = sslmode;
    const args = [
      '--format=custom',
      `--file=${file}`,
      '--host',
      t.host,
      '--port',
      String(t.port),
      '--username',
      t.user,
      t.database,
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn('pg_dump', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(
              new AgentFailure(
                agentError(
                  'UNAVAILABLE',
                  `The backup failed (pg_dump exited ${code}): ${err.trim()}. Nothing was applied.`,
                ),
              ),
            ),
      );
    });
    return file;
  };
}
