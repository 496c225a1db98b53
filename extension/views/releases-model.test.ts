import assert from 'node:assert/strict';
import { NOW, helm, revision } from './fixtures/shop';
import type { MigrationStatus } from '../../protocol';
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

  it('shows a workload’s migration set under it: version, pending count, and what is not simply applied', () => {
    const status: MigrationStatus = {
      directory: '/w/migrations',
      layout: 'sqlx',
      history: { mode: 'native', table: '_sqlx_migrations' },
      database: { host: '127.0.0.1', port: 5432, database: 'shop', user: 'app' },
      current: '2',
      pending: 1,
      entries: (
        [
          ['1', 'applied'],
          ['2', 'applied'],
          ['3', 'pending'],
        ] as const
      ).map(([version, state]) => ({
        version,
        description: `step ${version}`,
        file: `${version}_step.sql`,
        state,
        transaction: 'transaction' as const,
        statements: 1,
        locks: [],
        reversible: false,
        lint:
          state === 'pending' ? [{ rule: 'column-drop' as const, line: 1, message: 'Drop it later.' }] : [],
      })),
    };
    const seen: string[] = [];
    const m = buildReleasesTree(
      input({
        migrations: (w) => {
          seen.push(w.name);
          return w.name === 'core'
            ? { workspace: '/w', env: 'staging', service: 'core', loading: false, status }
            : undefined;
        },
      }),
    );
    const core = m.nodes.get('w:Deployment:shop/core')!;
    const mig = m.nodes.get(core.children[0]!)!;
    assert.equal(mig.label, 'Migrations');
    assert.equal(mig.description, 'at 2 · 1 pending');
    assert.equal(mig.contextValue, 'migrations');
    assert.deepEqual(
      mig.children.map((id) => [
        m.nodes.get(id)!.label,
        m.nodes.get(id)!.description,
        m.nodes.get(id)!.contextValue,
      ]),
      [
        ['2', 'current · step 2', 'migration.applied'],
        ['3', 'pending · step 3 · 1 warning', 'migration.pending'],
      ],
    );
    assert.deepEqual(seen, ['core']);
    const loading = buildReleasesTree(
      input({ migrations: () => ({ workspace: '/w', env: 'staging', service: 'core', loading: true }) }),
    );
    const row = loading.nodes.get(loading.nodes.get('w:Deployment:shop/core')!.children[0]!)!;
    assert.equal(row.description, 'loading…');
  });
});
