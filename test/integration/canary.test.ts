import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanEvent } from '../../protocol';
import { Guards } from '../../agent/deploy/guard';
import { runDeploy } from '../../agent/deploy/plan';
import { KubeClient } from '../../agent/kube/client';
import { loadKubeconfigs } from '../../agent/kube/kubeconfig';
import type { Deployment, Pod } from '../../agent/kube/objects';
import type { PlanEnv } from '../../agent/deploy/target';
import { type RunningSandbox, startSandbox } from '../support/in-process';
import {
  type PodLike,
  type RunningPrometheus,
  hasPrometheus,
  podTargets,
  startPrometheus,
} from '../support/prometheus';

/**
 * Canary deploys against the sandbox, with users' traffic played by this test through the core
 * Service's proxy (the API server spreads it over the ready pods, stable and canary alike): a release
 * that answers half its requests with 500 is stopped by the error-rate gate; a good one is promoted.
 */
describe('canary deploys (sandbox)', function () {
  this.timeout(180_000);
  let sb: RunningSandbox;
  let env: PlanEnv;
  let client: KubeClient;
  let workspace: string;
  let traffic: NodeJS.Timeout | undefined;
  const events: PlanEvent[] = [];

  before(async () => {
    sb = await startSandbox('demo');
    env = {
      loaded: () => loadKubeconfigs({ KUBECONFIG: sb.kubeconfigPath }, tmpdir()),
      guards: new Guards(),
    };
    client = new KubeClient(sb.kc, 'sandbox');
    workspace = mkdtempSync(join(tmpdir(), 'slipway-canary-'));
    writeFileSync(
      join(workspace, 'slipway.yaml'),
      `version: 1
environments:
  production: { context: sandbox, namespace: shop }
services:
  core:
    workload: deployment/core
    image: ghcr.io/demo/core
    strategy:
      type: canary
      canary:
        steps:
          - { weight: 50, pause: 6s }
        gates: { maxErrorRate: 0.05, maxRestarts: 0 }
        metrics: { port: http, path: /metrics }
`,
    );
    // Users: a steady trickle of requests to the core Service.
    traffic = setInterval(() => {
      void client
        .proxyGet({ kind: 'services', namespace: 'shop', name: 'core', port: 4002 }, '/', { timeoutMs: 2000 })
        .catch(() => undefined);
    }, 25);
  });
  after(async () => {
    clearInterval(traffic);
    await sb.stop();
  });
  beforeEach(() => (events.length = 0));

  const core = async (): Promise<Deployment | undefined> =>
    client.get<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'core' });

  it('aborts a release that fails the error-rate gate, restoring the stable workload', async () => {
    const before = await core();
    const r = await runDeploy(
      { source: { kind: 'project', workspace, env: 'production', service: 'core', image: '3.0.0-errors' } },
      env,
      { signal: new AbortController().signal, emit: (e) => events.push(e) },
    );
    assert.equal(r.outcome, 'rolledBack', r.summary);
    assert.match(r.summary, /error rate \d+(\.\d)?% over \d+ requests exceeds 5\.0%/);
    const after = await core();
    assert.equal(
      after?.spec?.template?.spec?.containers?.[0]?.image,
      before?.spec?.template?.spec?.containers?.[0]?.image,
    );
    assert.equal(after?.spec?.replicas, before?.spec?.replicas);
    assert.equal(
      await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'core-canary' }),
      undefined,
    );
    assert.ok(events.some((e) => e.type === 'canary' && e.weight === 50));
  });

  it('promotes a good release after its gates pass, and removes the canary', async () => {
    const before = await core();
    const r = await runDeploy(
      { source: { kind: 'project', workspace, env: 'production', service: 'core', image: '3.0.1' } },
      env,
      { signal: new AbortController().signal, emit: (e) => events.push(e) },
    );
    assert.equal(r.outcome, 'succeeded', `${r.summary} ${JSON.stringify(r.error)}`);
    const after = await core();
    assert.equal(after?.spec?.template?.spec?.containers?.[0]?.image, 'ghcr.io/demo/core:3.0.1');
    assert.equal(after?.spec?.replicas, before?.spec?.replicas);
    assert.equal(
      await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'core-canary' }),
      undefined,
    );
    const passed = events.find((e) => e.type === 'canary' && /gates passed: \d+ requests/.test(e.message));
    assert.ok(passed, 'the gate verdict is reported with the traffic it judged');
    assert.equal(r.steps.find((s) => s.step === 'canary')?.status, 'ok');
  });

  describe('with gates read from Prometheus', () => {
    let prom: RunningPrometheus | undefined;
    let promWorkspace: string;

    before(async function () {
      if (!hasPrometheus) {
        // npm test installs prometheus with apt-get when run as root (CI); elsewhere this case is skipped.
        this.skip();
      }
      prom = await startPrometheus(async () =>
        podTargets(await client.list<Pod & PodLike>('v1', 'Pod', 'shop')),
      );
      promWorkspace = mkdtempSync(join(tmpdir(), 'slipway-canary-prom-ws-'));
      writeFileSync(
        join(promWorkspace, 'slipway.yaml'),
        `version: 1
environments:
  production: { context: sandbox, namespace: shop }
services:
  core:
    workload: deployment/core
    image: ghcr.io/demo/core
    strategy:
      type: canary
      canary:
        steps: [{ weight: 50, pause: 12s }]
        gates: { maxErrorRate: 0.05 }
        prometheus: { url: "${prom.url}" }
`,
      );
    });
    after(() => prom?.stop());

    it('aborts a release whose error rate Prometheus reports above the gate', async () => {
      const before = await core();
      const r = await runDeploy(
        {
          source: {
            kind: 'project',
            workspace: promWorkspace,
            env: 'production',
            service: 'core',
            image: '3.1.0-errors',
          },
        },
        env,
        { signal: new AbortController().signal, emit: (e) => events.push(e) },
      );
      assert.equal(r.outcome, 'rolledBack', r.summary);
      assert.match(r.summary, /error rate \d+(\.\d)?% over \d+ requests exceeds 5\.0%/);
      const after = await core();
      assert.equal(
        after?.spec?.template?.spec?.containers?.[0]?.image,
        before?.spec?.template?.spec?.containers?.[0]?.image,
      );
    });
  });
});
