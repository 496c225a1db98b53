// The e2e phase: the extension in the real VS Code workbench (code-server + Debian Chromium).
//   1. extension-host suites (test/e2e/suites/*.test.ts), bundled with the mocha runner and run inside
//      the extension host through the workbench's test mode;
//   2. UI tests (test/e2e/ui/*.test.ts), run here by mocha, driving the workbench DOM with playwright.
// Ends with the plain line "e2e: N passed, N failed" and a non-zero exit on any failure.
//
// Usage: node scripts/e2e.mjs [--extension DIR] [--suites DIR] [--ui DIR] [--workspace DIR] [--grep RE]
// Defaults are this checkout, test/e2e/suites, test/e2e/ui and a copy of test/e2e/workspace (or an
// empty folder). Screenshots and logs go to .test-output/e2e/.
import { build } from 'esbuild';
import Mocha from 'mocha';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/cjs/api';
import { ensureE2eTools } from './e2e-setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    extension: { type: 'string', default: root },
    suites: { type: 'string', default: join(root, 'test', 'e2e', 'suites') },
    ui: { type: 'string', default: join(root, 'test', 'e2e', 'ui') },
    workspace: { type: 'string', default: join(root, 'test', 'e2e', 'workspace') },
    grep: { type: 'string' },
  },
});
// Paths given on the command line are relative to where we were started, not to the checkout.
const extensionPath = resolve(args.extension);
const suitesDir = resolve(args.suites);
const uiDir = resolve(args.ui);
const fixture = resolve(args.workspace);
process.chdir(root);
const outputDir = join(root, '.test-output', 'e2e');
const buildDir = join(outputDir, 'build');
const suiteTimeoutMs = Number(process.env.SLIPWAY_E2E_TIMEOUT_MS ?? 600_000);

function say(line) {
  process.stdout.write(`${line}\n`);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(dir, f));
}

const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8'));
if (!manifest.contributes) {
  say(
    `e2e: skipped: ${join(extensionPath, 'package.json')} has no "contributes" yet, so there is no extension to test`,
  );
  process.exit(0);
}
const suiteSources = testFiles(suitesDir);
const uiSources = testFiles(uiDir);
if (suiteSources.length === 0 && uiSources.length === 0) {
  say(`e2e: skipped: no *.test.ts under ${suitesDir} or ${uiDir}`);
  process.exit(0);
}

// The workbench loads the built bundle; without it the extension silently fails to activate.
if (manifest.main && !existsSync(join(extensionPath, manifest.main))) {
  say(`e2e: cannot run: ${join(extensionPath, manifest.main)} is missing; build the extension first`);
  process.exit(1);
}

const tools = ensureE2eTools({ root });
if (!tools.ok) {
  say(`e2e: cannot run: ${tools.problem}`);
  process.exit(1);
}
process.env.SLIPWAY_CODE_SERVER_ENTRY ??= tools.codeServerEntry;
process.env.SLIPWAY_CHROMIUM ??= tools.chromium;

rmSync(outputDir, { recursive: true, force: true });
mkdirSync(join(outputDir, 'screenshots'), { recursive: true });

// Tests may change files in the workspace, so they get a copy of the fixture, never the fixture itself.
const workspace = mkdtempSync(join(tmpdir(), 'slipway-e2e-workspace-'));
if (existsSync(fixture)) cpSync(fixture, workspace, { recursive: true });
process.on('exit', () => rmSync(workspace, { recursive: true, force: true }));
// Ctrl-C or a CI timeout: exit through process.exit so the harness's exit hooks kill code-server's
// process group and Playwright kills Chromium.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

// The harness is TypeScript; tsx compiles it (and the UI tests) on require.
register();
const require = createRequire(import.meta.url);
const { startWorkbench, E2E_ENV } = require('../test/e2e/harness.ts');
const { GREP_ENV, START_MARKER, STATS_PREFIX, SUITES_ENV } = require('../test/e2e/mocha-runner.ts');

const totals = { passes: 0, failures: 0, pending: 0 };
const started = Date.now();

