/**
 * A real PostgreSQL server (Debian's binaries) on a pod's address: what the sandbox runs for a container
 * whose image is `postgres`, so migrations and port-forwards to an in-cluster database are tested against
 * the real thing. PostgreSQL refuses to run as root, so under root it runs as `nobody`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** Whether an image is PostgreSQL's (postgres, postgres:16, docker.io/library/postgres@sha256:…). */
export function isPostgresImage(image: string | undefined): boolean {
  const last = (image ?? '').split('/').pop() ?? '';
  return /^postgres(ql)?([:@]|$)/.test(last);
}

/** The directory of PostgreSQL's server programs, if installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'dirname "$(readlink -f "$(command -v postgres)")"'], {
    encoding: 'utf8',
  });
  const dir = which.stdout.trim();
  return which.status === 0 && dir !== '' && existsSync(join(dir, 'initdb')) ? dir : undefined;
}

export interface PostgresOptions {
  host: string;
  port: number;
  /** The superuser, as the image's POSTGRES_USER (default postgres). */
  user?: string;
  /** Its password (POSTGRES_PASSWORD); without one, connections from the host are trusted. */
  password?: string;
  /** A database to create besides `postgres` (POSTGRES_DB). */
  database?: string;
  /** Durability off: for throw-away test databases. */
  fast?: boolean;
}

export class PostgresServer {
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  private log = '';

  constructor(readonly opts: PostgresOptions) {}

  get user(): string {
    return this.opts.user ?? 'postgres';
  }

  /** A URL for the superuser on `db` (default the POSTGRES_DB database, else postgres). */
  url(db = this.opts.database ?? 'postgres'): string {
    const auth =
      this.opts.password === undefined ? this.user : `${this.user}:${encodeURIComponent(this.opts.password)}`;
    return `postgresql://${auth}@${this.opts.host}:${this.opts.port}/${db}`;
  }

  async start(): Promise<void> {
    const bin = postgresBin();
    if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install postgresql).');
    const dir = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
    this.dir = dir;
    const data = join(dir, 'data');
    const asRoot = process.getuid?.() === 0;
    const ids = asRoot ? { uid: 65534, gid: 65534 } : {};
    const args = ['-D', data, '-U', this.user, '-E', 'UTF8', '--locale=C', '--no-sync', '--auth-local=trust'];
    if (this.opts.password === undefined) args.push('--auth-host=trust');
    else {
      writeFileSync(join(dir, 'pw'), this.opts.password);
      args.push('--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pw')}`);
    }
    if (asRoot) {
      chownSync(dir, 65534, 65534);
      if (this.opts.password !== undefined) chownSync(join(dir, 'pw'), 65534, 65534);
      chmodSync(dir, 0o700);
    }
    const env = { ...process.env, LC_ALL: 'C' };
    const init = spawnSync(join(bin, 'initdb'), args, { ...ids, encoding: 'utf8', env });
    rmSync(join(dir, 'pw'), { force: true });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    const settings = [
      `listen_addresses=${this.opts.host}`,
      'max_connections=100',
      ...(this.opts.fast === true ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
    ];
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(this.opts.port), '-k', dir, ...settings.flatMap((s) => ['-c', s])],
      { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    this.child = child;
    // A test run or sandbox that exits without stopping it (an uncaught error) takes the server along.
    const orphaned = (): void => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    process.once('exit', orphaned);
    child.once('exit', () => process.removeListener('exit', orphaned));
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    for (let i = 0; ; i++) {
      const c = new Client({ connectionString: this.url('postgres') });
      try {
        await c.connect();
        const db = this.opts.database;
        if (db !== undefined && db !== 'postgres') {
          const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
          if (exists.rowCount === 0) await c.query(`CREATE DATABASE "${db.replace(/"/g, '""')}"`);
        }
        await c.end();
        return;
      } catch (e) {
        await c.end().catch(() => undefined);
        if (child.exitCode !== null || i > 150) {
          await this.stop();
          throw new Error(
            `PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}\n${this.log}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
