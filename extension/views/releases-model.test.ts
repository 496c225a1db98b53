import assert from 'node:assert/strict';
import { NOW, helm, revision } from './fixtures/shop';
import { type ReleasesInput, buildReleasesTree, currentHelmRevision } from './releases-model';

function input(over: Partial<ReleasesInput> = {}): ReleasesInput {
  return {
    agent: { kind: 'connected' },
    scope: { context: 'sandbox', namespace: 'shop' },
    kubeconfig: { loaded: true, error: null },
    data: {
      loaded: true,
      error: null,
      revisions: [
        revision('core', 1, false),
        revision('core', 3, true, { changeCause: 'rollout to 1.3.0' }),
        revision('core', 2, false),
      ],
      helm: [helm(1, 'superseded'), helm(2, 'deployed')],
    },
    now: NOW,
    ...over,
  };
}

describe('Releases tree', () => {
  it('lists each workload’s revisions newest first with the running one marked', () => {
    const m = buildReleasesTree(input());
    const core = m.nodes.get('w:Deployment:shop/core')!;
    assert.equal(core.description, 'Deployment · revision 3');
    assert.equal(core.contextValue, 'workload.Deployment');
    const revs = core.children.map((id) => m.nodes.get(id)!);
    assert.deepEqual(
      revs.map((r) => [r.label, r.description, r.contextValue]),
      [
        ['#3', 'current · core:1.3.0 · 1h · rollout to 1.3.0', 'revision.current'],
        ['#2', 'core:1.2.0 · 1h', 'revision'],
        ['#1', 'core:1.1.0 · 1h', 'revision'],
      ],
    );
  });

  it('lists Helm releases with status, chart and app version, and their revisions', () => {
    const m = buildReleasesTree(input());
    const rel = m.nodes.get('helm:shop/payments')!;
    assert.equal(rel.label, 'payments');
    assert.equal(rel.description, 'Helm · deployed · payments-0.2.0 · app 1.2');
    assert.equal(rel.contextValue, 'helmRelease');
    assert.deepEqual(
      rel.children.map((id) => [m.nodes.get(id)!.label, m.nodes.get(id)!.contextValue]),
      [
        ['#2', 'helmRevision.current'],
        ['#1', 'helmRevision'],
      ],
    );
  });

  it('takes the deployed Helm revision as current, else the newest', () => {
    assert.equal(currentHelmRevision([helm(1, 'deployed'), helm(2, 'failed')])?.revision, 1);
    assert.equal(currentHelmRevision([helm(1, 'superseded'), helm(2, 'failed')])?.revision, 2);
    assert.equal(currentHelmRevision([]), undefined);
  });

  it('says so when there is nothing to show', () => {
    const m = buildReleasesTree(input({ data: { loaded: true, error: null, revisions: [], helm: [] } }));
    assert.deepEqual(
      m.roots.map((id) => m.nodes.get(id)!.label),
      ['No releases in shop'],
    );
  });
});
