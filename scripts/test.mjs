// `npm test`: installs what the tests need when it is missing, builds, type-checks, lints and runs every
// suite. It is also what CI runs (.ci/run), so it must work on a fresh machine with nothing but Node.
import { spawnSync } from 'node:child_process';
import { ensureDependencies, root } from './setup.mjs';

process.chdir(root);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function step(title, cmd, args, opts = {}) {
  process.stdout.write(`\n=== ${title}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...opts.env } });
  if (r.status !== 0) {
    process.stdout.write(`\n${title} failed (exit ${r.status ?? r.signal}).\n`);
    process.stdout.write(`0 passed, 1 failed\n`);
    process.exit(r.status ?? 1);
  }
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;
function aptInstall(pkgs) {
  if (!isRoot || !has('apt-get')) return false;
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    aptUpdated = true;
  }
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/** Prometheus (Debian's 2.42) is a real peer in the discovery test; installed when we may. */
function ensurePrometheus() {
  if (has('prometheus')) return;
  process.stdout.write('\n=== installing prometheus from Debian for the service-discovery test\n');
  if (!aptInstall(['prometheus']))
    process.stdout.write('prometheus could not be installed; its test will be skipped with a message.\n');
  // Debian's package starts a system service; the test runs its own instance.
  spawnSync(
    'sh',
    ['-c', 'systemctl stop prometheus 2>/dev/null; service prometheus stop 2>/dev/null; pkill -x prometheus'],
    { stdio: 'ignore' },
  );
}

/** A real PostgreSQL server (Debian's) backs the migration tests; each run starts its own as `nobody`. */
function ensurePostgres() {
  const found =
    spawnSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/postgres'], { stdio: 'ignore' }).status === 0;
  if (found && has('psql')) return;
  process.stdout.write('\n=== installing postgresql from Debian for the migration tests\n');
  if (!aptInstall(['postgresql', 'postgresql-client']))
    process.stdout.write('postgresql could not be installed; the migration tests will be skipped.\n');
  // Debian's package starts a cluster of its own; the tests never use it.
  spawnSync('sh', ['-c', 'service postgresql stop 2>/dev/null; systemctl stop postgresql 2>/dev/null'], {
    stdio: 'ignore',
  });
}

if (!ensureDependencies()) {
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}
ensurePrometheus();
ensurePostgres();
step('build', 'node', ['scripts/build.mjs']);
step('type-check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
// Webview code runs in the browser: its own check with the DOM library and no Node types.
step('type-check webviews', 'npx', ['tsc', '-p', 'webview/tsconfig.json', '--noEmit']);
step('lint', 'npx', ['eslint', '.']);
step('format', 'npx', ['prettier', '--check', '.']);

const totals = { passed: 0, failed: 0, skipped: 0 };
/** Runs a test phase, echoing its output and adding up the "N passed, N failed" line it ends with. */
function testPhase(title, cmd, args) {
  process.stdout.write(`\n=== ${title}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 512 * 1024 * 1024 });
  const out = r.stdout?.toString() ?? '';
  process.stdout.write(out);
  const m = [...out.matchAll(/^\w+: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm)].pop();
  if (m !== undefined) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3] ?? 0);
  } else if (r.status !== 0) totals.failed += 1;
  return r.status === 0;
}

const unitOk = testPhase('unit and integration tests', 'npx', ['mocha', '--reporter', './test/reporter.cjs']);
const e2eOk = testPhase('end-to-end tests in the real workbench', 'node', ['scripts/e2e.mjs']);
process.stdout.write(
  `\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
);
process.exit(unitOk && e2eOk ? 0 : 1);
