import { strict as assert } from 'node:assert';
import { parseFieldSelector, parseLabelSelector, selectorMatches, selectorString } from './selectors';

describe('selectors', () => {
  const labels = (l: Record<string, string>) => (k: string) => l[k];

  it('matches equality, set and existence label requirements like the API server', () => {
    const s = parseLabelSelector('app=web,tier in (api, edge),!canary,env!=prod');
    assert.equal(s(labels({ app: 'web', tier: 'api', env: 'dev' })), true);
    assert.equal(s(labels({ app: 'web', tier: 'db' })), false);
    assert.equal(s(labels({ app: 'web', tier: 'api', canary: 'yes' })), false);
    assert.equal(s(labels({ app: 'web', tier: 'api', env: 'prod' })), false);
  });

  it('rejects a malformed requirement with a BadRequest', () => {
    assert.throws(() => parseLabelSelector('app in web'), /unable to parse requirement/);
  });

  it('supports field selectors by equality only', () => {
    const f = parseFieldSelector('metadata.name=web,status.phase!=Running');
    assert.equal(
      f((k) => ({ 'metadata.name': 'web', 'status.phase': 'Pending' })[k]),
      true,
    );
    assert.throws(() => parseFieldSelector('metadata.name in (a)'));
  });

  it('renders and evaluates workload selectors', () => {
    const spec = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
    };
    assert.equal(selectorString(spec), 'app=web,tier notin (db)');
    assert.equal(selectorMatches(spec, { app: 'web', tier: 'api' }), true);
    assert.equal(selectorMatches(spec, { app: 'web', tier: 'db' }), false);
    assert.equal(selectorMatches(undefined, { app: 'web' }), false);
  });
});
