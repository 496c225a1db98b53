import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentFailure } from '../../protocol';
import { manifestsFor, parseDuration, parseProject, projectInfo } from './config';

const FIXTURES = join(__dirname, 'fixtures');

function error(text: string): string {
  try {
    parseProject(text, '/repo/slipway.yaml');
  } catch (e) {
    if (e instanceof AgentFailure) return e.error.message;
    throw e;
  }
  assert.fail('expected an error');
}

const base = `version: 1
environments:
  staging: { context: staging-cluster, namespace: shop }
services:
  api:
    workload: deployment/api
`;

describe('slipway.yaml', () => {
  it('describes each seed team’s setup', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.slipway.yaml'));
    assert.equal(files.length, 5);
    for (const f of files) {
      const p = parseProject(readFileSync(join(FIXTURES, f), 'utf8'), join('/repo', f));
      assert.ok(Object.keys(p.services).length > 0, f);
    }
  });

  it('resolves paths per environment, fills defaults and reads durations', () => {
    const p = parseProject(readFileSync(join(FIXTURES, 'nova.slipway.yaml'), 'utf8'), '/repo/slipway.yaml');
    const auth = p.services['auth-service'];
    assert.ok(auth);
    assert.deepEqual(auth.workload, { kind: 'Deployment', name: 'auth-service' });
    assert.deepEqual(manifestsFor(auth, 'staging'), ['/repo/k8s/overlays/staging']);
    assert.deepEqual(manifestsFor(auth, 'qa'), []);
    assert.deepEqual(auth.health[0], {
      path: '/api/v1/health',
      port: 8083,
      expect: 200,
      via: 'service',
      timeoutSeconds: 5,
      retries: 3,
    });
    assert.equal(auth.strategy.type, 'canary');
    if (auth.strategy.type === 'canary') {
      assert.deepEqual(auth.strategy.canary.steps, [
        { weight: 5, pauseSeconds: 300 },
        { weight: 50, pauseSeconds: 600 },
        { weight: 100, pauseSeconds: 60 },
      ]);
      assert.deepEqual(auth.strategy.canary.metrics, { path: '/metrics', port: 'metrics' });
    }
    assert.equal(p.environments['production']?.protected, true);
    const info = projectInfo(p);
    assert.deepEqual(info.services[0], {
      name: 'auth-service',
      workload: { kind: 'Deployment', name: 'auth-service' },
      imageRepository: 'ghcr.io/nova/auth-service',
      strategy: 'canary',
      migrations: true,
    });
    assert.equal(parseDuration('1m30s', 0), 90);
    assert.equal(parseDuration(45, 0), 45);
  });

  it('names the file, line and problem for schema errors', () => {
    assert.equal(
      error(`${base}    health:\n      - { path: /health, port: "not a port!" }\n`),
      'slipway.yaml:8: services.api.health[0].port is not valid: A port number or a port name from the container or Service. Fix slipway.yaml and try again.',
    );
    assert.match(
      error(`${base}    replicas: 3\n`),
      /^slipway\.yaml:7: services\.api has an unknown key "replicas"\./,
    );
    assert.match(
      error(base.replace('deployment/api', 'pod/api')),
      /^slipway\.yaml:6: services\.api\.workload is not valid: The workload as KIND\/NAME/,
    );
    assert.match(
      error(base.replace('namespace: shop', 'nmespace: shop')),
      /^slipway\.yaml:3: environments\.staging/,
    );
  });

  it('reports YAML syntax errors and broken references with their lines', () => {
    assert.match(error(`${base}    image: [unclosed\n`), /^slipway\.yaml:\d+: /);
    assert.match(
      error(`${base}    migrations: db\n`),
      /^slipway\.yaml:7: services\.api\.migrations refers to "db", which is not under migrations\./,
    );
    assert.match(
      error(`${base}    manifests: { prod: k8s/ }\n`),
      /^slipway\.yaml:7: services\.api\.manifests names environment "prod", which is not under environments/,
    );
    assert.match(
      error(`${base}    strategy: { type: canary, canary: { steps: [{ weight: 50 }, { weight: 10 }] } }\n`),
      /must increase in weight \(50 then 10\)/,
    );
  });
});
