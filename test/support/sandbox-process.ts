import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');

export interface SandboxProcess {
  url: string;
  kubeconfig: string;
  dir: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node dist/cli.js sandbox` exactly as a user or CI would, and waits for its ready line. */
export async function startSandboxProcess(
  scenario = 'demo',
  extraArgs: string[] = [],
): Promise<SandboxProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sandbox-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const child = spawn(
    process.execPath,
    [CLI, 'sandbox', '--kubeconfig', kubeconfig, '--port', '0', '--scenario', scenario, ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not get ready in 60 s:\n${out}`)), 60_000);
    const check = (): void => {
      const m = /^sandbox ready (https:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) =>
      reject(new Error(`sandbox exited with ${String(code)} before ready:\n${out}`)),
    );
  });
  return {
    url,
    kubeconfig,
    dir,
    child,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
