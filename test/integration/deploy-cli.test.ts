import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanResult } from '../../protocol';
import { kubectl } from '../support/kubectl';
import { type CliRun, runCli } from '../support/cli';
import { type SandboxProcess, startSandboxProcess } from '../support/sandbox-process';

/**
 * The CLI as a CI job runs it: `node dist/cli.js <command>` with KUBECONFIG, no terminal, against the
 * sandbox started as its own process. Exit codes: 0 done, 2 invalid input, 3 rolled back, 4 blocked.
 */
describe('slipway deploy commands (CLI, unattended)', function () {
  this.timeout(180_000);
  let sb: SandboxProcess;
  let workspace: string;

  const slipway = (args: string[], cwd = workspace): Promise<CliRun> =>
    runCli(args, cwd, { KUBECONFIG: sb.kubeconfig, SLIPWAY_USER: 'ci-bot' });

  before(async () => {
    sb = await startSandboxProcess('demo');
    workspace = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
    writeFileSync(
      join(workspace, 'slipway.yaml'),
      `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
  production: { context: sandbox, namespace: data, protected: true }
  audit: { context: sandbox-readonly, namespace: shop, readOnly: true }
services:
  core:
    workload: deployment/core
    image: ghcr.io/demo/core
    health:
      - { path: /health, port: 4002 }
  postgres:
    workload: statefulset/postgres
    image: postgres
`,
    );
  });
  after(async () => {
    await sb.stop();
  });

  it('deploy --env --service --image: exit 0, JSON result, progress on stderr, change-cause with the CI user', async () => {
    const r = await slipway([
      'deploy',
      '--env',
      'staging',
      '--service',
      'core',
      '--image',
      '2.4.0',
      '--json',
      '--yes',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as PlanResult;
    assert.equal(result.outcome, 'succeeded');
    assert.match(r.stderr, /✓ rollout: Rollout complete/);
    assert.match(r.stderr, /health ok: GET pod core-.*\/health → 200/);
    const image = await kubectl(sb.kubeconfig, [
      '-n',
      'shop',
      'get',
      'deploy/core',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    assert.equal(image.stdout, 'ghcr.io/demo/core:2.4.0');
    const history = await slipway(['history', 'deployment/core', '-n', 'shop']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(
      history.stdout,
      /ghcr\.io\/demo\/core:2\.4\.0 +slipway deploy env=staging service=core image=2\.4\.0 \(by ci-bot\)/,
    );
    // kubectl agrees: the change-cause is what rollout history prints.
    const k = await kubectl(sb.kubeconfig, ['-n', 'shop', 'rollout', 'history', 'deployment/core']);
    assert.match(k.stdout, /slipway deploy env=staging service=core image=2\.4\.0/);
  });

  it('a crashing image exits 3 after rolling back, naming the reason', async () => {
    const r = await slipway([
      'set-image',
      'deployment/core',
      'core=ghcr.io/demo/core:2.5.0-crash',
      '-n',
      'shop',
      '--yes',
    ]);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stdout, /Rolled back to the previous version/);
    assert.match(r.stderr, /pod core-.*CrashLoopBackOff|restarted/);
    const image = await kubectl(sb.kubeconfig, [
      '-n',
      'shop',
      'get',
      'deploy/core',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    assert.equal(image.stdout, 'ghcr.io/demo/core:2.4.0');
  });

  it('guards: a readOnly environment exits 4; a protected one exits 4 with --yes alone and 0 with --confirm', async () => {
    const ro = await slipway(['deploy', '--env', 'audit', '--service', 'core', '--image', '9.9.9', '--yes']);
    assert.equal(ro.code, 4, ro.stderr + ro.stdout);
    assert.match(ro.stdout + ro.stderr, /readOnly/);
    const noConfirm = await slipway([
      'deploy',
      '--env',
      'production',
      '--service',
      'postgres',
      '--image',
      '16.6',
      '--yes',
    ]);
    assert.equal(noConfirm.code, 4, noConfirm.stderr + noConfirm.stdout);
    assert.match(noConfirm.stderr, /--confirm/);
    const confirmed = await slipway([
      'deploy',
      '--env',
      'production',
      '--service',
      'postgres',
      '--image',
      '16.6',
      '--yes',
      '--confirm',
      'sandbox',
    ]);
    assert.equal(confirmed.code, 0, confirmed.stderr + confirmed.stdout);
    // The guard also covers commands that do not name an environment, like a rollback in that namespace.
    const rollback = await slipway(['rollback', 'statefulset/postgres', '-n', 'data', '--yes']);
    assert.equal(rollback.code, 4, rollback.stderr + rollback.stdout);
  });

  it('RBAC denial in preflight exits 4 with nothing applied', async () => {
    const r = await slipway(
      [
        'set-image',
        'deployment/worker',
        'worker=ghcr.io/demo/worker:7.0.0',
        '--context',
        'sandbox-readonly',
        '-n',
        'shop',
        '--yes',
      ],
      mkdtempSync(join(tmpdir(), 'slipway-nowork-')),
    );
    assert.equal(r.code, 4, r.stderr + r.stdout);
    assert.match(r.stdout, /may not: .*patch apps\/deployments in shop/);
  });

  it('invalid input exits 2: bad arguments, an unknown container, a broken manifest', async () => {
    assert.equal((await slipway(['rollback', 'pods/x'])).code, 2);
    assert.equal((await slipway(['scale', 'deployment/core', '--replicas', 'many'])).code, 2);
    const unknown = await slipway(['set-image', 'deployment/core', 'nope=img:1', '-n', 'shop']);
    assert.equal(unknown.code, 2, unknown.stderr + unknown.stdout);
    assert.match(unknown.stdout + unknown.stderr, /has no container "nope"; its containers are core/);
    const dir = mkdtempSync(join(tmpdir(), 'slipway-bad-'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n');
    const bad = await slipway(['deploy', join(dir, 'bad.yaml'), '-n', 'shop', '--yes']);
    assert.equal(bad.code, 2, bad.stderr + bad.stdout);
    assert.match(bad.stdout + bad.stderr, /bad\.yaml:\d+/);
  });

  it('deploy PATH applies a manifest without slipway.yaml and checks its readiness probes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-path-'));
    writeFileSync(
      join(dir, 'echo.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: echo, labels: { app: echo } }
spec:
  replicas: 2
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      containers:
        - name: echo
          image: ghcr.io/demo/echo:1.0.0
          ports: [{ containerPort: 5678 }]
          readinessProbe: { httpGet: { path: /ready, port: 5678 } }
---
apiVersion: v1
kind: Service
metadata: { name: echo }
spec: { selector: { app: echo }, ports: [{ port: 80, targetPort: 5678 }] }
`,
    );
    const r = await slipway(
      ['deploy', dir, '-n', 'shop', '--yes', '--json'],
      mkdtempSync(join(tmpdir(), 'slipway-nowork-')),
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as PlanResult;
    assert.deepEqual(result.applied.map((a) => `${a.kind}/${a.name}:${a.action}`).sort(), [
      'Deployment/echo:created',
      'Service/echo:created',
    ]);
    assert.match(r.stderr, /health ok: GET pod echo-.*:5678\/ready/);
  });

  it('rollback --to-revision and scale/restart run unattended', async () => {
    const before = await slipway(['history', 'deployment/gateway', '-n', 'shop', '--json']);
    const revisions = (JSON.parse(before.stdout) as { revisions: { revision: number; images: string[] }[] })
      .revisions;
    const first = revisions[0];
    assert.ok(first);
    const r = await slipway([
      'rollback',
      'deployment/gateway',
      '--to-revision',
      String(first.revision),
      '-n',
      'shop',
      '--yes',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const image = await kubectl(sb.kubeconfig, [
      '-n',
      'shop',
      'get',
      'deploy/gateway',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    assert.equal(image.stdout, first.images[0]);
    assert.equal(
      (await slipway(['rollback', 'deployment/gateway', '--to-revision', '99', '-n', 'shop', '--yes'])).code,
      2,
    );
    assert.equal(
      (await slipway(['scale', 'deployment/worker', '--replicas', '2', '-n', 'shop', '--yes'])).code,
      0,
    );
    assert.equal((await slipway(['restart', 'deployment/worker', '-n', 'shop', '--yes'])).code, 0);
  });

  it('rollback --helm writes a new release record without the helm binary', async () => {
    const r = await slipway(['rollback', '--helm', 'payments', '-n', 'shop', '--yes']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const h = await slipway(['history', '--helm', 'payments', '-n', 'shop']);
    assert.match(h.stdout, /^3 .*deployed .*Rollback to 1$/m);
    assert.match(h.stdout, /^2 .*superseded/m);
  });
});
