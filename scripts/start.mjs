// `npm start`: Slipway in a real VS Code (code-server, opened in your browser) against your cluster, or
// against the sandbox demo cluster when no kubeconfig reaches one. Ctrl-C stops everything it started.
//
//   npm start                          your KUBECONFIG / ~/.kube/config if reachable, else the sandbox demo
//   npm start -- --kubeconfig FILE     that kubeconfig
//   npm start -- --demo                always the sandbox demo
//   npm start -- --port 8080           code-server's port (default 8080, or a free one if taken)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDependencies, root, run } from './setup.mjs';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    demo: { type: 'boolean' },
    port: { type: 'string', default: '8080' },
  },
  strict: true,
});

function fail(message) {
  process.stderr.write(`\nnpm start: ${message}\n`);
  process.exit(1);
}

if (!ensureDependencies()) fail('installing npm dependencies failed; see above.');
if (!run('build', 'node', ['scripts/build.mjs', '--production'])) fail('the build failed; see above.');
const vsix = join(root, 'dist', 'slipway.vsix');
if (!run('package the VSIX', 'npx', ['vsce', 'package', '--no-dependencies', '--out', vsix]))
  fail('packaging failed; see above.');

const { ensureE2eTools } = await import('./e2e-setup.mjs');
const tools = ensureE2eTools({ root });
if (!existsSync(tools.codeServerEntry))
  fail(`code-server could not be installed: ${tools.problem ?? 'unknown reason'}`);

const state = join(root, '.tools', 'start');
const agentDir = join(state, 'agent');
mkdirSync(agentDir, { recursive: true });
const children = [];

function reachable(kubeconfig) {
  const r = spawnSync(
    process.execPath,
    [join(root, 'dist', 'cli.js'), 'status', '--kubeconfig', kubeconfig],
    { encoding: 'utf8' },
  );
  process.stdout.write(r.stdout + r.stderr);
  return r.status === 0;
}

async function startSandbox() {
  const kubeconfig = join(state, 'sandbox.kubeconfig');
  process.stdout.write('\n=== starting the sandbox demo cluster\n');
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'cli.js'), 'sandbox', '--kubeconfig', kubeconfig, '--scenario', 'demo'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(() => child.kill('SIGTERM'));
  await new Promise((resolveReady, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /sandbox ready (\S+)/.exec(out);
      if (m) {
        process.stdout.write(`sandbox ready at ${m[1]} (kubeconfig ${kubeconfig})\n`);
        resolveReady();
      }
    });
    child.on('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)));
  });
  return kubeconfig;
}

function freePort(preferred) {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => {
      const t = createServer();
      t.listen(0, '127.0.0.1', () => {
        const p = t.address().port;
        t.close(() => res(p));
      });
    });
    s.listen(preferred, '127.0.0.1', () => s.close(() => res(preferred)));
  });
}

let kubeconfig = args.kubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
if (args.demo || !existsSync(kubeconfig.split(':')[0]) || !reachable(kubeconfig)) {
  if (!args.demo)
    process.stdout.write('no reachable cluster in your kubeconfig: using the sandbox demo cluster instead\n');
  kubeconfig = await startSandbox();
}

// A fresh extensions folder each start, so the VSIX just built is the one that runs.
const userData = join(state, 'user-data');
const extensions = join(state, 'extensions');
rmSync(extensions, { recursive: true, force: true });
mkdirSync(join(userData, 'User'), { recursive: true });
const settings = join(userData, 'User', 'settings.json');
if (!existsSync(settings)) {
  writeFileSync(
    settings,
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
      },
      null,
      2,
    ),
  );
}
const env = {
  ...process.env,
  KUBECONFIG: kubeconfig,
  SLIPWAY_CONFIG_DIR: agentDir,
  EXTENSIONS_GALLERY: JSON.stringify({
    serviceUrl: 'http://127.0.0.1:9/gallery',
    itemUrl: 'http://127.0.0.1:9/item',
    resourceUrlTemplate: 'http://127.0.0.1:9/{publisher}/{name}/{version}/{path}',
  }),
};
for (const k of ['PORT', 'CODE_SERVER_HOST', 'VSCODE_IPC_HOOK_CLI', 'PASSWORD', 'HASHED_PASSWORD'])
  delete env[k];
const port = await freePort(Number(args.port));
const config = join(state, 'config.yaml');
writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
if (
  !run(
    'install the VSIX into code-server',
    process.execPath,
    [tools.codeServerEntry, ...common, '--install-extension', vsix],
    { env },
  )
) {
  fail('installing the VSIX into code-server failed; see above.');
}

const workspace = resolve(root, 'examples', 'shop');
const server = spawn(
  process.execPath,
  [
    tools.codeServerEntry,
    '--config',
    config,
    ...common,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    workspace,
  ],
  { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
);
children.push(() => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
});
server.stderr.on('data', (d) => process.stderr.write(d));
let announced = false;
server.stdout.on('data', (d) => {
  if (!announced && /HTTP server listening/.test(d.toString())) {
    announced = true;
    process.stdout.write(
      `\nSlipway is running in VS Code: http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n`,
    );
    process.stdout.write(`cluster kubeconfig: ${kubeconfig}\nPress Ctrl-C to stop.\n`);
  }
});

function stopAll() {
  for (const stop of children.reverse()) stop();
  // The extension starts the agent detached (it is shared by windows); this run's agent ends with it.
  try {
    const pid = JSON.parse(readFileSync(join(agentDir, 'agent.json'), 'utf8')).pid;
    process.kill(pid, 'SIGTERM');
  } catch {
    // No agent was started.
  }
  process.exit(0);
}
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
server.on('exit', (code) => {
  process.stderr.write(`code-server exited (${code}).\n`);
  stopAll();
});
