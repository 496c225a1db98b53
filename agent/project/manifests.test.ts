import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentFailure } from '../../protocol';
import { readManifestPath } from './manifests';

function failure(path: string): { code: string; message: string } {
  try {
    readManifestPath(path);
  } catch (e) {
    if (e instanceof AgentFailure) return { code: e.error.code, message: e.error.message };
    throw e;
  }
  assert.fail('expected an error');
}

describe('manifest reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-manifests-'));
  writeFileSync(
    join(dir, 'b.yaml'),
    `# comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n---\n---\napiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Secret, metadata: { name: s } }\n`,
  );
  writeFileSync(join(dir, 'a.yml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: a }\n');
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest');

  it('reads a directory in name order, skipping empty documents and expanding Lists, with lines', () => {
    const docs = readManifestPath(dir);
    assert.deepEqual(
      docs.map((d) => `${d.file.slice(dir.length + 1)}:${d.line} ${String(d.object['kind'])}`),
      ['a.yml:1 Service', 'b.yaml:3 ConfigMap', 'b.yaml:8 Secret'],
    );
  });

  it('names file and line for broken YAML and incomplete objects; NOT_FOUND for a missing path', () => {
    const bad = join(dir, 'bad');
    const f = join(mkdtempSync(bad), 'x.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n');
    assert.match(failure(f).message, new RegExp(`^${f.replace(/[/.]/g, '\\$&')}:\\d+: `));
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n');
    assert.equal(
      failure(f).message,
      `${f}:1: The object has no metadata.name. Fix the file and deploy again.`,
    );
    assert.equal(failure(join(dir, 'missing.yaml')).code, 'NOT_FOUND');
  });
});