async function runExtensionHostSuites() {
  const agentDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-suites-agent-'));
  say(`\n=== e2e: ${suiteSources.length} extension-host suite file(s) in the workbench`);
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    absWorkingDir: root,
    // Supplied by the extension host at run time.
    external: ['vscode'],
  };
  // Mocha is bundled into the runner so it does not depend on how the host's require() treats ESM.
  await build({
    ...common,
    entryPoints: [join(root, 'test', 'e2e', 'mocha-runner.ts')],
    outfile: join(buildDir, 'mocha-runner.js'),
    // Mocha's parallel mode resolves worker files at run time; the runner never uses parallel mode.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  await build({
    ...common,
    entryPoints: suiteSources,
    outdir: join(buildDir, 'suites'),
    outbase: suitesDir,
  });
  const suites = suiteSources.map((s) =>
    join(buildDir, 'suites', relative(suitesDir, s).replace(/\.ts$/, '.js')),
  );

  const workbench = await startWorkbench({
    extensionDevelopmentPath: extensionPath,
    extensionTestsPath: join(buildDir, 'mocha-runner.js'),
    workspaceFolder: workspace,
    outputDir,
    runName: 'extension-host-suites',
    forwardLogsAfter: START_MARKER,
    env: {
      [SUITES_ENV]: suites.join('\n'),
      // Its own agent folder: the extension must neither use nor leave behind the user's shared agent.
      SLIPWAY_CONFIG_DIR: agentDir,
      ...(args.grep ? { [GREP_ENV]: args.grep } : {}),
    },
  });
  try {
    const code = await workbench.waitForTestsExit(suiteTimeoutMs);
    const statsLine = [...workbench.logs].reverse().find((l) => l.startsWith(STATS_PREFIX));
    if (statsLine) {
      const stats = JSON.parse(statsLine.slice(STATS_PREFIX.length));
      totals.passes += stats.passes;
      totals.failures += stats.failures;
      totals.pending += stats.pending;
      // A crash after mocha reported (e.g. in deactivate) still fails the phase.
      if (code !== 0 && stats.failures === 0) totals.failures += 1;
    } else {
      say(`e2e: the extension host exited with ${code} before mocha reported; see ${outputDir}/logs`);
      totals.failures += 1;
    }
    say(`e2e: extension host exited with code ${code}`);
  } catch (err) {
    say(`e2e: ${err instanceof Error ? err.message : String(err)}`);
    await workbench.screenshot('extension-host-suites-timeout').catch(() => undefined);
    totals.failures += 1;
  } finally {
    await workbench.stop();
    await stopAgent(agentDir);
  }
}

/**
 * The extension starts its agent detached (it is shared by windows); a test run's agent ends with it. An
 * agent the extension was still starting as the workbench stopped advertises itself a moment later, so
 * the folder is watched briefly and whatever it names is stopped.
 */
async function stopAgent(dir) {
  const stopped = new Set();
  for (const deadline = Date.now() + 3000; Date.now() < deadline;) {
    try {
      const pid = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')).pid;
      if (!stopped.has(pid)) {
        process.kill(pid, 'SIGTERM');
        stopped.add(pid);
      }
    } catch {
      // No agent advertised (yet), or it is already gone.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runUiTests() {
  say(`\n=== e2e: ${uiSources.length} UI test file(s) through the workbench DOM`);
  process.env[E2E_ENV.extensionDevelopmentPath] = extensionPath;
  process.env[E2E_ENV.workspaceFolder] = workspace;
  process.env[E2E_ENV.outputDir] = outputDir;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, slow: 15_000, reporter: 'spec' });
  if (args.grep) mocha.grep(args.grep);
  for (const f of uiSources) mocha.addFile(f);
  await mocha.loadFilesAsync();
  const stats = await new Promise((resolveStats) => {
    const runner = mocha.run(() => resolveStats(runner.stats));
  });
  totals.passes += stats?.passes ?? 0;
  totals.failures += stats?.failures ?? 0;
  totals.pending += stats?.pending ?? 0;
}

try {
  if (suiteSources.length > 0) await runExtensionHostSuites();
  if (uiSources.length > 0) await runUiTests();
} catch (err) {
  say(`e2e: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  totals.failures += 1;
}

say(`\ne2e: screenshots and logs in ${outputDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
const skipped = totals.pending > 0 ? `, ${totals.pending} skipped` : '';
say(`e2e: ${totals.passes} passed, ${totals.failures} failed${skipped}`);
process.exit(totals.failures > 0 ? 1 : 0);
