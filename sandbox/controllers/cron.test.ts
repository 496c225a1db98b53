import { strict as assert } from 'node:assert';
import { parseSchedule } from './cron';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string => (ms === undefined ? 'none' : new Date(ms).toISOString());

describe('cron schedules', () => {
  it('finds the next activation of standard five-field schedules', () => {
    assert.equal(
      iso(parseSchedule('*/5 * * * *').next(at('2026-01-01T00:02:30Z'))),
      '2026-01-01T00:05:00.000Z',
    );
    assert.equal(
      iso(parseSchedule('30 2 * * mon-fri').next(at('2026-01-02T03:00:00Z'))),
      '2026-01-05T02:30:00.000Z',
      'Friday after 2:30 goes to Monday',
    );
    assert.equal(
      iso(parseSchedule('0 0 1 jan *').next(at('2026-03-01T00:00:00Z'))),
      '2027-01-01T00:00:00.000Z',
    );
    assert.equal(iso(parseSchedule('@hourly').next(at('2026-01-01T00:00:00Z'))), '2026-01-01T01:00:00.000Z');
  });

  it('matches either day field when both are restricted, as cron does', () => {
    // The 13th, or any Friday: Friday 2026-01-02 comes first.
    assert.equal(
      iso(parseSchedule('0 12 13 * 5').next(at('2026-01-01T00:00:00Z'))),
      '2026-01-02T12:00:00.000Z',
    );
  });

  it('rejects malformed schedules', () => {
    assert.throws(() => parseSchedule('* * *'));
    assert.throws(() => parseSchedule('61 * * * *'));
  });
});
