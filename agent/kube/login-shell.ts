import { spawn } from 'node:child_process';
import path from 'node:path';

export interface LoginShellOptions {
  /** The environment the shell starts with; its SHELL names the shell. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  timeoutMs?: number;
}

// Profile scripts may print banners or warnings; the markers pick PATH out of whatever else appears.
const MARK = '__SLIPWAY_PATH__';

/**
 * The PATH the user's login shell sets up (`$SHELL -lc 'printf %s "$PATH"'`), or undefined when there is
 * no shell, it fails, or it takes longer than the timeout. An editor started from the dock inherits a
 * minimal PATH, so kubeconfig exec plugins such as `aws` or `gke-gcloud-auth-plugin` would not be found;
 * kubectl in a terminal finds them because the terminal ran the login profile.
 */
export function loginShellPath(options: LoginShellOptions = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const shell = env['SHELL'];
  if (platform === 'win32' || shell === undefined || shell === '') return Promise.resolve(undefined);
  const timeoutMs = options.timeoutMs ?? 3000;
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const finish = (value: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    // Its own process group, without a terminal: a profile that prompts or hangs is killed whole.
    const child = spawn(shell, ['-lc', `printf %s "${MARK}\${PATH}${MARK}"`], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      finish(undefined);
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', () => finish(undefined));
    child.on('close', (code) => {
      const match = new RegExp(`${MARK}(.*)${MARK}`, 's').exec(out);
      finish(code === 0 && match !== null && match[1] !== '' ? match[1] : undefined);
    });
  });
}

/** `current` followed by the entries of `extra` it lacks; the order of what already resolves is kept. */
export function mergePaths(
  current: string | undefined,
  extra: string | undefined,
  delimiter = path.delimiter,
): string {
  const have = (current ?? '').split(delimiter).filter((p) => p !== '');
  const seen = new Set(have);
  for (const p of (extra ?? '').split(delimiter)) {
    if (p !== '' && !seen.has(p)) {
      seen.add(p);
      have.push(p);
    }
  }
  return have.join(delimiter);
}

const merged = new WeakMap<NodeJS.ProcessEnv, Promise<string | undefined>>();

/**
 * Adds the login shell's PATH entries to `env.PATH` (process.env by default), once per environment, so
 * client-node finds exec credential plugins when it spawns them. Resolves to the resulting PATH.
 */
export function mergeLoginShellPath(
  env: NodeJS.ProcessEnv = process.env,
  options: Omit<LoginShellOptions, 'env'> = {},
): Promise<string | undefined> {
  let pending = merged.get(env);
  if (pending === undefined) {
    pending = loginShellPath({ ...options, env }).then((shellPath) => {
      if (shellPath !== undefined) env['PATH'] = mergePaths(env['PATH'], shellPath);
      return env['PATH'];
    });
    merged.set(env, pending);
  }
  return pending;
}
