import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentialError } from './errors';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig';
import { loginShellPath, mergeLoginShellPath, mergePaths } from './login-shell';

const SH = '/bin/sh';
const canRun = process.platform !== 'win32' && existsSync(SH);

/** A home whose login profile puts `bin` on PATH, the way users set up their cloud CLIs. */
function fakeHome(profileExtra = ''): { home: string; bin: string } {
  const home = mkdtempSync(path.join(tmpdir(), 'slipway-home-'));
  const bin = path.join(home, 'cloud-cli', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    path.join(home, '.profile'),
    `echo "Welcome to a chatty profile"\nPATH="${bin}:$PATH"\nexport PATH\n${profileExtra}`,
  );
  return { home, bin };
}

/** A real exec credential plugin: prints an ExecCredential with the token it was given. */
function writePlugin(bin: string, name: string, token: string): void {
  const file = path.join(bin, name);
  writeFileSync(
    file,
    `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "${token}"\n`,
  );
  chmodSync(file, 0o755);
}

describe('login shell PATH (finding exec plugins like kubectl in a terminal does)', function () {
  this.timeout(15_000);
  before(function () {
    if (!canRun) this.skip();
  });

  it("reads PATH from the user's login profile despite anything the profile prints", async () => {
    const { home, bin } = fakeHome();
    const p = await loginShellPath({ env: { SHELL: SH, HOME: home, PATH: '/usr/bin:/bin' } });
    assert.ok(p?.split(path.delimiter).includes(bin), `login PATH ${String(p)} has ${bin}`);
    assert.doesNotMatch(p ?? '', /Welcome/);
  });

  it('gives up after the timeout, and on Windows, without SHELL or when the shell fails', async () => {
    const { home } = fakeHome('sleep 10\n');
    const started = Date.now();
    assert.equal(await loginShellPath({ env: { SHELL: SH, HOME: home }, timeoutMs: 300 }), undefined);
    assert.ok(Date.now() - started < 3000, 'did not wait for the profile');
    assert.equal(await loginShellPath({ env: { SHELL: SH }, platform: 'win32' }), undefined);
    assert.equal(await loginShellPath({ env: {} }), undefined);
    assert.equal(await loginShellPath({ env: { SHELL: '/bin/false' } }), undefined);
    assert.equal(await loginShellPath({ env: { SHELL: '/nonexistent/shell' } }), undefined);
  });

  it('adds missing entries after the current PATH, keeping its order and dropping duplicates', () => {
    assert.equal(mergePaths('/a:/b', '/b:/c::/a:/d', ':'), '/a:/b:/c:/d');
    assert.equal(mergePaths(undefined, '/c', ':'), '/c');
    assert.equal(mergePaths('/a', undefined, ':'), '/a');
  });

  it('runs the login shell once per environment', async () => {
    const { home, bin } = fakeHome();
    const counter = path.join(home, 'runs');
    writeFileSync(path.join(home, '.profile'), `echo x >> "${counter}"\nPATH="${bin}:$PATH"\nexport PATH\n`);
    const env: NodeJS.ProcessEnv = { SHELL: SH, HOME: home, PATH: '/usr/bin:/bin' };
    const [first, second] = await Promise.all([mergeLoginShellPath(env), mergeLoginShellPath(env)]);
    assert.equal(await mergeLoginShellPath(env), first);
    assert.equal(first, second);
    assert.ok(env['PATH']?.startsWith('/usr/bin:/bin:'), 'existing entries stay first');
    assert.ok(env['PATH']?.split(':').includes(bin));
    assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 1);
  });

  it('lets client-node run an exec plugin that only the login shell PATH has (a real process)', async () => {
    const { home, bin } = fakeHome();
    writePlugin(bin, 'slipway-test-credential', 'token-from-plugin');
    const kubeconfig = path.join(home, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users:
  - name: sso
    user:
      exec: { apiVersion: client.authentication.k8s.io/v1, command: slipway-test-credential }
contexts: [{ name: sso, context: { cluster: c, user: sso } }]
`,
    );
    const loaded = loadKubeconfigs({ KUBECONFIG: kubeconfig }, home);
    const saved = process.env['PATH'];
    process.env['PATH'] = '/usr/bin:/bin';
    try {
      // Before: an editor launched from the dock does not see the plugin.
      const before = await kubeConfigFor(loaded, 'sso')
        .applyToFetchOptions({})
        .then(
          () => undefined,
          (e: unknown) => credentialError(e, { context: 'sso' }, { command: 'slipway-test-credential' }),
        );
      assert.equal(before?.code, 'AUTH_FAILED');
      assert.equal(
        before?.message,
        'The credential plugin "slipway-test-credential" for context "sso" could not be started (it was not found on PATH). Install it, or fix users[].exec.command in your kubeconfig.',
      );
      // After merging the login shell's PATH, client-node spawns it and sends its token.
      const shellPath = await loginShellPath({ env: { SHELL: SH, HOME: home, PATH: '/usr/bin:/bin' } });
      process.env['PATH'] = mergePaths(process.env['PATH'], shellPath);
      const init = await kubeConfigFor(loaded, 'sso').applyToFetchOptions({});
      const headers = init.headers as { get(name: string): string | null };
      assert.equal(headers.get('authorization'), 'Bearer token-from-plugin');
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
