// Bundles the CLI/agent and the sandbox with esbuild. The sandbox is its own file so the VSIX can omit it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // Optional native accelerators ws and pg load only if present.
  external: ['bufferutil', 'utf-8-validate', 'pg-native'],
  define: { SLIPWAY_VERSION: JSON.stringify(pkg.version) },
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['agent/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({ ...common, entryPoints: ['sandbox/main.ts'], outfile: 'dist/sandbox.js' }),
  build({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: {
      rollout: 'webview/rollout/main.ts',
      logs: 'webview/logs/main.ts',
      metrics: 'webview/metrics/main.ts',
    },
    outdir: 'dist/webview',
  }),
  build({
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    external: [...common.external, 'vscode'],
  }),
]);

// The panels' stylesheets are plain CSS, shipped as they are, with the codicon font they draw icons with.
mkdirSync('dist/webview/codicons', { recursive: true });
for (const panel of ['rollout', 'logs', 'metrics'])
  copyFileSync(`webview/${panel}/${panel}.css`, `dist/webview/${panel}.css`);
copyFileSync('node_modules/uplot/dist/uPlot.min.css', 'dist/webview/uPlot.min.css');
for (const f of ['codicon.css', 'codicon.ttf'])
  copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/codicons/${f}`);
