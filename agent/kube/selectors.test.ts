import assert from 'node:assert/strict';
import { labelSelectorString } from './selectors';

describe('labelSelectorString', () => {
  it('writes matchLabels and every matchExpressions operator as the API server reads them', () => {
    assert.equal(
      labelSelectorString({
        matchLabels: { app: 'payments', tier: 'api' },
        matchExpressions: [
          { key: 'track', operator: 'In', values: ['stable', 'canary'] },
          { key: 'zone', operator: 'NotIn', values: ['x'] },
          { key: 'owner', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
      'app=payments,tier=api,track in (stable,canary),zone notin (x),owner,!legacy',
    );
  });

  it('is empty for a missing or empty selector', () => {
    assert.equal(labelSelectorString(undefined), '');
    assert.equal(labelSelectorString({ matchLabels: {} }), '');
  });
});
