import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentFailure, type AgentError } from '../../protocol';
import { readManifestPath } from './manifests';

function failure(path: string): AgentError {
  try {
    readManifestPath(path);
  } catch (e) {
    if (e instanceof AgentFailure) return e.error;
    throw e;
  }
  assert.fail('expected an error');
}

describe('manifest reader', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'slipway-manifests-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const summary = (path: string): string[] =>
    readManifestPath(path).map(
      (d) => `${d.file.slice(dir.length + 1)}:${d.line} ${String(d.object['kind'])}`,
    );

  it('reads a directory’s manifest files in name order, not its other files or subdirectories', () => {
    write('b.yaml', 'apiVersion: v1\nkind: Service\nmetadata: { name: b }\n');
    write('a.yml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n');
    write('c.json', '{\n\t"apiVersion": "v1",\n\t"kind": "Secret",\n\t"metadata": { "name": "c" }\n}\n');
    write('notes.txt', 'not a manifest');
    mkdirSync(join(dir, 'nested.yaml'));
    writeFileSync(join(dir, 'nested.yaml', 'x.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: { name: x }\n');
    assert.deepEqual(summary(dir), ['a.yml:1 ConfigMap', 'b.yaml:1 Service', 'c.json:1 Secret']);
  });

  it('gives each document the line it starts on, skipping empty ones', () => {
    const f = write(
      'all.yaml',
      '# the shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\n---\n# nothing here\n---\n\n  apiVersion: v1\n  kind: Service\n  metadata: { name: b }\n',
    );
    assert.deepEqual(summary(f), ['all.yaml:3 ConfigMap', 'all.yaml:11 Service']);
  });

  it('expands kind: List into its items, each with its own line', () => {
    const f = write(
      'list.yaml',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: { name: s }\n  - { apiVersion: apps/v1, kind: Deployment, metadata: { name: d } }\n',
    );
    assert.deepEqual(summary(f), ['list.yaml:4 Secret', 'list.yaml:7 Deployment']);
  });

  it('reports YAML syntax errors with file and line', () => {
    const f = write('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n labels: {}\n');
    assert.deepEqual(failure(f), {
      code: 'INVALID',
      message: `${f}:5: All mapping items must start at the same column. Fix the YAML and deploy again.`,
      detail: `${f}:5`,
    });
    const g = write(
      'dup.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\nkind: Secret\nkind: Secret\n',
    );
    assert.equal(
      failure(g).message,
      `${g}:6: the key "kind" appears twice in one mapping. Fix the YAML and deploy again.`,
    );
  });

  it('names what an object lacks, with its line', () => {
    const f = write(
      'x.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\nkind: Secret\nmetadata: {}\n',
    );
    assert.equal(
      failure(f).message,
      `${f}:5: this Secret has no apiVersion or metadata.name. Every Kubernetes object needs apiVersion, kind and metadata.name; add them and deploy again.`,
    );
    const g = write('y.yaml', 'apiVersion: v1\nmetadata: { name: y }\n');
    assert.equal(
      failure(g).message,
      `${g}:1: this object has no kind. Every Kubernetes object needs apiVersion, kind and metadata.name; add it and deploy again.`,
    );
    const h = write(
      'z.yaml',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: { name: ok }\n  - just text\n',
    );
    assert.equal(failure(h).message, `${h}:7: a List item is not an object. Fix the file and deploy again.`);
  });

  it('refuses documents that are not objects', () => {
    const f = write('l.yaml', '- a\n- b\n');
    assert.equal(
      failure(f).message,
      `${f}:1: this document is a list, not a Kubernetes object. Each document needs apiVersion, kind and metadata.name; fix the file and deploy again.`,
    );
  });

  it('is NOT_FOUND for a missing path and INVALID for a file that is no manifest', () => {
    const missing = join(dir, 'missing.yaml');
    assert.deepEqual(failure(missing), {
      code: 'NOT_FOUND',
      message: `${missing} does not exist. Check the path and deploy again.`,
    });
    const txt = write('notes.txt', 'hello');
    assert.deepEqual(failure(txt), {
      code: 'INVALID',
      message: `${txt} is not a manifest file. Deploy a .yaml, .yml or .json file, or a directory of them.`,
    });
  });

  it('yields nothing for an empty directory', () => {
    assert.deepEqual(readManifestPath(dir), []);
  });
});
