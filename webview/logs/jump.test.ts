import { strict as assert } from 'node:assert';
import { parseJumpTime } from './jump';

describe('parseJumpTime', () => {
  const ref = '2026-11-22T14:59:01.123456789Z';
  it('reads a time of day on the reference line’s day', () => {
    assert.equal(parseJumpTime('14:05', ref), '2026-11-22T14:05:00Z');
    assert.equal(parseJumpTime(' 9:05:30 ', ref), '2026-11-22T09:05:30Z');
    assert.equal(parseJumpTime('09:05:30.25', ref), '2026-11-22T09:05:30.25Z');
  });
  it('reads a full timestamp in any zone as UTC', () => {
    assert.equal(parseJumpTime('2026-11-21T10:00:00+02:00', ref), '2026-11-21T08:00:00.000Z');
  });
  it('refuses what is not a time, and a time of day with no line to take the day from', () => {
    assert.equal(parseJumpTime('25:00', ref), undefined);
    assert.equal(parseJumpTime('soon', ref), undefined);
    assert.equal(parseJumpTime('', ref), undefined);
    assert.equal(parseJumpTime('14:05', undefined), undefined);
  });
});
