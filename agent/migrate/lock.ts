import { createHash } from 'node:crypto';
import type { ClientBase } from 'pg';
import { AgentFailure, type LockHolder, agentError, describeHolder } from '../../protocol';

/**
 * The advisory lock key of one history: (database, schema, table) hashed to a bigint, so two sets in one
 * database do not block each other and two runners of one set do.
 */
export function lockKey(database: string, schema: string, table: string): bigint {
  const h = createHash('sha256').update(`slipway-migrate\0${database}\0${schema}\0${table}`).digest();
  return h.readBigInt64BE(0);
}

/** Who holds the advisory lock `key`, from pg_locks and pg_stat_activity. */
export async function lockHolder(c: ClientBase, key: bigint): Promise<LockHolder | undefined> {
  // A bigint advisory key shows as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
  const hi = Number(BigInt.asUintN(32, key >> 32n));
  const lo = Number(BigInt.asUintN(32, key));
  const r = await c.query(
    `SELECT a.pid, a.application_name, a.usename, a.backend_start, a.state, a.query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid
        AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      LIMIT 1`,
    [hi, lo],
  );
  const x = r.rows[0] as Record<string, unknown> | undefined;
  if (x === undefined) return undefined;
  return {
    pid: Number(x['pid']),
    application: String(x['application_name'] ?? ''),
    user: String(x['usename'] ?? ''),
    since: x['backend_start'] instanceof Date ? x['backend_start'].toISOString() : String(x['backend_start']),
    state: String(x['state'] ?? ''),
    query: String(x['query'] ?? ''),
  };
}

export interface LockOptions {
  /** How long to wait for another runner before giving up. */
  waitMs: number;
  pollMs?: number;
  onWait?: (holder: LockHolder | undefined, waitedMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Takes the session-level advisory lock by polling pg_try_advisory_lock: a waiting runner holds no lock
 * and no transaction (so it never deadlocks with, or stalls, a concurrent index build), and can say who
 * it waits for. Throws CONFLICT naming the holder when the wait runs out.
 */
export async function acquireLock(
  c: ClientBase,
  key: bigint,
  opts: LockOptions,
): Promise<() => Promise<void>> {
  const started = Date.now();
  const poll = opts.pollMs ?? 250;
  let lastReport = -Infinity;
  for (;;) {
    const r = await c.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key.toString()]);
    if ((r.rows[0] as { ok: boolean }).ok) {
      return async () => {
        await c.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
      };
    }
    const waited = Date.now() - started;
    const holder = await lockHolder(c, key);
    if (waited >= opts.waitMs) {
      throw new AgentFailure(
        agentError(
          'CONFLICT',
          `Another migration run holds the lock${describeHolder(holder)}; waited ${Math.round(waited / 1000)} s. Let it finish, or stop it (pg_terminate_backend(${holder?.pid ?? 'pid'})) if it is stuck.`,
        ),
      );
    }
    if (waited - lastReport >= 1_000) {
      lastReport = waited;
      opts.onWait?.(holder, waited);
    }
    if (opts.signal?.aborted === true)
      throw new AgentFailure(agentError('CANCELLED', 'The migration run was cancelled.'));
    await new Promise((res) => setTimeout(res, poll));
  }
}
