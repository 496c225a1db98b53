import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../extension/agent/client';
import { type RunningAgent, startAgent } from '../../agent/main';
import { KubeClient } from '../../agent/kube/client';
import type { Deployment, StatefulSet } from '../../agent/kube/objects';
import { type RunningSandbox, startSandbox } from '../support/in-process';

/**
 * Deploy methods over the agent's WebSocket, as any client could call them: guards hold even when a
 * client skips the UI's prompts, progress streams while a plan runs, and a cancel stops it and restores
 * the previous version.
 */
describe('agent deploy methods over the protocol', function () {
  this.timeout(120_000);
  let sb: RunningSandbox;
  let agent: RunningAgent;
  let client: AgentClient;
  let kube: KubeClient;
  let workspace: string;

  before(async () => {
    sb = await startSandbox('demo');
    agent = await startAgent({
      writeDiscoveryFile: false,
      env: {
        ...process.env,
        KUBECONFIG: sb.kubeconfigPath,
        SLIPWAY_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'slipway-agent-deploy-')),
      },
      log: () => undefined,
    });
    client = new AgentClient('deploy-test');
    await client.connect({ port: agent.port, token: agent.token });
    kube = new KubeClient(sb.kc, 'sandbox');
    workspace = mkdtempSync(join(tmpdir(), 'slipway-ws-'));
    writeFileSync(
      join(workspace, 'slipway.yaml'),
      `version: 1
environments:
  audit: { context: sandbox, namespace: data, readOnly: true }
  prod: { context: sandbox, namespace: shop, protected: true }
services: {}
`,
    );
  });
  after(async () => {
    client?.close();
    await agent?.stop();
    await sb?.stop();
  });

  const postgres = { kind: 'StatefulSet' as const, name: 'postgres' };

  it('refuses writes to a readOnly environment, with or without the workspace in the request', async () => {
    const withWorkspace = await client.request('workload.scale', {
      context: 'sandbox',
      namespace: 'data',
      workspace,
      workload: postgres,
      replicas: 3,
    });
    assert.equal(withWorkspace.outcome, 'blocked');
    assert.equal(withWorkspace.error?.code, 'READ_ONLY');
    // The agent remembers the guard: a client that leaves the workspace out is refused all the same.
    const without = await client.request('deploy.run', {
      source: { kind: 'image', workload: postgres, images: { postgres: 'postgres:17.1' } },
      context: 'sandbox',
      namespace: 'data',
      confirm: 'sandbox',
    });
    assert.equal(without.error?.code, 'READ_ONLY');
    const live = await kube.get<StatefulSet>({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: 'data',
      name: 'postgres',
    });
    assert.equal(live?.spec?.replicas, 1);
    assert.equal(live.spec.template?.spec?.containers?.[0]?.image, 'postgres:16.4');
  });

  it('reports the guard, requires the typed context name, and streams plan events as progress', async () => {
    const guard = await client.request('guard.info', { context: 'sandbox', namespace: 'shop', workspace });
    assert.deepEqual(
      { p: guard.protected, r: guard.readOnly, env: guard.environment },
      { p: true, r: false, env: 'prod' },
    );
    const params = {
      source: {
        kind: 'image' as const,
        workload: { kind: 'Deployment' as const, name: 'worker' },
        images: { worker: 'ghcr.io/demo/worker:2.1.0' },
      },
      context: 'sandbox',
      namespace: 'shop',
    };
    const refused = await client.request('deploy.run', params);
    assert.equal(refused.error?.code, 'CONFIRMATION_REQUIRED');
    const progress: string[] = [];
    const done = await client.request(
      'deploy.run',
      { ...params, confirm: 'sandbox' },
      { onProgress: (m) => progress.push(m) },
    );
    assert.equal(done.outcome, 'succeeded', done.summary);
    assert.ok(
      progress.some((m) => /^rollout: /.test(m)),
      progress.join('\n'),
    );
    assert.ok(
      progress.some((m) => /successfully rolled out/.test(m)),
      progress.join('\n'),
    );
  });

  it('a cancelled deploy stops watching and puts the previous version back', async () => {
    const before = (
      await kube.get<Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'gateway',
      })
    )?.spec?.template?.spec?.containers?.[0]?.image;
    const ac = new AbortController();
    const progress: string[] = [];
    const pending = client.request(
      'deploy.run',
      {
        source: {
          kind: 'image',
          workload: { kind: 'Deployment', name: 'gateway' },
          images: { gateway: 'ghcr.io/demo/gateway:2.0.0-slow' },
        },
        context: 'sandbox',
        namespace: 'shop',
        confirm: 'sandbox',
      },
      {
        signal: ac.signal,
        onProgress: (m) => {
          progress.push(m);
          if (/^rollout: Watching/.test(m)) setTimeout(() => ac.abort(), 300);
        },
      },
    );
    const result = await pending.catch((e: unknown) => e);
    // The client sees its request cancelled; the agent finishes the rollback it owes regardless.
    assert.ok(result instanceof Error || (typeof result === 'object' && result !== null), String(result));
    const deadline = Date.now() + 30_000;
    let image: string | undefined;
    while (Date.now() < deadline) {
      image = (
        await kube.get<Deployment>({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'shop',
          name: 'gateway',
        })
      )?.spec?.template?.spec?.containers?.[0]?.image;
      if (image === before) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(image, before, `progress: ${progress.join(' | ')}`);
  });
});
