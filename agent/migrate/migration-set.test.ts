import assert from 'node:assert/strict';
import { AgentFailure } from '../../protocol';
import { parseProject } from '../project/config';
import { migrationSet, sourceUrl } from './migration-set';

const project = (database: string): ReturnType<typeof parseProject> =>
  parseProject(
    `version: 1
environments:
  staging: { context: s, namespace: shop }
  production: { context: p, namespace: shop }
services:
  api:
    workload: deployment/api
    migrations: db
migrations:
  db: { tool: flyway, directory: sql, history: native, database: ${database} }
`,
    '/work/app/slipway.yaml',
  );

describe('a service’s migration set', () => {
  it('resolves the directory against slipway.yaml and picks the environment’s database source', async () => {
    const p = project('{ staging: { env: STAGING_DB }, production: { secret: { name: db, key: URL } } }');
    const staging = migrationSet(p, 'api', 'staging');
    assert.equal(staging.dir, '/work/app/sql');
    assert.equal(staging.layout, 'flyway');
    assert.equal(staging.history, 'native');
    assert.deepEqual(staging.source, { env: 'STAGING_DB' });
    assert.deepEqual(migrationSet(p, 'api', 'production').source, { secret: { name: 'db', key: 'URL' } });
    process.env['STAGING_DB'] = 'postgresql://app@db/app';
    assert.equal(await sourceUrl(staging, undefined), 'postgresql://app@db/app');
    delete process.env['STAGING_DB'];
    await assert.rejects(
      sourceUrl(staging, undefined),
      /reads the database URL from \$STAGING_DB, which is not set/,
    );
  });

  it('says which environment has no database, and which service has no set', () => {
    const p = project('{ production: { url: postgresql://a@b/c } }');
    assert.throws(
      () => migrationSet(p, 'api', 'staging'),
      (e: unknown) =>
        e instanceof AgentFailure &&
        e.error.message ===
          'Migration set "db" has no database for environment "staging"; add database.staging (url, env or secret).',
    );
    assert.throws(() => migrationSet(p, 'web', 'staging'), /slipway.yaml has no service "web"/);
  });
});
