import assert from 'node:assert/strict';
import type { MigrationEntry, MigrationStatus } from '../../protocol';
import { planText } from './plan-text';

const entry = (e: Partial<MigrationEntry> & Pick<MigrationEntry, 'version' | 'state'>): MigrationEntry => ({
  description: '',
  transaction: 'transaction',
  statements: 1,
  locks: [],
  reversible: false,
  lint: [],
  ...e,
});

describe('the migration plan the confirmation shows', () => {
  it('lists what will run with its transaction mode, heavy locks and warnings, and nothing already applied', () => {
    const s: MigrationStatus = {
      directory: '/w/migrations',
      layout: 'sqlx',
      history: { mode: 'slipway', table: 'slipway_migrations' },
      database: { host: '127.0.0.1', port: 41000, database: 'shop', user: 'app', via: 'port-forward to db' },
      pending: 2,
      current: '1',
      entries: [
        entry({ version: '1', state: 'applied', file: '1_init.sql' }),
        entry({
          version: '2',
          state: 'pending',
          file: '2_email.sql',
          locks: [
            { line: 1, statement: 'ALTER TABLE users ADD COLUMN', lock: 'ACCESS EXCLUSIVE', table: 'users' },
            { line: 2, statement: 'UPDATE users SET', lock: 'ROW EXCLUSIVE', table: 'users' },
          ],
          lint: [{ rule: 'not-null-without-default', line: 1, message: 'Add it nullable.' }],
        }),
        entry({ version: '3', state: 'partial', file: '3_idx.sql', transaction: 'split', statementsDone: 1 }),
      ],
    };
    assert.equal(
      planText(s),
      [
        'sqlx migrations in /w/migrations',
        'Database app@127.0.0.1:41000/shop (port-forward to db)',
        '',
        '• 2_email.sql — pending, one transaction',
        '    line 1: ACCESS EXCLUSIVE on users',
        '    ⚠ line 1: Add it nullable.',
        '• 3_idx.sql — partial, partly outside a transaction, resumes after statement 1',
      ].join('\n'),
    );
  });
});
