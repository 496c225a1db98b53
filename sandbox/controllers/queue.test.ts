import { strict as assert } from 'node:assert';
import { ManualClock } from '../clock';
import { WorkQueue } from './queue';

describe('WorkQueue', () => {
  it('processes a key added many times in one burst once, after the batch delay', () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const q = new WorkQueue(
      clock,
      (k) => seen.push(k),
      () => undefined,
      { batchDelayMs: 5 },
    );
    q.add('a');
    q.add('a');
    q.add('b');
    assert.deepEqual(seen, []);
    clock.advance(5);
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('retries failing keys with exponential back-off and resets after success', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    let failures = 3;
    const q = new WorkQueue(
      clock,
      () => {
        at.push(clock.now());
        if (failures-- > 0) throw new Error('boom');
      },
      () => undefined,
      { batchDelayMs: 0, baseBackoffMs: 10 },
    );
    const start = clock.now();
    q.add('k');
    clock.advance(1_000);
    assert.deepEqual(
      at.map((t) => t - start),
      [0, 10, 30, 70],
    );
  });

  it('keeps the earliest of several delayed adds', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const q = new WorkQueue(
      clock,
      () => seen.push(clock.now()),
      () => undefined,
      { batchDelayMs: 0 },
    );
    const start = clock.now();
    q.addAfter('k', 100);
    q.addAfter('k', 50);
    q.addAfter('k', 200);
    clock.advance(1_000);
    assert.deepEqual(
      seen.map((t) => t - start),
      [50],
    );
  });
});
