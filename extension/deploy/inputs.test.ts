import { strict as assert } from 'node:assert';
import { imageError, replicasError, tagSelection } from './inputs';

describe('deploy input boxes', () => {
  it('accepts whole replica counts from 0 up to int32 and explains anything else', () => {
    for (const ok of ['0', '3', ' 12 ', '2147483647']) assert.equal(replicasError(ok), undefined, ok);
    for (const bad of ['', '-1', '1.5', 'two', '2147483648', '1e3'])
      assert.ok(replicasError(bad) !== undefined, bad);
  });

  it('requires an image reference without spaces', () => {
    assert.equal(imageError('ghcr.io/demo/gateway:1.6.0'), undefined);
    assert.ok(imageError('  ') !== undefined);
    assert.ok(imageError('gateway 1.6') !== undefined);
  });

  it('preselects the tag so typing replaces it, not a registry port, and a digest whole', () => {
    const sel = (image: string): string => image.slice(...tagSelection(image));
    assert.equal(sel('ghcr.io/demo/gateway:1.6.0'), '1.6.0');
    assert.equal(sel('localhost:5000/gateway'), 'localhost:5000/gateway');
    assert.equal(sel('localhost:5000/gateway:2'), '2');
    assert.equal(sel('gateway@sha256:abc'), '@sha256:abc');
  });
});
