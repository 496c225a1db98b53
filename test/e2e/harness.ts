// Runs the real VS Code workbench for e2e tests: code-server (VS Code 1.100.3's server and web workbench)
// in its own process group, driven by Debian's Chromium through playwright-core. Extension-host suites
// report through the workbench's `codeAutomationExit`/`codeAutomationLog` hooks; UI tests use `page`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { inspect } from 'node:util';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export interface WorkbenchOptions {
  /** Folder holding the extension's package.json; loaded as a development extension. */
  extensionDevelopmentPath: string;
  /** Module exporting `run(): Promise<void>`; when set, the extension host runs it and then exits. */
  extensionTestsPath?: string;
  /** Folder the workbench opens. */
  workspaceFolder: string;
  /** Extra environment for code-server, and so for the extension host and the tests it runs. */
  env?: Record<string, string>;
  /** Screenshots go to <outputDir>/screenshots, logs to <outputDir>/logs/<runName>. */
  outputDir: string;
  /** Names this run's log folder; default a unique name, so several workbenches can share outputDir. */
  runName?: string;
  /** Merged over the harness's quiet defaults into the fresh profile's settings.json. */
  userSettings?: object;
  /** code-server's out/node/entry.js; default $SLIPWAY_CODE_SERVER_ENTRY, else .tools/ above the cwd. */
  codeServerEntry?: string;
  /** Default $SLIPWAY_CHROMIUM, else /usr/bin/chromium. */
  chromiumPath?: string;
  /** Where forwarded extension-host output goes; default our stdout. */
  output?: (line: string) => void;
  /**
   * When set, automation-log lines go only to the run's log file until one starting with this text
   * arrives, and are forwarded from then on: it cuts the workbench's start-up chatter from test output.
   */
  forwardLogsAfter?: string;
  /** How long code-server and the workbench may take to come up; default 60 s. */
  startTimeoutMs?: number;
}

export interface Workbench {
  readonly page: Page;
  /** The workbench URL, payload included. */
  readonly url: string;
  /** Every line that arrived through `codeAutomationLog`, in order. */
  readonly logs: readonly string[];
  /** Resolves with the extension host's exit code once the tests module's `run()` settles. */
  waitForTestsExit(timeoutMs: number): Promise<number>;
  /** Saves a PNG of the page as <outputDir>/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Closes Chromium and kills code-server's whole process group; safe to call twice. */
  stop(): Promise<void>;
}

const CODE_SERVER_RELATIVE = join(
  '.tools',
  'code-server',
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Keeps the workbench from spending the test's time on tips, walkthroughs, update checks and gallery
// lookups; a test that cares about one of these sets it through `userSettings`.
const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

// Port 9 (discard) on loopback refuses at once, so any gallery request fails fast instead of hanging.
const DEAD_GALLERY = JSON.stringify({
  serviceUrl: 'http://127.0.0.1:9/gallery',
  itemUrl: 'http://127.0.0.1:9/item',
  resourceUrlTemplate: 'http://127.0.0.1:9/{publisher}/{name}/{version}/{path}',
  controlUrl: '',
  nlsBaseUrl: '',
});

/** Environment through which scripts/e2e.mjs tells UI tests what to open and where to write. */
export const E2E_ENV = {
  extensionDevelopmentPath: 'SLIPWAY_E2E_EXTENSION',
  workspaceFolder: 'SLIPWAY_E2E_WORKSPACE',
  outputDir: 'SLIPWAY_E2E_OUTPUT',
} as const;

/** The options a UI test passes to startWorkbench: from E2E_ENV, else the checkout in the cwd. */
export function e2eOptionsFromEnv(): Pick<
  WorkbenchOptions,
  'extensionDevelopmentPath' | 'workspaceFolder' | 'outputDir'
> {
  const root = process.cwd();
  return {
    extensionDevelopmentPath: process.env[E2E_ENV.extensionDevelopmentPath] ?? root,
    workspaceFolder: process.env[E2E_ENV.workspaceFolder] ?? root,
    outputDir: process.env[E2E_ENV.outputDir] ?? join(root, '.test-output', 'e2e'),
  };
}

export function findCodeServerEntry(from = process.cwd()): string {
  const fromEnv = process.env['SLIPWAY_CODE_SERVER_ENTRY'];
  if (fromEnv) return fromEnv;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, CODE_SERVER_RELATIVE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `code-server not found in ${CODE_SERVER_RELATIVE} above ${from}; run node scripts/e2e-setup.mjs`,
  );
}

