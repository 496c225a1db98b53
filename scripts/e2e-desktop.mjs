// `npm run test:desktop`: the same extension-host mocha suites as the code-server e2e run, under
// @vscode/test-electron in a desktop VS Code. Set VSCODE_EXECUTABLE to a local VS Code binary, or let
// test-electron download one (this needs internet access, which our build machines do not have).
import { existsSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { root } from './setup.mjs';

const suitesDir = join(root, 'test', 'e2e', 'suites');
const buildDir = join(root, '.test-output', 'e2e-desktop', 'build');
const suites = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(suitesDir, f));
if (!existsSync(join(root, 'dist', 'extension.js'))) {
  process.stderr.write('test:desktop: build first (npm run build).\n');
  process.exit(1);
}
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  logLevel: 'warning',
  absWorkingDir: root,
};
await build({
  ...common,
  entryPoints: [join(root, 'test', 'e2e', 'mocha-runner.ts')],
  outfile: join(buildDir, 'mocha-runner.js'),
  logOverride: { 'require-resolve-not-external': 'silent' },
});
await build({ ...common, entryPoints: suites, outdir: join(buildDir, 'suites'), outbase: suitesDir });
const built = suites.map((s) => join(buildDir, 'suites', relative(suitesDir, s).replace(/\.ts$/, '.js')));

const { runTests } = await import('@vscode/test-electron');
const options = {
  extensionDevelopmentPath: root,
  extensionTestsPath: join(buildDir, 'mocha-runner.js'),
  extensionTestsEnv: { SLIPWAY_E2E_SUITES: built.join('\n') },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', join(root, 'test', 'e2e', 'workspace')],
};
if (process.env.VSCODE_EXECUTABLE) options.vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
try {
  await runTests(options);
  process.stdout.write('test:desktop: the extension-host suites passed in desktop VS Code\n');
} catch (e) {
  const why = e instanceof Error ? e.message : String(e);
  process.stderr.write(
    `test:desktop: could not run the suites in desktop VS Code: ${why}\n` +
      'Set VSCODE_EXECUTABLE to a VS Code binary (e.g. /usr/share/code/code) if it cannot be downloaded here.\n',
  );
  process.exit(1);
}
