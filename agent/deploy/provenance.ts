import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** Annotations Slipway records on each workload it changes: who, what and why. */
export const ANNOTATIONS = {
  changeCause: 'kubernetes.io/change-cause',
  deployedBy: 'slipway.dev/deployed-by',
  gitSha: 'slipway.dev/git-sha',
  plan: 'slipway.dev/plan',
  deployedAt: 'slipway.dev/deployed-at',
} as const;

export interface Provenance {
  user: string;
  gitSha?: string;
  /** What was run, e.g. "deploy env=staging service=auth-service image=ghcr.io/nova/auth:1.4.2". */
  plan: string;
  /** The change-cause `kubectl rollout history` shows. */
  changeCause: string;
}

/** The OS user, as CI runners and laptops both have one; SLIPWAY_USER overrides it (e.g. the CI actor). */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['SLIPWAY_USER'] ?? env['GITHUB_ACTOR'] ?? env['GITLAB_USER_LOGIN'];
  if (explicit !== undefined && explicit !== '') return explicit;
  try {
    return userInfo().username;
  } catch {
    return env['USER'] ?? 'unknown';
  }
}

/** Finds the .git directory at or above `start` (a worktree's .git file points elsewhere). */
function gitDir(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, '.git');
    if (existsSync(candidate)) {
      if (statSync(candidate).isDirectory()) return candidate;
      const m = /^gitdir:\s*(.+)\s*$/m.exec(readFileSync(candidate, 'utf8'));
      return m?.[1] === undefined ? undefined : join(dir, m[1]);
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The commit checked out in the folder's repository, read from .git directly: the user's machine need not
 * have git installed.
 */
export function gitSha(folder: string): string | undefined {
  try {
    const dir = gitDir(folder);
    if (dir === undefined) return undefined;
    const head = readFileSync(join(dir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
    if (ref === undefined) return undefined;
    const common = existsSync(join(dir, 'commondir'))
      ? join(dir, readFileSync(join(dir, 'commondir'), 'utf8').trim())
      : dir;
    for (const base of [dir, common]) {
      const loose = join(base, ref);
      if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    }
    const packed = join(common, 'packed-refs');
    if (existsSync(packed)) {
      for (const line of readFileSync(packed, 'utf8').split('\n')) {
        const [sha, name] = line.split(' ');
        if (name === ref && sha !== undefined) return sha;
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}

export function provenance(plan: string, folder: string | undefined, reason?: string): Provenance {
  const p: Provenance = { user: currentUser(), plan, changeCause: reason ?? `slipway ${plan}` };
  const sha = folder === undefined ? undefined : gitSha(folder);
  if (sha !== undefined) p.gitSha = sha;
  return p;
}

/** The annotations to set on a workload's metadata (never on its pod template: that would roll it). */
export function provenanceAnnotations(p: Provenance, now: Date = new Date()): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATIONS.changeCause]: p.changeCause,
    [ANNOTATIONS.deployedBy]: p.user,
    [ANNOTATIONS.plan]: p.plan,
    [ANNOTATIONS.deployedAt]: now.toISOString(),
  };
  if (p.gitSha !== undefined) a[ANNOTATIONS.gitSha] = p.gitSha;
  return a;
}
