// Installs what the e2e phase needs when it is missing: Debian's chromium, ripgrep and libkrb5-dev, and
// code-server (the real VS Code workbench) in .tools/code-server with its own package.json, so its ~300 MB
// never enter the project's dependencies. `npm test` calls ensureE2eTools(); `node scripts/e2e-setup.mjs`
// runs it directly. When everything is present it only stats a few files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM = '/usr/bin/chromium';
const DEBIAN_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev'];

// code-server 4.100.3 pins @vscode/ripgrep 1.15.11 (lib/vscode/npm-shrinkwrap.json), whose postinstall asks
// GitHub for release v13.0.0-10 — unreachable here. Its download step first looks for this archive in
// <tmpdir>/vscode-ripgrep-cache-<package version>/ and untars `rg` from it, so we put Debian's rg there.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the e2e tools live for a checkout at `root`. */
export function e2ePaths(root = repoRoot) {
  const codeServerDir = join(root, '.tools', 'code-server');
  const codeServerPackage = join(codeServerDir, 'node_modules', 'code-server');
  return {
    codeServerDir,
    codeServerPackage,
    codeServerEntry: join(codeServerPackage, 'out', 'node', 'entry.js'),
    // Written last, after code-server's postinstall built every native module: a partial install that
    // was interrupted lacks it and is redone from scratch.
    installedMarker: join(codeServerDir, `.installed-${CODE_SERVER_VERSION}`),
    chromium: CHROMIUM,
  };
}

function log(line) {
  process.stdout.write(`e2e-setup: ${line}\n`);
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

// CI runs with no standard input: every child gets 'ignore' for stdin so nothing can wait for an answer.
function run(cmd, args, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  return { ok: r.status === 0, status: r.status ?? r.signal, seconds: (Date.now() - started) / 1000 };
}

function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return undefined;
  if (!has('apt-get') || !has('dpkg-query'))
    return `missing Debian packages ${missing.join(', ')} and apt-get is not available; install them by hand`;
  if (!isRoot())
    return `missing Debian packages ${missing.join(', ')}; run as root, or: sudo apt-get install -y ${missing.join(' ')}`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log('apt-get update');
  const update = run('apt-get', ['update', '-qq'], { env });
  if (!update.ok) return `apt-get update failed (exit ${update.status})`;
  log(`apt-get install ${missing.join(' ')}`);
  const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  if (!install.ok) return `apt-get install ${missing.join(' ')} failed (exit ${install.status})`;
  log(`installed ${missing.join(', ')} in ${install.seconds.toFixed(0)} s`);
  return undefined;
}

function placeRipgrepArchive() {
  const dir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = join(dir, RIPGREP_ASSET);
  if (existsSync(archive)) return undefined;
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) return 'ripgrep (rg) is not installed, so @vscode/ripgrep cannot be satisfied offline';
  mkdirSync(dir, { recursive: true });
  // The archive must hold `rg` at its top level: the postinstall runs `tar xvf <archive> -C bin/`.
  const tar = run('tar', ['-czf', archive, '-C', dirname(rg), 'rg']);
  if (!tar.ok) return `could not write ${archive}`;
  log(`placed Debian's ${rg} as ${archive}`);
  return undefined;
}

function installedCodeServerVersion(paths) {
  try {
    return JSON.parse(readFileSync(join(paths.codeServerPackage, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function ensureCodeServer(paths) {
  if (existsSync(paths.installedMarker) && installedCodeServerVersion(paths) === CODE_SERVER_VERSION)
    return undefined;
  const rgProblem = placeRipgrepArchive();
  if (rgProblem) return rgProblem;
  log(`installing code-server ${CODE_SERVER_VERSION} into ${paths.codeServerDir} (about a minute)`);
  // Start clean: code-server's postinstall (which installs lib/vscode and builds node-pty, kerberos, …)
  // does not run again over a half-finished tree, and @vscode/ripgrep skips itself once bin/ exists.
  rmSync(paths.codeServerDir, { recursive: true, force: true });
  mkdirSync(paths.codeServerDir, { recursive: true });
  writeFileSync(
    join(paths.codeServerDir, 'package.json'),
    JSON.stringify(
      {
        name: 'slipway-e2e-tools',
        private: true,
        description:
          'code-server for the e2e tests; installed by scripts/e2e-setup.mjs, not a project dependency',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
      },
      null,
      2,
    ) + '\n',
  );
  const env = {
    ...process.env,
    // node-pty's install runs `npx node-gyp`, which would otherwise stop to ask before fetching node-gyp.
    npm_config_yes: 'true',
    // code-server's postinstall refuses to run as root without it (and checks this variable itself).
    npm_config_unsafe_perm: 'true',
  };
  const args = ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error'];
  if (isRoot()) args.push('--unsafe-perm');
  const install = run('npm', args, { cwd: paths.codeServerDir, env });
  if (!install.ok) return `npm install of code-server failed (exit ${install.status}); see the output above`;
  const rg = join(
    paths.codeServerPackage,
    'lib',
    'vscode',
    'node_modules',
    '@vscode',
    'ripgrep',
    'bin',
    'rg',
  );
  if (!existsSync(paths.codeServerEntry) || !existsSync(rg))
    return `code-server installed without ${existsSync(rg) ? paths.codeServerEntry : rg}`;
  writeFileSync(paths.installedMarker, `${new Date().toISOString()}\n`);
  log(`installed code-server ${CODE_SERVER_VERSION} in ${install.seconds.toFixed(0)} s`);
  return undefined;
}

/**
 * Makes sure Chromium and code-server are there, installing what is missing. Returns `ok: false` with a
 * one-line `problem` instead of throwing, so callers can fail or skip the e2e phase with that message.
 */
export function ensureE2eTools({ root = repoRoot } = {}) {
  const paths = e2ePaths(root);
  const problem = ensureDebianPackages() ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing`);
  if (problem) {
    log(problem);
    return { ok: false, problem, ...paths };
  }
  const csProblem = ensureCodeServer(paths);
  if (csProblem) {
    log(csProblem);
    return { ok: false, problem: csProblem, ...paths };
  }
  log(`ready: code-server ${CODE_SERVER_VERSION}, ${CHROMIUM}`);
  return { ok: true, ...paths };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(ensureE2eTools().ok ? 0 : 1);
}
