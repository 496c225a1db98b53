import assert from 'node:assert/strict';
import { AgentFailure } from '../../protocol';
import { clusterService, databaseTarget } from './connection';

describe('database connection targets', () => {
  it('tells cluster-internal hosts (Service names) from outside ones', () => {
    assert.deepEqual(clusterService('db', 'shop'), { name: 'db', namespace: 'shop' });
    assert.deepEqual(clusterService('db.data', 'shop'), { name: 'db', namespace: 'data' });
    assert.deepEqual(clusterService('db.data.svc', 'shop'), { name: 'db', namespace: 'data' });
    assert.deepEqual(clusterService('db.data.svc.cluster.local', 'shop'), { name: 'db', namespace: 'data' });
    for (const outside of [
      'localhost',
      '127.0.0.1',
      '10.0.0.5',
      'db.example.com',
      'x.rds.amazonaws.com',
      '::1',
    ]) {
      assert.equal(clusterService(outside, 'shop'), undefined, outside);
    }
  });

  it('describes a URL without its password, and refuses what is no PostgreSQL URL', () => {
    assert.deepEqual(databaseTarget('postgresql://app:s%40cret@db:6543/shop?sslmode=disable'), {
      host: 'db',
      port: 6543,
      database: 'shop',
      user: 'app',
    });
    assert.deepEqual(databaseTarget('postgres://app@db'), {
      host: 'db',
      port: 5432,
      database: 'app',
      user: 'app',
    });
    assert.throws(
      () => databaseTarget('mysql://x@y/z'),
      (e: unknown) => e instanceof AgentFailure && /Slipway migrates PostgreSQL/.test(e.error.message),
    );
    assert.throws(() => databaseTarget('not a url'), /not a URL/);
  });
});
