import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';

/** What a client needs to reach the running agent; written with mode 0600 since it holds the token. */
export interface DiscoveryRecord {
  port: number;
  token: string;
  pid: number;
  version: string;
  protocol: number;
  startedAt: string;
}

/** The user's config folder, as VS Code and most CLIs use it on each platform. */
export function configDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env['SLIPWAY_CONFIG_DIR'] !== undefined && env['SLIPWAY_CONFIG_DIR'] !== '')
    return env['SLIPWAY_CONFIG_DIR'];
  const p = platform();
  if (p === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'slipway');
  if (p === 'darwin') return join(home, 'Library', 'Application Support', 'slipway');
  return join(env['XDG_CONFIG_HOME'] ?? join(home, '.config'), 'slipway');
}

export function discoveryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'agent.json');
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function readDiscovery(path: string): DiscoveryRecord | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<DiscoveryRecord>;
    if (typeof v.port === 'number' && typeof v.token === 'string' && typeof v.pid === 'number') {
      return {
        port: v.port,
        token: v.token,
        pid: v.pid,
        version: String(v.version ?? ''),
        protocol: Number(v.protocol ?? 0),
        startedAt: String(v.startedAt ?? ''),
      };
    }
  } catch {
    // A missing or unreadable file means no agent is advertised.
  }
  return undefined;
}

/** Written atomically (temp file + rename) so a reader never sees half a record. */
export function writeDiscovery(path: string, record: DiscoveryRecord): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Removes the record only if it is still ours, so a newer agent's record survives our shutdown. */
export function removeDiscovery(path: string, pid: number): void {
  const current = readDiscovery(path);
  if (current !== undefined && current.pid === pid) rmSync(path, { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