/** A vscode-remote URI for a path on the code-server host, as the workbench's payload expects. */
function remoteUri(authority: string, path: string): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `vscode-remote://${authority}${encoded}`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'screenshot';
}

interface WorkbenchLogFile {
  relativePath: string;
  contents: string;
}

function isLogFiles(value: unknown): value is WorkbenchLogFile[] {
  return (
    Array.isArray(value) &&
    value.every(
      (f: unknown) =>
        typeof f === 'object' &&
        f !== null &&
        'relativePath' in f &&
        typeof f.relativePath === 'string' &&
        'contents' in f &&
        typeof f.contents === 'string',
    )
  );
}

/** Resolves with the port once code-server prints that it listens; rejects if it exits first. */
function waitForListening(server: ChildProcess, log: WriteStream, timeoutMs: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => finish(new Error(`code-server did not listen within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (m) finish(undefined, Number(m[1]));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`code-server exited (${code ?? signal}) before listening:\n${seen}`));
    function finish(err: Error | undefined, port?: number): void {
      clearTimeout(timer);
      server.off('exit', onExit);
      // Keep copying output to the log file after startup; only the port search ends here.
      server.stdout?.off('data', onData).on('data', (c: Buffer) => log.write(c));
      server.stderr?.off('data', onData).on('data', (c: Buffer) => log.write(c));
      if (err) reject(err);
      else resolvePort(port!);
    }
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', onExit);
  });
}

/**
 * Whether any process of the group is still running. Zombies do not count: orphans of the group are
 * reparented to PID 1, which may reap them late (or never, in some containers), yet they hold nothing.
 */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No procfs: fall back to asking the kernel, which counts zombies too.
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Exited while we looked.
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

async function killGroup(pgid: number, graceMs: number): Promise<void> {
  // The extension host does not run deactivate() on SIGTERM either way, so the whole group is told at
  // once rather than the server first.
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (groupAlive(pgid)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone between the check and the kill.
    }
    const killDeadline = Date.now() + 2000;
    while (groupAlive(pgid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  for (const [name, p] of [
    ['extensionDevelopmentPath', opts.extensionDevelopmentPath],
    ['workspaceFolder', opts.workspaceFolder],
    ['extensionTestsPath', opts.extensionTestsPath],
  ] as const) {
    if (p !== undefined && !isAbsolute(p)) throw new Error(`${name} must be absolute: ${p}`);
  }
  const output = opts.output ?? ((line: string) => process.stdout.write(`${line}\n`));
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const outputDir = resolve(opts.outputDir);
  await mkdir(join(outputDir, 'screenshots'), { recursive: true });

  // Fresh profile, extensions and browser state per run, in tmpdir so the session socket's path stays
  // short (unix sockets allow ~108 bytes) whatever the checkout's path is.
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-e2e-'));
  const logDir = join(outputDir, 'logs', safeName(opts.runName ?? basename(scratch)));
  await mkdir(logDir, { recursive: true });
  const userDataDir = join(scratch, 'user-data');
  const extensionsDir = join(scratch, 'extensions');
  const browserProfile = join(scratch, 'chromium');
  await mkdir(join(userDataDir, 'User'), { recursive: true });
  await mkdir(extensionsDir, { recursive: true });
  await writeFile(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...opts.userSettings }, null, 2),
  );
  const config = join(scratch, 'config.yaml');
  // Port 0: the kernel picks a free port and code-server prints it, so two runs can never race for one.
  await writeFile(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');

  // Each of these would redirect code-server: PORT/CODE_SERVER_HOST override bind-addr, and inside a
  // VS Code terminal VSCODE_IPC_HOOK_CLI makes it hand the folder to that editor instead of starting.
  const redirecting = new Set([
    'PORT',
    'CODE_SERVER_HOST',
    'VSCODE_IPC_HOOK_CLI',
    'PASSWORD',
    'HASHED_PASSWORD',
  ]);
  const env = {
    ...Object.fromEntries(
      Object.entries({ ...process.env, ...opts.env }).filter(([k]) => !redirecting.has(k)),
    ),
    EXTENSIONS_GALLERY: DEAD_GALLERY,
  };

  const serverLog = createWriteStream(join(logDir, 'code-server.log'));
  const entry = opts.codeServerEntry ?? findCodeServerEntry();
  // detached: setsid() puts code-server, its extension host and everything they start in one process
  // group that stop() can kill whole; killing only the server would orphan the extension host.
  const server = spawn(
    process.execPath,
    [
      entry,
      '--config',
      config,
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const pgid = server.pid;
  if (pgid === undefined) throw new Error('could not start code-server');
  // A crashed test process must not leave the server behind; stop() does the orderly version of this.
  const killOnExit = (): void => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Group already gone.
    }
    rmSync(scratch, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);

  let context: BrowserContext | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await context?.close().catch(() => undefined);
      await killGroup(pgid, 3000);
      process.off('exit', killOnExit);
      serverLog.end();
      await rm(scratch, { recursive: true, force: true, maxRetries: 3 });
    })());

  try {
    const port = await waitForListening(server, serverLog, startTimeoutMs);
    const authority = `127.0.0.1:${port}`;
    const payload: [string, string][] = [
      ['extensionDevelopmentPath', remoteUri(authority, opts.extensionDevelopmentPath)],
      ['skipWelcome', 'true'],
    ];
    if (opts.extensionTestsPath)
      payload.push(['extensionTestsPath', remoteUri(authority, opts.extensionTestsPath)]);
    const url =
      `http://${authority}/?folder=${encodeURIComponent(opts.workspaceFolder)}` +
      `&payload=${encodeURIComponent(JSON.stringify(payload))}`;

    context = await chromium.launchPersistentContext(browserProfile, {
      executablePath: opts.chromiumPath ?? process.env['SLIPWAY_CHROMIUM'] ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1440, height: 900 },
      // Our own stop() and exit hook own the lifetime; Playwright's signal handlers would exit mid-test.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });

    const logs: string[] = [];
    let exitCode: number | undefined;
    const exitWaiters: ((code: number) => void)[] = [];
    // Only test mode calls this hook, so the file is opened on the first line rather than up front.
    let automationLog: WriteStream | undefined;
    let forwarding = opts.forwardLogsAfter === undefined;
    // Both hooks must exist before the workbench script runs: it looks for them once, at startup.
    // The workbench calls this with a level and the console call's arguments, for its own log lines and,
    // in test mode, for everything the extension host prints.
    await context.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
      const parts: unknown[] = Array.isArray(args) ? args : [args];
      const line = parts.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
      logs.push(line);
      const tagged = level === 'error' || level === 'warn' ? `[${String(level)}] ${line}` : line;
      (automationLog ??= createWriteStream(join(logDir, 'automation.log'))).write(`${tagged}\n`);
      if (!forwarding && opts.forwardLogsAfter !== undefined && line.startsWith(opts.forwardLogsAfter))
        forwarding = true;
      else if (forwarding) output(tagged);
    });
    await context.exposeFunction('codeAutomationExit', async (code: unknown, files: unknown) => {
      if (isLogFiles(files)) {
        for (const f of files) {
          const target = resolve(logDir, 'workbench', f.relativePath);
          if (!target.startsWith(join(logDir, 'workbench') + sep)) continue;
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, f.contents);
        }
      }
      exitCode = typeof code === 'number' ? code : 1;
      for (const w of exitWaiters.splice(0)) w(exitCode);
    });

    const page = context.pages()[0] ?? (await context.newPage());
    const browserLog = createWriteStream(join(logDir, 'browser-console.log'));
    page.on('console', (m) => browserLog.write(`[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => browserLog.write(`[pageerror] ${e.stack ?? e.message}\n`));
    page.on('close', () => {
      browserLog.end();
      automationLog?.end();
    });

    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: startTimeoutMs });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: startTimeoutMs });

    return {
      page,
      url,
      logs,
      waitForTestsExit(timeoutMs: number): Promise<number> {
        if (exitCode !== undefined) return Promise.resolve(exitCode);
        if (server.exitCode !== null || server.signalCode !== null)
          return Promise.reject(new Error('code-server exited before the tests finished'));
        return new Promise<number>((resolveCode, reject) => {
          const timer = setTimeout(() => {
            settle(new Error(`extension-host tests did not finish within ${timeoutMs} ms`));
          }, timeoutMs);
          const onServerExit = (code: number | null, signal: string | null): void =>
            settle(new Error(`code-server exited (${code ?? signal}) before the tests finished`));
          function settle(err: Error | undefined, code?: number): void {
            clearTimeout(timer);
            server.off('exit', onServerExit);
            if (err) reject(err);
            else resolveCode(code!);
          }
          server.once('exit', onServerExit);
          exitWaiters.push((code) => settle(undefined, code));
        });
      },
      async screenshot(name: string): Promise<string> {
        const path = join(outputDir, 'screenshots', `${safeName(name)}.png`);
        // Finishing CSS transitions first keeps half-faded toasts and sliding panels out of the picture.
        await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
        return path;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
