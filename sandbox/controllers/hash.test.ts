import { strict as assert } from 'node:assert';
import { computeHash, fnv32, fnv32a, safeEncodeString } from './hash';

describe('pod-template-hash', () => {
  it('implements FNV-1 and FNV-1a as Go hash/fnv does', () => {
    assert.equal(fnv32a(''), 0x811c9dc5);
    assert.equal(fnv32a('a'), 0xe40c292c);
    assert.equal(fnv32('a'), 0x050c5d7e);
  });

  it('encodes with the safe alphabet the way rand.SafeEncodeString does', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  it('is stable for equal templates regardless of key order and changes with the collision count', () => {
    const a = computeHash({
      metadata: { labels: { app: 'x' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    const b = computeHash({
      spec: { containers: [{ image: 'i', name: 'c' }] },
      metadata: { labels: { app: 'x' } },
    });
    assert.equal(a, b);
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.notEqual(computeHash({ spec: {} }, 1), computeHash({ spec: {} }));
  });
});
