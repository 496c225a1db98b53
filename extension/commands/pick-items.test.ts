import assert from 'node:assert/strict';
import type { ContextInfo } from '../../protocol';
import { contextPickItems, namespacePickItems } from './pick-items';

function ctx(name: string, over: Partial<ContextInfo> = {}): ContextInfo {
  return {
    name,
    cluster: name,
    user: 'admin',
    server: `https://${name}.example:6443`,
    namespace: 'default',
    current: false,
    production: false,
    source: '/home/u/.kube/config',
    ...over,
  };
}

describe('context and namespace pickers', () => {
  it('lists contexts by name with the one in use, the current one and production ones marked', () => {
    const items = contextPickItems(
      [ctx('prod-eu', { production: true }), ctx('sandbox', { current: true, namespace: 'shop' })],
      'sandbox',
    );
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.icon]),
      [
        ['prod-eu', 'default · production', 'flame'],
        ['sandbox', 'shop · current · in use', 'check'],
      ],
    );
    assert.equal(items[1]?.detail, 'https://sandbox.example:6443');
  });

  it('offers all namespaces first, then each namespace, marking the one in use', () => {
    const items = namespacePickItems(
      [
        { name: 'shop', phase: 'Active' },
        { name: 'data', phase: 'Terminating' },
      ],
      'shop',
      false,
    );
    assert.deepEqual(
      items.map((i) => [i.label, i.description]),
      [
        ['All namespaces', ''],
        ['data', 'Terminating'],
        ['shop', 'in use'],
      ],
    );
    assert.equal(namespacePickItems([], 'shop', true)[0]?.description, 'in use');
  });
});
