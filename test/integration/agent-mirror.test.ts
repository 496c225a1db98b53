import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type RunningAgent, startAgent } from '../../agent/main';
import { AgentClient } from '../../extension/agent/client';
import type { TopicState } from '../../protocol';
import { eventually } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';
import { raw } from '../support/raw';

/**
 * The whole chain a tree reads from — sandbox → agent informers → topic deltas over the WebSocket →
 * the client's mirror — converges to the server's state after the server drops every watch and after it
 * forgets its watch history (410 Gone), compared item by item with a fresh list from the server.
 */
describe('agent mirror converges after watch faults', function () {
  this.timeout(90_000);
  let sb: RunningSandbox;
  let agent: RunningAgent;
  let client: AgentClient;
  let state: TopicState<'services'> | undefined;

  before(async () => {
    sb = await startSandbox('demo');
    agent = await startAgent({
      writeDiscoveryFile: false,
      env: {
        ...process.env,
        KUBECONFIG: sb.kubeconfigPath,
        SLIPWAY_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'slipway-mirror-')),
      },
      log: () => undefined,
    });
    client = new AgentClient('mirror-test');
    await client.connect({ port: agent.port, token: agent.token });
    client.subscribe('services', { context: 'sandbox', namespace: 'shop' }, { onState: (s) => (state = s) });
  });

  after(async () => {
    client?.close();
    await agent?.stop();
    await sb?.stop();
  });

  async function serverView(): Promise<{ pods: string[]; replicas: Record<string, number> }> {
    const core = sb.kc.makeApiClient(k8s.CoreV1Api);
    const apps = sb.kc.makeApiClient(k8s.AppsV1Api);
    const pods = (await core.listNamespacedPod({ namespace: 'shop' })).items
      .map((p) => p.metadata!.name!)
      .sort();
    const replicas: Record<string, number> = {};
    for (const d of (await apps.listNamespacedDeployment({ namespace: 'shop' })).items)
      replicas[d.metadata!.name!] = d.spec!.replicas ?? 0;
    return { pods, replicas };
  }

  function mirrorView(): { pods: string[]; replicas: Record<string, number> } {
    const pods = Object.values(state?.pods ?? {})
      .map((p) => p.name)
      .sort();
    const replicas: Record<string, number> = {};
    for (const w of Object.values(state?.workloads ?? {}))
      if (w.kind === 'Deployment') replicas[w.name] = w.desired;
    return { pods, replicas };
  }

  async function converged(what: string): Promise<void> {
    let last = '';
    await eventually(
      async () => {
        const [s, m] = [await serverView(), mirrorView()];
        last = `server ${JSON.stringify(s)}\nmirror ${JSON.stringify(m)}`;
        return JSON.stringify(s) === JSON.stringify(m) ? true : undefined;
      },
      20_000,
      `${what}\n${last}`,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${last}`);
    });
  }

  async function scale(name: string, replicas: number): Promise<void> {
    const apps = sb.kc.makeApiClient(k8s.AppsV1Api);
    await apps.patchNamespacedDeploymentScale(
      { name, namespace: 'shop', body: { spec: { replicas } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  it('matches the server after start-up', async () => {
    await converged('initial state');
  });

  it('matches the server again after every watch is dropped mid-change', async () => {
    await scale('worker', 3);
    const r = await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', { dropWatches: true });
    assert.equal(r.status, 200);
    await scale('core', 3);
    await converged('after dropped watches');
  });

  it('matches the server again after the watch history is forgotten (410 Gone) mid-change', async () => {
    await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', { dropWatches: true });
    await scale('worker', 1);
    await scale('gateway', 3);
    const r = await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', { expireWatches: true });
    assert.equal(r.status, 200);
    await raw(sb.sandbox, 'POST', '/sandbox/v1/faults', { dropWatches: true });
    await scale('core', 2);
    await converged('after 410 Gone');
  });
});
