import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AgentFailure } from '../../protocol';
import { KUSTOMIZATION_FILES, isKustomizeDir, renderKustomization } from '../../agent/deploy/kustomize';
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
  'order',
  'webhooks',
  'diamond',
];

function kustomize(dir: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    execFile(KUBECTL, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`kubectl kustomize ${dir} failed: ${stderr}`));
      else resolve(parseAllDocuments(stdout).map((d) => d.toJS() as unknown));
    });
  });
}

const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\ndata: { a: b }\n';

/** A throwaway kustomization folder holding these files. */
function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-kustomize-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
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
  for (const overlay of OVERLAYS) {
    it(`renders ${overlay} exactly as kubectl kustomize does`, async function () {
      // kubectl is only the reference here; the refusals below need no binary.
      if (!hasKubectl) this.skip();
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

  it('recognises a folder by any of the three kustomization file names', () => {
    assert.deepEqual(KUSTOMIZATION_FILES, ['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
    assert.equal(isKustomizeDir(join(FIXTURES, 'prefix')), true);
    assert.equal(isKustomizeDir(join(FIXTURES, 'nova/k8s')), false);
    assert.equal(isKustomizeDir(join(FIXTURES, 'prefix/all.yaml')), false);
    assert.equal(isKustomizeDir(join(FIXTURES, 'missing')), false);
    const dir = scratch({ Kustomization: 'resources: [cm.yaml]\n', 'cm.yaml': CONFIG_MAP });
    assert.equal(isKustomizeDir(dir), true);
    assert.equal(renderKustomization(dir).length, 1);
  });

  describe('refuses what it does not support, by name, instead of rendering part of it', () => {
    it('unknown and unsupported top-level fields', () => {
      const dir = scratch({
        'kustomization.yaml': 'resources: []\nhelmCharts:\n  - name: x\nreplacements: []\nvars: []\n',
      });
      assert.match(
        refusal(dir),
        /^INVALID: .*kustomization\.yaml: Slipway's kustomize does not support "helmCharts", "replacements", "vars"; nothing was rendered\. Remove them or render with kustomize/,
      );
      writeFileSync(join(dir, 'kustomization.yaml'), 'components: [../shared]\n');
      assert.match(refusal(dir), /does not support "components"/);
    });

    it('components, and fields inside entries that would change the output', () => {
      const dir = scratch({
        'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n',
      });
      assert.match(refusal(dir), /^INVALID: .*kind Component \(kustomize components\) is not supported/);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        'labels:\n  - pairs: { a: b }\n    fields: [{ path: spec/x }]\npatches:\n  - path: p.yaml\n    options: { allowNameChange: true }\n',
      );
      assert.match(refusal(dir), /does not support "labels\[0\]\.fields", "patches\[0\]\.options"/);
    });

    it('remote resources', () => {
      const dir = scratch({ 'kustomization.yaml': 'resources:\n  - github.com/org/repo//k8s?ref=v1\n' });
      assert.match(
        refusal(dir),
        /^INVALID: .*the remote resource "github\.com\/org\/repo\/\/k8s\?ref=v1" is not supported; vendor it/,
      );
    });

    it('set-based label selectors in patch targets', () => {
      const dir = scratch({
        'kustomization.yaml':
          "resources: [cm.yaml]\npatches:\n  - target: { labelSelector: 'app in (a,b)' }\n    patch: '[]'\n",
        'cm.yaml': CONFIG_MAP,
      });
      assert.match(refusal(dir), /^INVALID: .*the set-based selector "app in \(a,b\)" is not supported/);
    });

    it('a parent folder as a resource (kustomize reports a cycle)', () => {
      const dir = scratch({ 'kustomization.yaml': 'resources: [cm.yaml]\n', 'cm.yaml': CONFIG_MAP });
      const child = join(dir, 'child');
      mkdirSync(child);
      writeFileSync(join(child, 'kustomization.yaml'), 'resources: [..]\n');
      assert.match(refusal(child), /^INVALID: .*a cycle/);
    });

    it('broken YAML, as FILE:LINE: problem, in resources and in the kustomization itself', () => {
      const dir = scratch({
        'kustomization.yaml': 'resources: [app.yaml]\n',
        'app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n',
      });
      assert.match(refusal(dir), /^INVALID: .*app\.yaml:\d+: /);
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - app.yaml\n namespace: [x\n');
      assert.match(refusal(dir), /^INVALID: .*kustomization\.yaml:[23]: /);
    });

    it('numbers where kustomize wants strings', () => {
      const dir = scratch({
        'kustomization.yaml': 'images:\n  - { name: x, newTag: 1.10 }\ncommonLabels: { version: 1.0 }\n',
      });
      assert.match(
        refusal(dir),
        /^INVALID: .*kustomization\.yaml: "commonLabels\.version", "images\[0\]\.newTag" must be strings, as kustomize requires\./,
      );
    });

    it('the same object listed twice', () => {
      const dir = scratch({
        'kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
        'a.yaml': CONFIG_MAP,
        'b.yaml': CONFIG_MAP,
      });
      assert.match(
        refusal(dir),
        /^INVALID: .*kustomization\.yaml: ConfigMap cm is listed twice \(again in .*b\.yaml\)/,
      );
    });

    it('missing files and patches that match nothing', () => {
      const dir = scratch({ 'kustomization.yaml': 'resources: [nope.yaml]\n' });
      assert.match(refusal(dir), /^INVALID: .*nope\.yaml does not exist/);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        'resources: [cm.yaml]\npatchesStrategicMerge:\n  - |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: other }\n',
      );
      writeFileSync(join(dir, 'cm.yaml'), CONFIG_MAP);
      assert.match(
        refusal(dir),
        /^INVALID: .*the patch targets ConfigMap other, which is not among the resources/,
      );
    });
  });
});
