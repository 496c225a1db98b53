import assert from 'node:assert/strict';
import { agentError } from '../../protocol';
import type { StatusEntry } from '../state/cluster-status';
import { type ClustersInput, type NamespacesData, buildClustersTree, statusText } from './clusters-model';
import { context } from './fixtures/shop';

function input(
  over: Partial<ClustersInput> = {},
  status: Record<string, StatusEntry> = {},
  ns: Record<string, NamespacesData> = {},
): ClustersInput {
  return {
    agent: { kind: 'connected' },
    kubeconfig: {
      loaded: true,
      error: null,
      contexts: [context('sandbox', { current: true }), context('prod-eu', { production: true })],
      problems: [],
    },
    selection: { context: 'sandbox', namespace: 'shop' },
    status: (name) => status[name],
    namespaces: (name) => ns[name],
    ...over,
  };
}

describe('Clusters tree', () => {
  it('lists contexts with reachability, current, production and the one in use marked', () => {
    const m = buildClustersTree(
      input(
        {},
        {
          sandbox: {
            kind: 'done',
            status: { context: 'sandbox', reachable: true, serverVersion: 'v1.32.4' },
          },
        },
      ),
    );
    const rows = m.roots.map((id) => m.nodes.get(id)!);
    assert.deepEqual(
      rows.map((r) => [r.label, r.description, r.icon?.id, r.contextValue]),
      [
        ['prod-eu', 'production', 'flame', 'context.production'],
        ['sandbox', 'v1.32.4 · current · in use', 'server-environment', 'context'],
      ],
    );
    assert.equal(
      rows[1]!.collapsible,
      'collapsed',
      'a context can be expanded before its namespaces are known',
    );
  });

  it('describes reachability in a word', () => {
    assert.equal(statusText(undefined), undefined);
    assert.equal(statusText({ kind: 'pending' }), 'checking…');
    assert.equal(
      statusText({
        kind: 'done',
        status: { context: 'x', reachable: false, error: agentError('CLUSTER_UNREACHABLE', 'No route.') },
      }),
      'unreachable',
    );
    assert.equal(
      statusText({ kind: 'failed', error: agentError('AUTH_FAILED', 'Token expired.') }),
      'not authorized',
    );
  });

  it('shows namespaces once watched, the one in use checked', () => {
    const m = buildClustersTree(
      input(
        {},
        {},
        {
          sandbox: {
            loaded: true,
            error: null,
            namespaces: [
              { name: 'shop', phase: 'Active' },
              { name: 'data', phase: 'Active' },
              { name: 'old', phase: 'Terminating' },
            ],
          },
        },
      ),
    );
    const kids = m.nodes.get('ctx:sandbox')!.children.map((id) => m.nodes.get(id)!);
    assert.deepEqual(
      kids.map((k) => [k.label, k.description, k.icon?.id, k.contextValue]),
      [
        ['data', undefined, 'symbol-namespace', 'namespace'],
        ['old', 'Terminating', 'symbol-namespace', 'namespace'],
        ['shop', undefined, 'check', 'namespace'],
      ],
    );
    assert.deepEqual(
      m.nodes.get('ctx:prod-eu')!.children.map((id) => m.nodes.get(id)!.label),
      ['Loading namespaces…'],
    );
  });

  it('shows kubeconfig problems as warnings with their sentence, above the contexts that still work', () => {
    const m = buildClustersTree(
      input({
        kubeconfig: {
          loaded: true,
          error: null,
          contexts: [context('sandbox')],
          problems: [
            { file: '/home/dev/.kube/broken.yaml', message: 'The kubeconfig broken.yaml is not valid YAML.' },
          ],
        },
      }),
    );
    const first = m.nodes.get(m.roots[0]!)!;
    assert.equal(first.label, 'The kubeconfig broken.yaml is not valid YAML.');
    assert.equal(first.description, 'broken.yaml');
    assert.equal(first.icon?.id, 'warning');
    assert.deepEqual(first.command?.args, ['/home/dev/.kube/broken.yaml']);
    assert.equal(m.roots.length, 2);
  });

  it('explains an empty kubeconfig and a failing one', () => {
    const empty = buildClustersTree(
      input({ kubeconfig: { loaded: true, error: null, contexts: [], problems: [] } }),
    );
    assert.deepEqual(
      empty.roots.map((id) => empty.nodes.get(id)!.label),
      ['Your kubeconfig has no contexts'],
    );
    const error = agentError('KUBECONFIG_INVALID', 'Your kubeconfig cannot be read.');
    const bad = buildClustersTree(
      input({ kubeconfig: { loaded: false, error, contexts: [], problems: [] } }),
    );
    assert.equal(bad.nodes.get(bad.roots[0]!)!.command?.command, 'slipway.openKubeconfig');
  });
});
