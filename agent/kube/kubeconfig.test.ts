import { strict as assert } from 'node:assert';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentFailure } from '../../protocol';
import { kubeConfigFor, loadKubeconfigs, toKubeconfigState } from './kubeconfig';

const A = `
apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: dev-cluster
    cluster: { server: "https://dev.example:6443/", certificate-authority: certs/ca.pem }
  - name: shared
    cluster: { server: "https://from-a.example" }
users:
  - name: dev-user
    user: { token: dev-token }
  - name: shared-user
    user: { token: from-a }
contexts:
  - name: dev
    context: { cluster: dev-cluster, user: dev-user, namespace: team }
  - name: shared
    context: { cluster: shared, user: shared-user }
`;

const B = `
current-context: prod-eu
clusters:
  - name: shared
    cluster: { server: "https://from-b.example" }
  - name: prod-eu-cluster
    cluster: { server: "https://prod.example" }
users:
  - name: shared-user
    user: { token: from-b }
  - name: sso
    user:
      exec: { apiVersion: client.authentication.k8s.io/v1, command: ./bin/login, args: [token] }
contexts:
  - name: shared
    context: { cluster: prod-eu-cluster, user: sso }
  - name: prod-eu
    context: { cluster: prod-eu-cluster, user: sso }
  - name: staging
    context: { cluster: shared, user: shared-user }
`;

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'slipway-kubeconfig-'));
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('kubeconfig loading (kubectl rules)', () => {
  it('merges KUBECONFIG files with first-file-wins for clusters, users, contexts and current-context', () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', A);
    const b = write(dir, 'b.yaml', B);
    const loaded = loadKubeconfigs({ KUBECONFIG: [a, b].join(path.delimiter) }, dir);
    assert.deepEqual(loaded.files, [a, b]);
    assert.equal(loaded.currentContext, 'dev', 'the first file that sets current-context wins');
    assert.deepEqual([...loaded.contexts.keys()], ['dev', 'shared', 'prod-eu', 'staging']);
    assert.equal(
      loaded.contexts.get('shared')?.value.cluster,
      'shared',
      'context "shared" comes from a.yaml',
    );
    assert.equal(loaded.clusters.get('shared')?.value.server, 'https://from-a.example');
    assert.equal(loaded.users.get('shared-user')?.value.token, 'from-a');
    assert.equal(loaded.contexts.get('staging')?.source, b);
    assert.deepEqual(loaded.problems, []);
  });

  it('shows each context with its server, default namespace, source file and production mark', () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', A);
    const b = write(dir, 'b.yaml', B);
    const state = toKubeconfigState(loadKubeconfigs({ KUBECONFIG: `${a}${path.delimiter}${b}` }, dir), [
      /prod/i,
    ]);
    const byName = Object.fromEntries(state.contexts.map((c) => [c.name, c]));
    assert.deepEqual(byName['dev'], {
      name: 'dev',
      cluster: 'dev-cluster',
      user: 'dev-user',
      server: 'https://dev.example:6443',
      namespace: 'team',
      current: true,
      production: false,
      source: a,
    });
    assert.equal(byName['shared']?.namespace, 'default');
    assert.equal(byName['prod-eu']?.production, true, 'matched by context name');
    assert.equal(byName['staging']?.production, false);
    assert.equal(state.currentContext, 'dev');
    assert.deepEqual(state.files, [a, b]);
    const byCluster = toKubeconfigState(loadKubeconfigs({ KUBECONFIG: b }, dir), [/^prod-eu-cluster$/]);
    assert.equal(
      byCluster.contexts.find((c) => c.name === 'shared')?.production,
      true,
      'matched by cluster name',
    );
  });

  it('falls back to ~/.kube/config without KUBECONFIG, and shows nothing (no problem) when it is absent', () => {
    const home = tempDir();
    assert.deepEqual(toKubeconfigState(loadKubeconfigs({}, home)), {
      contexts: [],
      currentContext: undefined,
      files: [],
      problems: [],
    });
    write(home, '.kube/config', A);
    const loaded = loadKubeconfigs({ KUBECONFIG: '' }, home);
    assert.deepEqual(loaded.files, [path.join(home, '.kube', 'config')]);
    assert.equal(loaded.contexts.size, 2);
  });

  it('skips KUBECONFIG entries that do not exist, as kubectl does', () => {
    const dir = tempDir();
    const b = write(dir, 'b.yaml', B);
    const loaded = loadKubeconfigs(
      { KUBECONFIG: [path.join(dir, 'gone.yaml'), '', b].join(path.delimiter) },
      dir,
    );
    assert.deepEqual(loaded.files, [b]);
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.currentContext, 'prod-eu');
  });

  it('reports a broken file in one sentence with its line and still loads the other files', () => {
    const home = tempDir();
    const broken = write(
      home,
      '.kube/config',
      'clusters:\n  - name: x\n    cluster: { server: "https://x"\nusers: []\n',
    );
    const b = write(home, 'b.yaml', B);
    const loaded = loadKubeconfigs({ KUBECONFIG: [broken, b].join(path.delimiter) }, home);
    assert.equal(loaded.problems.length, 1);
    const p = loaded.problems[0]!;
    assert.equal(p.file, broken);
    assert.match(
      p.message,
      /^~\/\.kube\/config is not valid YAML \(line \d+\): .+; fix it or remove it from KUBECONFIG$/,
    );
    assert.doesNotMatch(p.message, /\n/, 'one line, no code frame');
    assert.deepEqual([...loaded.contexts.keys()], ['shared', 'prod-eu', 'staging']);
    assert.deepEqual(loaded.files, [broken, b], 'the broken file is listed: it exists and was read');
  });

  it('reports unreadable files, non-kubeconfig YAML and unusable entries without dropping the rest', () => {
    const home = tempDir();
    const isDir = path.join(home, 'dir.yaml');
    mkdirSync(isDir);
    const list = write(home, 'list.yaml', '- 1\n- 2\n');
    const partial = write(
      home,
      'partial.yaml',
      `
clusters:
  - name: no-server
    cluster: {}
  - cluster: { server: "https://nameless" }
  - name: ok
    cluster: { server: "https://ok" }
contexts:
  - name: c
    context: { user: u }
  - name: good
    context: { cluster: ok }
`,
    );
    const loaded = loadKubeconfigs({ KUBECONFIG: [isDir, list, partial].join(path.delimiter) }, home);
    assert.deepEqual(
      loaded.problems.map((p) => [path.basename(p.file), p.message]),
      [
        ['dir.yaml', '~/dir.yaml cannot be read (it is a directory); fix it or remove it from KUBECONFIG'],
        [
          'list.yaml',
          '~/list.yaml is not a kubeconfig (it should be a mapping with clusters, users and contexts); fix it or remove it from KUBECONFIG',
        ],
        ['partial.yaml', 'In ~/partial.yaml, cluster "no-server" has no server and is ignored.'],
        ['partial.yaml', 'In ~/partial.yaml, a cluster entry has no name and is ignored.'],
        ['partial.yaml', 'In ~/partial.yaml, context "c" names no cluster and is ignored.'],
      ],
    );
    assert.deepEqual([...loaded.contexts.keys()], ['good']);
  });

  it('says "move it aside" for a broken ~/.kube/config that KUBECONFIG did not name', () => {
    const home = tempDir();
    write(home, '.kube/config', 'a: b: c\n');
    const [p] = loadKubeconfigs({}, home).problems;
    assert.equal(
      p?.message,
      '~/.kube/config is not valid YAML (line 1): Nested mappings are not allowed in compact mappings; fix it or move it aside',
    );
  });

  it('resolves relative certificate, token-file and plugin paths against the file that names them', () => {
    const dir = tempDir();
    const a = write(dir, 'nested/a.yaml', A);
    const b = write(dir, 'nested/b.yaml', B);
    const loaded = loadKubeconfigs({ KUBECONFIG: [a, b].join(path.delimiter) }, dir);
    assert.equal(loaded.clusters.get('dev-cluster')?.value.caFile, path.join(dir, 'nested/certs/ca.pem'));
    const exec = loaded.users.get('sso')?.value.exec as { command: string };
    assert.equal(exec.command, path.join(dir, 'nested/bin/login'));
  });

  it('never writes a kubeconfig, even a read-only one', () => {
    const dir = tempDir();
    const a = write(dir, 'a.yaml', A);
    chmodSync(a, 0o400);
    const before = { text: readFileSync(a, 'utf8'), mtime: statSync(a).mtimeMs, files: readdirSync(dir) };
    const loaded = loadKubeconfigs({ KUBECONFIG: a }, dir);
    kubeConfigFor(loaded, 'shared', 'other');
    toKubeconfigState(loaded);
    assert.deepEqual(
      { text: readFileSync(a, 'utf8'), mtime: statSync(a).mtimeMs, files: readdirSync(dir) },
      before,
    );
  });
});

