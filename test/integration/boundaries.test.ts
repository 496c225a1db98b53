import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../support/sandbox-process';

function sources(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('module boundaries', () => {
  it('keeps the sandbox out of product code: nothing in agent/, extension/, protocol/ or webview/ imports sandbox/', () => {
    const offenders: string[] = [];
    for (const folder of ['agent', 'extension', 'protocol', 'webview']) {
      for (const file of sources(join(REPO, folder))) {
        const text = readFileSync(file, 'utf8');
        if (
          /from\s+['"][^'"]*\/sandbox(\/|['"])/.test(text) ||
          /require\(\s*['"][^'"]*\/sandbox\//.test(text)
        )
          offenders.push(relative(REPO, file));
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('keeps protocol/ free of node, vscode and browser imports', () => {
    const offenders = sources(join(REPO, 'protocol')).filter(
      (f) => !f.endsWith('.test.ts') && /from\s+['"](node:|vscode|ws['"])/.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(
      offenders.map((f) => relative(REPO, f)),
      [],
    );
  });

  it('leaves the sandbox bundle and sources out of the VSIX allow-list', () => {
    const rules = readFileSync(join(REPO, '.vscodeignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    assert.equal(
      rules.find((l) => l !== '' && !l.startsWith('#')),
      '**',
      'the allow-list starts by excluding everything',
    );
    assert.ok(
      !rules.some((l) => l.startsWith('!') && /sandbox|\.ts$|\.map$|test/.test(l)),
      'nothing sandbox-, test- or source-like is re-included',
    );
  });

  it('packages exactly the run-time files: vsce lists no sandbox, source map, test or source file', function () {
    this.timeout(60_000);
    if (!existsSync(join(REPO, 'dist', 'sandbox.js'))) this.skip();
    const files = execFileSync(join(REPO, 'node_modules', '.bin', 'vsce'), ['ls', '--no-dependencies'], {
      cwd: REPO,
      encoding: 'utf8',
    })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    assert.deepEqual([...files].sort(), [
      'LICENSE',
      'README.md',
      'dist/cli.js',
      'dist/extension.js',
      'dist/webview/codicons/codicon.css',
      'dist/webview/codicons/codicon.ttf',
      'dist/webview/logs.css',
      'dist/webview/logs.js',
      'dist/webview/metrics.css',
      'dist/webview/metrics.js',
      'dist/webview/rollout.css',
      'dist/webview/rollout.js',
      'dist/webview/uPlot.min.css',
      'package.json',
      'schemas/slipway.schema.json',
    ]);
  });
});
