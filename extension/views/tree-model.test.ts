import assert from 'node:assert/strict';
import { TreeBuilder, type TreeModel, diffModels } from './tree-model';

function tree(rows: [parent: string | undefined, id: string, label: string][]): TreeModel<never> {
  const b = new TreeBuilder<never>();
  for (const [parent, id, label] of rows) b.add(parent, { id, label });
  return b.build();
}

describe('tree model', () => {
  it('makes a node expandable only when it has children, or loads them on demand', () => {
    const b = new TreeBuilder<never>();
    const ns = b.add(undefined, { id: 'ns', label: 'shop', expanded: true });
    b.add(ns, { id: 'w', label: 'core' });
    b.add(undefined, { id: 'lazy', label: 'sandbox', lazy: true });
    b.add(undefined, { id: 'leaf', label: 'empty' });
    const m = b.build();
    assert.deepEqual(
      ['ns', 'w', 'lazy', 'leaf'].map((id) => m.nodes.get(id)?.collapsible),
      ['expanded', 'none', 'collapsed', 'none'],
    );
    assert.equal(m.nodes.get('w')?.parent, 'ns');
  });

  it('keeps ids unique even when the data repeats a name', () => {
    const b = new TreeBuilder<never>();
    b.add(undefined, { id: 'x', label: 'one' });
    assert.equal(b.add(undefined, { id: 'x', label: 'two' }), 'x~2');
  });

  it('redraws nothing when nothing visible changed', () => {
    const rows: [string | undefined, string, string][] = [
      [undefined, 'ns', 'shop'],
      ['ns', 'w', 'core'],
    ];
    assert.deepEqual(diffModels(tree(rows), tree(rows)), { kind: 'none' });
  });

  it('redraws only the row whose look changed', () => {
    const before = tree([
      [undefined, 'ns', 'shop'],
      ['ns', 'a', 'core 1/2'],
      ['ns', 'b', 'worker 1/1'],
    ]);
    const after = tree([
      [undefined, 'ns', 'shop'],
      ['ns', 'a', 'core 2/2'],
      ['ns', 'b', 'worker 1/1'],
    ]);
    assert.deepEqual(diffModels(before, after), { kind: 'nodes', ids: ['a'] });
  });

  it('redraws the parent when a child comes or goes, and not the child inside it too', () => {
    const before = tree([
      [undefined, 'ns', 'shop'],
      ['ns', 'a', 'core'],
      ['a', 'p1', 'pod 1'],
    ]);
    const after = tree([
      [undefined, 'ns', 'shop'],
      ['ns', 'a', 'core'],
      ['a', 'p1', 'pod 1 restarted'],
      ['a', 'p2', 'pod 2'],
    ]);
    assert.deepEqual(diffModels(before, after), { kind: 'nodes', ids: ['a'] });
  });

  it('redraws everything when the top level changes', () => {
    assert.deepEqual(diffModels(tree([[undefined, 'a', 'x']]), tree([[undefined, 'b', 'x']])), {
      kind: 'all',
    });
  });
});