describe('kubeConfigFor (one context per request)', () => {
  function loadBoth(): ReturnType<typeof loadKubeconfigs> {
    const dir = tempDir();
    return loadKubeconfigs(
      { KUBECONFIG: [write(dir, 'a.yaml', A), write(dir, 'b.yaml', B)].join(path.delimiter) },
      dir,
    );
  }

  it('builds a client-node config for the named context, not the current-context', () => {
    const kc = kubeConfigFor(loadBoth(), 'staging');
    assert.equal(kc.getCurrentContext(), 'staging');
    assert.equal(kc.getCurrentCluster()?.server, 'https://from-a.example');
    assert.equal(kc.getCurrentUser()?.token, 'from-a');
    assert.equal(kc.getContextObject('staging')?.namespace, 'default');
    assert.equal(kc.getContexts().length, 1, 'no other context can be reached through it');
  });

  it('applies a namespace override and keeps the context namespace otherwise', () => {
    const loaded = loadBoth();
    assert.equal(kubeConfigFor(loaded, 'dev').getContextObject('dev')?.namespace, 'team');
    assert.equal(kubeConfigFor(loaded, 'dev', 'shop').getContextObject('dev')?.namespace, 'shop');
  });

  it('fails with CONTEXT_NOT_FOUND naming the files for an unknown context', () => {
    assert.throws(
      () => kubeConfigFor(loadBoth(), 'nope'),
      (e: unknown) =>
        e instanceof AgentFailure &&
        e.error.code === 'CONTEXT_NOT_FOUND' &&
        /^The context "nope" is not in your kubeconfig \(.*a\.yaml, .*b\.yaml\)\. /.test(e.error.message),
    );
  });

  it('fails with KUBECONFIG_INVALID when a context names a missing cluster or user, or plain HTTP', () => {
    const dir = tempDir();
    const f = write(
      dir,
      'c.yaml',
      `
clusters:
  - { name: plain, cluster: { server: "http://localhost:8080" } }
  - { name: plain-ok, cluster: { server: "http://localhost:8080", insecure-skip-tls-verify: true } }
contexts:
  - { name: no-cluster, context: { cluster: ghost } }
  - { name: no-user, context: { cluster: plain-ok, user: ghost } }
  - { name: http, context: { cluster: plain } }
  - { name: anonymous, context: { cluster: plain-ok } }
`,
    );
    const loaded = loadKubeconfigs({ KUBECONFIG: f }, dir);
    const invalid = (ctx: string, pattern: RegExp): void =>
      assert.throws(
        () => kubeConfigFor(loaded, ctx),
        (e: unknown) =>
          e instanceof AgentFailure && e.error.code === 'KUBECONFIG_INVALID' && pattern.test(e.error.message),
      );
    invalid('no-cluster', /refers to cluster "ghost", which no kubeconfig file defines; fix ~\/c\.yaml\.$/);
    invalid('no-user', /refers to user "ghost"/);
    invalid('http', /plain HTTP \(http:\/\/localhost:8080\)/);
    assert.equal(
      kubeConfigFor(loaded, 'anonymous').getCurrentUser(),
      null,
      'a context without a user is anonymous',
    );
  });

  it('reads tokenFile when the config is built, so a rotated token is used on reconnect', () => {
    const dir = tempDir();
    const tokenFile = write(dir, 'token', 'first\n');
    const f = write(
      dir,
      'c.yaml',
      `
clusters: [{ name: c, cluster: { server: "https://c" } }]
users: [{ name: u, user: { tokenFile: token } }, { name: gone, user: { tokenFile: missing } }]
contexts: [{ name: c, context: { cluster: c, user: u } }, { name: g, context: { cluster: c, user: gone } }]
`,
    );
    const loaded = loadKubeconfigs({ KUBECONFIG: f }, dir);
    assert.equal(kubeConfigFor(loaded, 'c').getCurrentUser()?.token, 'first');
    writeFileSync(tokenFile, 'second');
    assert.equal(kubeConfigFor(loaded, 'c').getCurrentUser()?.token, 'second');
    assert.throws(
      () => kubeConfigFor(loaded, 'g'),
      (e: unknown) =>
        e instanceof AgentFailure &&
        e.error.code === 'KUBECONFIG_INVALID' &&
        e.error.message === 'The token file ~/missing of user "gone" cannot be read (ENOENT); fix ~/c.yaml.',
    );
  });
});
