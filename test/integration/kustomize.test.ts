import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AgentFailure } from '../../protocol';
import { renderKustomization } from '../../agent/deploy/kustomize';
import { KUBECTL, hasKubectl } from '../support/kubectl';

const FIXTURES = join(__dirname, '..', 'fixtures', 'kustomize');

/** Every overlay under test/fixtures/kustomize, each compared with real kustomize. */
const OVERLAYS = [
  'nova/k8s/base',
  'nova/k8s/overlays/staging',
  'nova/k8s/overlays/prod',
  'nova/k8s/overlays/prod/canary',
  'generators/base',
  'generators/overlay',
  'prefix',
  'patches',
];

function kustomize(dir: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    execFile(KUBECTL, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`kubectl kustomize ${dir} failed: ${stderr}`));
      else resolve(parseAllDocuments(stdout).map((d) => d.toJS() as unknown));
    });
  });
}

function refusal(dir: string): string {
  try {
    renderKustomization(dir);
  } catch (e) {
    if (e instanceof AgentFailure) return `${e.error.code}: ${e.error.message}`;
    throw e;
  }
  assert.fail('expected the render to be refused');
}

describe('kustomize rendering without binaries (compared with kubectl kustomize 5.5)', function () {
  this.timeout(60_000);
  before(function () {
    if (!hasKubectl) this.skip();
  });

  for (const overlay of OVERLAYS) {
    it(`renders ${overlay} exactly as kubectl kustomize does`, async () => {
      const dir = join(FIXTURES, overlay);
      const ours = renderKustomization(dir).map((r) => r.object);
      const theirs = await kustomize(dir);
      assert.deepEqual(ours, theirs);
    });
  }

  it('names where each object came from', () => {
    const files = renderKustomization(join(FIXTURES, 'nova/k8s/overlays/staging')).map((r) =>
      r.file.slice(FIXTURES.length + 1),
    );
    assert.ok(files.includes('nova/k8s/base/auth-service.yaml'));
    assert.ok(
      files.includes('nova/k8s/overlays/staging/kustomization.yaml'),
      'generated objects point at their kustomization',
    );
  });

  it('refuses what it does not support, by name, instead of rendering part of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-kustomize-'));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'resources: []\nhelmCharts:\n  - name: x\nreplacements: []\n',
    );
    assert.match(
      refusal(dir),
      /^INVALID: .*kustomization\.yaml: Slipway's kustomize does not support "helmCharts", "replacements"; nothing was rendered\./,
    );
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - github.com/org/repo//k8s?ref=v1\n');
    assert.match(
      refusal(dir),
      /the remote resource "github\.com\/org\/repo\/\/k8s\?ref=v1" is not supported/,
    );
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [app.yaml]\n');
    writeFileSync(join(dir, 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n');
    assert.match(refusal(dir), /app\.yaml:\d+: /);
  });
});
