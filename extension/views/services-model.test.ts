import assert from 'node:assert/strict';
import { type PodInfo, agentError } from '../../protocol';
import { NOW, hpa, ingress, pod, service, workload } from './fixtures/shop';
import { type ServicesData, type ServicesInput, buildServicesTree, selects } from './services-model';
import type { TreeModel } from './tree-model';

/** A pod no workload owns, e.g. one started by hand for debugging. */
function loosePod(name: string): PodInfo {
  const p = pod(name, name, { labels: {} });
  delete p.owner;
  return p;
}

function data(over: Partial<ServicesData> = {}): ServicesData {
  return {
    loaded: true,
    error: null,
    workloads: [
      workload('gateway'),
      workload('mailer', { ready: 0, desired: 1, health: 'failed', reason: 'CrashLoopBackOff' }),
      workload('core'),
    ],
    pods: [
      pod('core-a', 'core'),
      pod('mailer-x', 'mailer', { status: 'CrashLoopBackOff', readyContainers: 0, restarts: 4 }),
      pod('gateway-a', 'gateway'),
      loosePod('debug'),
    ],
    services: [service('gateway', 'gateway'), service('core', 'core'), service('legacy', 'legacy')],
    ingresses: [ingress],
    hpas: [hpa],
    ...over,
  };
}

function input(over: Partial<ServicesInput> = {}): ServicesInput {
  return {
    agent: { kind: 'connected' },
    scope: { context: 'sandbox', namespace: 'shop' },
    kubeconfig: { loaded: true, error: null },
    data: data(),
    now: NOW,
    ...over,
  };
}

/** The tree as indented "label — description" lines, the way a user reads it. */
function render(m: TreeModel<unknown>): string[] {
  const lines: string[] = [];
  const walk = (ids: readonly string[], depth: number): void => {
    for (const id of ids) {
      const n = m.nodes.get(id)!;
      lines.push(`${'  '.repeat(depth)}${n.label}${n.description ? ` — ${n.description}` : ''}`);
      walk(n.children, depth + 1);
    }
  };
  walk(m.roots, 0);
  return lines;
}

describe('Services tree', () => {
  it('shows namespaces, workloads with ready/desired and reason, and what belongs to each', () => {
    assert.deepEqual(render(buildServicesTree(input())), [
      'shop — 3 workloads · 1 failing',
      '  core — 2/2',
      '    core-a — Running · 0 restarts · sandbox-node · 3m',
      '    core — ClusterIP · 80→8080/TCP',
      '    core — 2/3 replicas · 2–5 · cpu 45%/70%',
      '  gateway — 2/2',
      '    gateway-a — Running · 0 restarts · sandbox-node · 3m',
      '    gateway — ClusterIP · 80→8080/TCP',
      '    shop — shop.example.com',
      '  mailer — 0/1 · CrashLoopBackOff',
      '    mailer-x — CrashLoopBackOff · 4 restarts · sandbox-node · 3m',
      '  debug — Running · 0 restarts · sandbox-node · 3m',
      '  legacy — ClusterIP · 80→8080/TCP',
    ]);
  });

  it('marks health with a coloured icon and sets context values for later commands', () => {
    const m = buildServicesTree(input());
    const mailer = m.nodes.get('w:Deployment:shop/mailer')!;
    assert.deepEqual(mailer.icon, { id: 'error', color: 'testing.iconFailed' });
    assert.equal(mailer.contextValue, 'workload.Deployment');
    assert.equal(m.nodes.get('w:Deployment:shop/core|pod:core-a')?.contextValue, 'pod');
    assert.equal(m.nodes.get('w:Deployment:shop/core|hpa:core')?.contextValue, 'hpa');
    assert.equal(m.nodes.get('ns:shop')?.collapsible, 'expanded');
  });

  it('shows a subscription error as one row with its sentence, never an empty view', () => {
    const error = agentError('FORBIDDEN', 'You may not list deployments in shop.');
    const m = buildServicesTree(
      input({ data: { ...data(), workloads: [], pods: [], services: [], ingresses: [], hpas: [], error } }),
    );
    assert.deepEqual(render(m), ['You may not list deployments in shop.']);
    assert.equal(m.nodes.get(m.roots[0]!)?.icon?.id, 'error');
  });

  it('keeps the last-seen workloads under the error while the cluster is unreachable', () => {
    const error = agentError('CLUSTER_UNREACHABLE', 'The cluster sandbox is unreachable.');
    const lines = render(buildServicesTree(input({ data: data({ error }) })));
    assert.equal(lines[0], 'The cluster sandbox is unreachable.');
    assert.equal(lines[1], 'shop — 3 workloads · 1 failing');
  });

  it('says what it is waiting for before there is data', () => {
    assert.deepEqual(render(buildServicesTree(input({ agent: { kind: 'connecting' }, data: undefined }))), [
      'Connecting to the Slipway agent…',
    ]);
    assert.deepEqual(render(buildServicesTree(input({ data: { ...data(), loaded: false } }))), [
      'Loading workloads of sandbox…',
    ]);
    assert.deepEqual(render(buildServicesTree(input({ scope: undefined, data: undefined }))), [
      'Pick a Kubernetes context for Slipway',
    ]);
    const down = agentError('UNAVAILABLE', 'The Slipway agent is not reachable.');
    assert.deepEqual(
      render(buildServicesTree(input({ agent: { kind: 'disconnected', error: down }, data: undefined }))),
      ['The Slipway agent is not reachable. — retrying'],
    );
  });

  it('shows why there is no context when the kubeconfig cannot be read', () => {
    const error = agentError('KUBECONFIG_INVALID', 'Your kubeconfig cannot be read.');
    const m = buildServicesTree(
      input({ scope: undefined, data: undefined, kubeconfig: { loaded: false, error } }),
    );
    assert.deepEqual(render(m), ['Your kubeconfig cannot be read.']);
    assert.equal(m.nodes.get(m.roots[0]!)?.command?.command, 'slipway.openKubeconfig');
  });

  it('says so when a namespace has no workloads', () => {
    const empty = data({ workloads: [], pods: [], services: [], ingresses: [], hpas: [] });
    assert.deepEqual(render(buildServicesTree(input({ data: empty }))), ['No workloads in shop']);
    assert.deepEqual(render(buildServicesTree(input({ data: empty, scope: { context: 'sandbox' } }))), [
      'No workloads in any namespace',
    ]);
  });

  it('matches Services by selector, never with an empty one', () => {
    assert.equal(selects({ app: 'core' }, { app: 'core', pod: 'x' }), true);
    assert.equal(selects({ app: 'core' }, { app: 'gateway' }), false);
    assert.equal(selects({}, { app: 'core' }), false);
  });
});
