import { createServer } from 'node:net';
import { Client } from 'pg';
import { PostgresServer, postgresBin } from '../../sandbox/pods/postgres';

export function hasPostgres(): boolean {
  return postgresBin() !== undefined;
}

export interface RunningPostgres {
  host: string;
  port: number;
  /** A URL for the superuser `postgres` on database `db` (trust authentication: no password). */
  url(db?: string): string;
  /** A fresh, empty database. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let dbCounter = 0;

/** A real PostgreSQL server for one test run (the sandbox's, see sandbox/pods/postgres.ts), durability off. */
export async function startPostgres(host = '127.0.0.1'): Promise<RunningPostgres> {
  const server = new PostgresServer({ host, port: await freePort(host), fast: true });
  await server.start();
  return {
    host,
    port: server.opts.port,
    url: (db = 'postgres') => server.url(db),
    async createDatabase(name) {
      const db = name ?? `t${process.pid}_${++dbCounter}`;
      const c = new Client({ connectionString: server.url('postgres') });
      await c.connect();
      await c.query(`CREATE DATABASE "${db}"`);
      await c.end();
      return db;
    },
    stop: () => server.stop(),
  };
}
