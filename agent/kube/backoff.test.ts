import { strict as assert } from 'node:assert';
import { Backoff } from './backoff';

describe('reconnect backoff', () => {
  it('doubles from the initial step up to the cap, each wait jittered between half and all of the step', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    assert.deepEqual(
      Array.from({ length: 7 }, () => low.next()),
      [50, 100, 200, 400, 500, 500, 500],
    );
    const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    assert.deepEqual(
      Array.from({ length: 6 }, () => high.next()),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('starts over after a success', () => {
    const b = new Backoff({ initialMs: 100, random: () => 1 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 100);
  });

  it('uses 0.5 s to 30 s by default and never overflows', () => {
    const b = new Backoff({ random: () => 1 });
    assert.equal(b.next(), 500);
    for (let i = 0; i < 2000; i++) b.next();
    assert.equal(b.next(), 30_000);
  });
});
