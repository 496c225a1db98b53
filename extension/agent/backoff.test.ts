import assert from 'node:assert/strict';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('retries quickly at first so a restarting agent is found at once', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => backoffDelay(n)),
      [100, 200, 400, 800],
    );
  });

  it('never waits longer than five seconds, however many attempts failed', () => {
    assert.equal(backoffDelay(6), 5_000);
    assert.equal(backoffDelay(10_000), 5_000);
  });
});
