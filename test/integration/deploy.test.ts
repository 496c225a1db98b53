import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanEvent, PlanResult } from '../../protocol';
import { KubeClient } from '../../agent/kube/client';
import { loadKubeconfigs } from '../../agent/kube/kubeconfig';
import type { Deployment, StatefulSet } from '../../agent/kube/objects';
import { Guards } from '../../agent/deploy/guard';
import { restartWorkload, rollbackWorkload, scaleWorkload } from '../../agent/deploy/operations';
import { previewDeploy, runDeploy } from '../../agent/deploy/plan';
import { listRevisions } from '../../agent/deploy/revisions';
import type { PlanEnv } from '../../agent/deploy/target';
import type { ProjectConfig } from '../../agent/project/types';
import { type RunningSandbox, startSandbox } from '../support/in-process';

/**
 * Deploy plans against the sandbox over HTTPS with the sandbox's kubeconfig, as the agent and CLI run
 * them: rollouts that succeed, crash, never get ready or fail health; rollbacks; guards; RBAC; bad input.
 */
describe('deploy plans (sandbox)', function () {
  this.timeout(120_000);
  let sb: RunningSandbox;
  let env: PlanEnv;
  let client: KubeClient;
  const events: PlanEvent[] = [];
  const opts = (): { signal: AbortSignal; emit: (e: PlanEvent) => void } => ({
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
  });

  before(async () => {
    sb = await startSandbox('demo');
    env = {
      loaded: () => loadKubeconfigs({ KUBECONFIG: sb.kubeconfigPath }, tmpdir()),
      guards: new Guards(),
    };
    client = new KubeClient(sb.kc, 'sandbox');
  });
  after(async () => sb.stop());
  beforeEach(() => (events.length = 0));

  const deployment = async (name: string, ns = 'shop'): Promise<Deployment> => {
    const d = await client.get<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: ns,
      name,
    });
    assert.ok(d, `deployment ${name} exists`);
    return d;
  };
  const image = async (name: string): Promise<string | undefined> =>
    (await deployment(name)).spec?.template?.spec?.containers?.[0]?.image;

  function ok(r: PlanResult): void {
    assert.equal(r.outcome, 'succeeded', `${r.summary}\n${JSON.stringify(r.error ?? {}, null, 2)}`);
  }

  it('sets a new image: rollout completes, change-cause recorded, readiness-probe health checks pass', async () => {
    const before = await listRevisions(client, 'shop', { kind: 'Deployment', name: 'gateway' });
    const r = await runDeploy(
      {
        source: {
          kind: 'image',
          workload: { kind: 'Deployment', name: 'gateway' },
          images: { gateway: 'ghcr.io/demo/gateway:1.6.0' },
        },
        context: 'sandbox',
        namespace: 'shop',
      },
      env,
      opts(),
    );
    ok(r);
    assert.equal(await image('gateway'), 'ghcr.io/demo/gateway:1.6.0');
    const steps = Object.fromEntries(r.steps.map((s) => [s.step, s.status]));
    assert.deepEqual(
      {
        preflight: steps['preflight'],
        apply: steps['apply'],
        rollout: steps['rollout'],
        health: steps['health'],
      },
      { preflight: 'ok', apply: 'ok', rollout: 'ok', health: 'ok' },
    );
    assert.ok(events.some((e) => e.type === 'workload' && /successfully rolled out/.test(e.message)));
    assert.ok(events.some((e) => e.type === 'health' && e.ok && /\/health\/ready/.test(e.message)));
    const after = await listRevisions(client, 'shop', { kind: 'Deployment', name: 'gateway' });
    const current = after.revisions.find((x) => x.info.current);
    assert.ok(current);
    assert.ok(current.info.revision > Math.max(...before.revisions.map((x) => x.info.revision)));
    assert.match(
      current.info.changeCause ?? '',
      /set image deployment\/gateway gateway=ghcr.io\/demo\/gateway:1.6.0/,
    );
    assert.ok(current.info.deployedBy !== undefined && current.info.deployedBy !== '');
    assert.deepEqual(r.revisions, [
      { workload: { kind: 'Deployment', name: 'gateway' }, revision: current.info.revision },
    ]);
  });

  it('rolls back automatically when the new pods crash, and shows why (events and log lines)', async () => {
    const previous = await image('core');
    const r = await runDeploy(
      {
        source: {
          kind: 'image',
          workload: { kind: 'Deployment', name: 'core' },
          images: { core: 'ghcr.io/demo/core:2.3.0-crash' },
        },
        context: 'sandbox',
        namespace: 'shop',
      },
      env,
      opts(),
    );
    assert.equal(r.outcome, 'rolledBack', r.summary);
    assert.match(r.summary, /core/);
    assert.equal(await image('core'), previous, 'the workload ends on the previous template');
    const problem = r.problems[0];
    assert.ok(problem, 'a pod problem is reported');
    assert.match(problem.reason, /CrashLoopBackOff|Error|Restarting/);
    assert.ok(problem.logTail.length > 0, 'the crashing container’s last log lines are shown');
    assert.ok(
      problem.events.some((e) => /BackOff|Started|Pulled|Created/.test(e)),
      problem.events.join('\n'),
    );
    assert.equal(r.steps.find((s) => s.step === 'rollback')?.status, 'ok');
    const steps = r.steps.map((s) => `${s.step}:${s.status}`);
    assert.ok(steps.includes('rollout:failed'), steps.join(' '));
  });

  it('rolls back when the new pods never become ready within the timeout', async () => {
    const previous = await image('gateway');
    const r = await runDeploy(
      {
        source: {
          kind: 'image',
          workload: { kind: 'Deployment', name: 'gateway' },
          images: { gateway: 'ghcr.io/demo/gateway:1.7.0-unready' },
        },
        context: 'sandbox',
        namespace: 'shop',
        timeoutSeconds: 8,
      },
      env,
      opts(),
    );
    assert.equal(r.outcome, 'rolledBack', r.summary);
    assert.match(r.summary, /did not finish within 8 seconds/);
    assert.equal(await image('gateway'), previous);
  });

  it('rolls back when a configured health check fails although the pods are ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-deploy-'));
    writeFileSync(
      join(dir, 'core.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: flaky, namespace: shop, labels: { app: flaky } }
spec:
  replicas: 1
  selector: { matchLabels: { app: flaky } }
  template:
    metadata: { labels: { app: flaky } }
    spec:
      containers:
        - name: flaky
          image: ghcr.io/demo/flaky:1.0.0
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
`,
    );
    ok(
      await runDeploy(
        { source: { kind: 'path', path: join(dir, 'core.yaml') }, context: 'sandbox', namespace: 'shop' },
        env,
        opts(),
      ),
    );
    // Same workload, now answering every request with errors while its probes still pass.
    writeFileSync(
      join(dir, 'core.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: flaky, namespace: shop, labels: { app: flaky } }
spec:
  replicas: 1
  selector: { matchLabels: { app: flaky } }
  template:
    metadata: { labels: { app: flaky } }
    spec:
      containers:
        - name: flaky
          image: ghcr.io/demo/flaky:1.1.0
          ports: [{ name: http, containerPort: 8080 }]
          env: [{ name: SANDBOX_BEHAVIOR, value: "errors:1" }]
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
`,
    );
    const project: ProjectConfig = {
      file: join(dir, 'slipway.yaml'),
      root: dir,
      environments: {
        dev: { name: 'dev', context: 'sandbox', namespace: 'shop', protected: false, readOnly: false },
      },
      services: {
        flaky: {
          name: 'flaky',
          workload: { kind: 'Deployment', name: 'flaky' },
          manifests: { default: [join(dir, 'core.yaml')] },
          health: [{ path: '/', port: 'http', expect: 200, via: 'pod', timeoutSeconds: 5, retries: 2 }],
          strategy: { type: 'rolling' },
        },
      },
      migrations: {},
    };
    writeFileSync(
      join(dir, 'slipway.yaml'),
      `version: 1
environments:
  dev: { context: sandbox, namespace: shop }
services:
  flaky:
    workload: deployment/flaky
    manifests: core.yaml
    health:
      - { path: /, port: http, expect: 200, retries: 2 }
`,
    );
    env.guards.remember(project);
    const r = await runDeploy({ source: { kind: 'project', workspace: dir, env: 'dev' } }, env, opts());
    assert.equal(r.outcome, 'rolledBack', r.summary);
    assert.match(r.summary, /health check \/ failed/);
    assert.ok(events.some((e) => e.type === 'health' && !e.ok && e.status !== undefined && e.status >= 500));
    assert.equal(await image('flaky'), 'ghcr.io/demo/flaky:1.0.0');
  });

  it('rolls a Deployment back to a chosen revision, like rollout undo --to-revision', async () => {
    const { revisions } = await listRevisions(client, 'shop', { kind: 'Deployment', name: 'core' });
    const first = revisions[0];
    assert.ok(first);
    const r = await rollbackWorkload(
      env,
      {
        context: 'sandbox',
        namespace: 'shop',
        workload: { kind: 'Deployment', name: 'core' },
        toRevision: first.info.revision,
      },
      opts(),
    );
    ok(r);
    assert.equal(await image('core'), first.info.images[0]);
    const after = await listRevisions(client, 'shop', { kind: 'Deployment', name: 'core' });
    const current = after.revisions.find((x) => x.info.current);
    assert.deepEqual(current?.info.images, first.info.images);
    assert.match(current?.info.changeCause ?? '', new RegExp(`rollback to revision ${first.info.revision}`));
    assert.ok(
      !after.revisions.some((x) => x.info.revision === first.info.revision),
      'the old number moves to the new revision',
    );
  });

  it('rolls a StatefulSet back through its ControllerRevisions', async () => {
    const sts = { kind: 'StatefulSet' as const, name: 'postgres' };
    ok(
      await runDeploy(
        {
          source: { kind: 'image', workload: sts, images: { postgres: 'postgres:16.5' } },
          context: 'sandbox',
          namespace: 'data',
        },
        env,
        opts(),
      ),
    );
    const r = await rollbackWorkload(env, { context: 'sandbox', namespace: 'data', workload: sts }, opts());
    ok(r);
    const live = await client.get<StatefulSet>({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: 'data',
      name: 'postgres',
    });
    assert.equal(live?.spec?.template?.spec?.containers?.[0]?.image, 'postgres:16.4');
  });

  it('restarts and scales from the same plan machinery', async () => {
    ok(
      await restartWorkload(
        env,
        { context: 'sandbox', namespace: 'shop', workload: { kind: 'Deployment', name: 'core' } },
        opts(),
      ),
    );
    const restarted = await deployment('core');
    assert.ok(restarted.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    ok(
      await scaleWorkload(
        env,
        {
          context: 'sandbox',
          namespace: 'shop',
          workload: { kind: 'Deployment', name: 'worker' },
          replicas: 2,
        },
        opts(),
      ),
    );
    assert.equal((await deployment('worker')).spec?.replicas, 2);
  });

  describe('guards and preflight', () => {
    const guarded = (flags: { protected: boolean; readOnly: boolean }, name: string): ProjectConfig => ({
      file: `/guards/${name}/slipway.yaml`,
      root: `/guards/${name}`,
      environments: { [name]: { name, context: 'sandbox', namespace: 'data', ...flags } },
      services: {},
      migrations: {},
    });

    it('a readOnly environment refuses every write, whatever the client asks', async () => {
      const g = new Guards();
      g.remember(guarded({ protected: false, readOnly: true }, 'audit'));
      const e2 = { ...env, guards: g };
      const sts = { kind: 'StatefulSet' as const, name: 'postgres' };
      const r = await runDeploy(
        {
          source: { kind: 'image', workload: sts, images: { postgres: 'postgres:17.0' } },
          context: 'sandbox',
          namespace: 'data',
          confirm: 'sandbox',
        },
        e2,
        opts(),
      );
      assert.equal(r.outcome, 'blocked');
      assert.equal(r.error?.code, 'READ_ONLY');
      assert.equal(r.applied.length, 0);
      const scale = await scaleWorkload(
        e2,
        { context: 'sandbox', namespace: 'data', workload: sts, replicas: 3 },
        opts(),
      );
      assert.equal(scale.error?.code, 'READ_ONLY');
      const live = await client.get<StatefulSet>({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        namespace: 'data',
        name: 'postgres',
      });
      assert.notEqual(live?.spec?.template?.spec?.containers?.[0]?.image, 'postgres:17.0');
      assert.notEqual(live?.spec?.replicas, 3);
    });

    it('a protected environment needs the context name typed', async () => {
      const g = new Guards();
      g.remember(guarded({ protected: true, readOnly: false }, 'production'));
      const e2 = { ...env, guards: g };
      const params = {
        source: {
          kind: 'image' as const,
          workload: { kind: 'StatefulSet' as const, name: 'postgres' },
          images: { postgres: 'postgres:16.6' },
        },
        context: 'sandbox',
        namespace: 'data',
      };
      const refused = await runDeploy(params, e2, opts());
      assert.equal(refused.error?.code, 'CONFIRMATION_REQUIRED');
      assert.match(refused.summary, /type the context name "sandbox"/);
      const wrong = await runDeploy({ ...params, confirm: 'sandbx' }, e2, opts());
      assert.equal(wrong.error?.code, 'CONFIRMATION_REQUIRED');
      ok(await runDeploy({ ...params, confirm: 'sandbox' }, e2, opts()));
    });

    it('reports RBAC-denied verbs in preflight before anything is applied', async () => {
      const before = await image('worker');
      const r = await runDeploy(
        {
          source: {
            kind: 'image',
            workload: { kind: 'Deployment', name: 'worker' },
            images: { worker: 'ghcr.io/demo/worker:9.9.9' },
          },
          context: 'sandbox-readonly',
          namespace: 'shop',
        },
        env,
        opts(),
      );
      assert.equal(r.outcome, 'blocked', r.summary);
      assert.equal(r.error?.code, 'FORBIDDEN');
      assert.match(r.summary, /may not: .*patch apps\/deployments in shop/);
      assert.equal(
        r.steps.find((s) => s.step === 'apply'),
        undefined,
        'apply never ran',
      );
      assert.equal(await image('worker'), before);
    });

    it('an invalid manifest is one clear error with file and line; nothing applied', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'slipway-invalid-'));
      const file = join(dir, 'app.yaml');
      writeFileSync(
        file,
        `apiVersion: v1
kind: ConfigMap
metadata: { name: fine, namespace: shop }
data: { a: "1" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: typo, namespace: shop }
spec:
  replicaz: 2
  selector: { matchLabels: { app: typo } }
  template:
    metadata: { labels: { app: typo } }
    spec: { containers: [{ name: typo, image: "ghcr.io/demo/typo:1" }] }
`,
      );
      const r = await runDeploy(
        { source: { kind: 'path', path: file }, context: 'sandbox', namespace: 'shop' },
        env,
        opts(),
      );
      assert.equal(r.outcome, 'invalid', r.summary);
      assert.match(
        r.summary,
        new RegExp(
          `${file.replace(/[/.]/g, '\\$&')}:6 \\(Deployment shop/typo\\).*unknown field "spec.replicaz"`,
        ),
      );
      assert.equal(
        await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'fine' }),
        undefined,
      );
    });

    it('previews the diff of live and desired objects without writing', async () => {
      const p = await previewDeploy(
        {
          source: {
            kind: 'image',
            workload: { kind: 'Deployment', name: 'worker' },
            images: { worker: 'ghcr.io/demo/worker:3.0.0' },
          },
          context: 'sandbox',
          namespace: 'shop',
        },
        env,
        new AbortController().signal,
      );
      const d = p.diffs[0];
      assert.equal(d?.action, 'update');
      assert.match(d.live, /worker:2\.0\.0/);
      assert.match(d.desired, /worker:3\.0\.0/);
      assert.doesNotMatch(d.desired, /managedFields|resourceVersion/);
      assert.notEqual(await image('worker'), 'ghcr.io/demo/worker:3.0.0');
    });
  });
});
