import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentFailure, type AgentError } from '../../protocol';
import schema from '../../schemas/slipway.schema.json';
import {
  WORKLOAD_KIND_NAMES,
  findProjectFile,
  loadProject,
  manifestsFor,
  parseDuration,
  parseProject,
  parseWorkloadRef,
  projectInfo,
} from './config';
import type { ProjectConfig, ServiceConfig } from './types';

const FIXTURES = join(__dirname, 'fixtures');

function fixture(name: string): ProjectConfig {
  return parseProject(readFileSync(join(FIXTURES, `${name}.slipway.yaml`), 'utf8'), '/repo/slipway.yaml');
}

function service(p: ProjectConfig, name: string): ServiceConfig {
  const s = p.services[name];
  assert.ok(s, `service ${name}`);
  return s;
}

function failure(text: string): AgentError {
  try {
    parseProject(text, '/repo/slipway.yaml');
  } catch (e) {
    if (e instanceof AgentFailure) return e.error;
    throw e;
  }
  assert.fail('expected an error');
}

const error = (text: string): string => failure(text).message;

// Lines 1-6; tests append to it, so their own lines start at 7.
const base = `version: 1
environments:
  staging: { context: staging-cluster, namespace: shop }
services:
  api:
    workload: deployment/api
`;

describe('slipway.yaml', () => {
  describe('describes each seed team’s setup', () => {
    it('reads all five fixtures', () => {
      const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.slipway.yaml'));
      assert.deepEqual(files.sort(), [
        'bharathva.slipway.yaml',
        'janua.slipway.yaml',
        'navo.slipway.yaml',
        'nova.slipway.yaml',
        'the-dot.slipway.yaml',
      ]);
      for (const f of files)
        assert.ok(Object.keys(fixture(f.replace('.slipway.yaml', '')).services).length > 0);
    });

    it('Navo: two Go services in one directory of manifests, a container named apart from its Deployment', () => {
      const p = fixture('navo');
      const core = service(p, 'core-service');
      assert.equal(core.container, 'core');
      assert.deepEqual(manifestsFor(core, 'production'), ['/repo/k8s']);
      assert.deepEqual(
        service(p, 'gateway').health.map((h) => `${h.path}:${h.port}`),
        ['/health/live:4000', '/health/ready:4000'],
      );
      assert.equal(service(p, 'gateway').migrations, 'db');
    });

    it('The Dot: one service on three clouds, each a protected environment with its own manifests', () => {
      const p = fixture('the-dot');
      assert.deepEqual(
        Object.values(p.environments).map((e) => [e.name, e.protected]),
        [
          ['aws', true],
          ['gcp', true],
          ['azure', true],
        ],
      );
      assert.equal(p.environments['aws']?.context, 'arn:aws:eks:us-west-2:123456789012:cluster/the-dot-prod');
      const auth = service(p, 'auth-service');
      assert.deepEqual(auth.workload, { kind: 'Deployment', name: 'auth-service' });
      assert.deepEqual(manifestsFor(auth, 'aws'), ['/repo/k8s', '/repo/k8s/aws']);
      assert.deepEqual(manifestsFor(auth, 'gcp'), ['/repo/k8s']);
    });

    it('Janua: pod and Service health checks, a list of manifest files', () => {
      const api = service(fixture('janua'), 'janua-api');
      assert.deepEqual(manifestsFor(api, 'staging'), [
        '/repo/k8s/deployment.yaml',
        '/repo/k8s/service.yaml',
        '/repo/k8s/ingress.yaml',
      ]);
      assert.deepEqual(api.health[1], {
        path: '/ready',
        port: 80,
        expect: 200,
        via: 'service',
        service: 'janua-api-service',
        timeoutSeconds: 5,
        retries: 3,
      });
    });

    it('BharathVA: phased rollout 5/25/50/100 over hours, with Spring actuator metrics', () => {
      const auth = service(fixture('bharathva'), 'auth-service');
      assert.equal(auth.strategy.type, 'canary');
      if (auth.strategy.type !== 'canary') return;
      assert.deepEqual(auth.strategy.canary.steps, [
        { weight: 5, pauseSeconds: 3600 },
        { weight: 25, pauseSeconds: 7200 },
        { weight: 50, pauseSeconds: 14400 },
        { weight: 100, pauseSeconds: 60 },
      ]);
      assert.deepEqual(auth.strategy.canary.gates, { maxRestarts: 0, maxErrorRate: 0.01, maxP95Ms: 500 });
      assert.deepEqual(auth.strategy.canary.metrics, { path: '/actuator/prometheus', port: 8081 });
    });

    it('Nova: kustomize overlays per environment, a readOnly audit environment, canary 5→50→100', () => {
      const p = fixture('nova');
      const auth = service(p, 'auth-service');
      assert.deepEqual(manifestsFor(auth, 'staging'), ['/repo/k8s/overlays/staging']);
      assert.deepEqual(manifestsFor(auth, 'production'), ['/repo/k8s/overlays/prod']);
      assert.deepEqual(manifestsFor(auth, 'audit'), ['/repo/k8s/base'], 'default applies to the rest');
      assert.deepEqual(manifestsFor(service(p, 'user-service'), 'audit'), [], 'no entry and no default');
      assert.equal(p.environments['audit']?.readOnly, true);
      assert.equal(auth.strategy.type, 'canary');
      if (auth.strategy.type !== 'canary') return;
      assert.deepEqual(auth.strategy.canary.workload, { kind: 'Deployment', name: 'auth-service-v1.0.0' });
      assert.deepEqual(
        auth.strategy.canary.steps.map((s) => s.weight),
        [5, 50, 100],
      );
      assert.deepEqual(p.migrations, {
        sqlx: {
          tool: 'sqlx',
          directory: 'migrations',
          history: 'slipway',
          schema: 'public',
          lockTimeout: '10s',
          statementTimeout: '0',
          backup: false,
        },
      });
    });
  });

  it('fills in the schema’s defaults', () => {
    const p = parseProject(
      `${base}    health: [{ path: /health, port: http }]
  worker:
    workload: ds/worker
    strategy: { type: canary, canary: { steps: [{ weight: 10 }, { weight: 100, pause: 90 }] } }
`,
      '/repo/slipway.yaml',
    );
    assert.deepEqual(p.environments['staging'], {
      name: 'staging',
      context: 'staging-cluster',
      namespace: 'shop',
      protected: false,
      readOnly: false,
    });
    assert.deepEqual(p.migrations, {});
    assert.deepEqual(p.services['api'], {
      name: 'api',
      workload: { kind: 'Deployment', name: 'api' },
      manifests: {},
      health: [{ path: '/health', port: 'http', expect: 200, via: 'pod', timeoutSeconds: 5, retries: 3 }],
      strategy: { type: 'rolling' },
    });
    assert.deepEqual(p.services['worker']?.strategy, {
      type: 'canary',
      canary: {
        steps: [
          { weight: 10, pauseSeconds: 60 },
          { weight: 100, pauseSeconds: 90 },
        ],
        gates: { maxRestarts: 0 },
        metrics: { path: '/metrics' },
      },
    });
    assert.equal(p.root, '/repo');
    assert.deepEqual(
      parseProject(
        'version: 1\nenvironments:\n  audit: { context: c, namespace: n, readOnly: true }\n',
        '/x/s.yaml',
      ).services,
      {},
      'a file may declare only guards',
    );
  });

  it('accepts YAML anchors and merge keys, reporting problems where the anchored value is written', () => {
    const text = `version: 1
environments:
  staging: &env { context: prod-cluster, namespace: shop }
  production: { <<: *env, protected: true }
services:
  api:
    workload: deployment/api
    health: &checks [{ path: /health, port: 80 }]
  web: { workload: deployment/web, health: *checks }
`;
    const p = parseProject(text, '/repo/slipway.yaml');
    assert.equal(p.environments['production']?.context, 'prod-cluster');
    assert.equal(p.environments['production']?.protected, true);
    assert.equal(p.services['web']?.health[0]?.path, '/health');
    assert.match(
      error(text.replace('namespace: shop', 'namespace: Shop')),
      /^slipway\.yaml:3: environments\.staging\.namespace /,
    );
  });

  it('summarises environments and services for pickers', () => {
    const info = projectInfo(fixture('nova'));
    assert.equal(info.file, '/repo/slipway.yaml');
    assert.deepEqual(info.environments[2], {
      name: 'audit',
      context: 'prod-cluster',
      namespace: 'nova-backend',
      protected: false,
      readOnly: true,
    });
    assert.deepEqual(info.services, [
      {
        name: 'auth-service',
        workload: { kind: 'Deployment', name: 'auth-service' },
        imageRepository: 'ghcr.io/nova/auth-service',
        strategy: 'canary',
        migrations: true,
      },
      {
        name: 'user-service',
        workload: { kind: 'Deployment', name: 'user-service' },
        imageRepository: 'ghcr.io/nova/user-service',
        strategy: 'rolling',
        migrations: false,
      },
    ]);
  });

  it('reads durations as seconds', () => {
    const cases: [number | string, number | undefined][] = [
      ['60s', 60],
      ['2m', 120],
      ['1m30s', 90],
      ['1h', 3600],
      ['1h2m3s', 3723],
      [45, 45],
      [0, 0],
      ['', undefined],
      ['5', undefined],
      ['1s2m', undefined],
      ['1.5m', undefined],
      [-1, undefined],
    ];
    for (const [text, seconds] of cases) assert.equal(parseDuration(text), seconds, String(text));
  });

  it('reads workload references in any case, with kubectl’s short names', () => {
    assert.deepEqual(parseWorkloadRef('deployment/api'), { kind: 'Deployment', name: 'api' });
    assert.deepEqual(parseWorkloadRef('Deployment/api'), { kind: 'Deployment', name: 'api' });
    assert.deepEqual(parseWorkloadRef('STATEFULSET/db'), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(parseWorkloadRef('sts/db'), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(parseWorkloadRef('DaemonSet/agent'), { kind: 'DaemonSet', name: 'agent' });
    assert.deepEqual(parseWorkloadRef('ds/agent'), { kind: 'DaemonSet', name: 'agent' });
    for (const bad of ['pod/api', 'deployment/', 'api', 'deployment/a/b', '/api']) {
      assert.equal(parseWorkloadRef(bad), undefined, bad);
    }
  });

  it('admits in the schema exactly the workload kinds the loader reads', () => {
    const pattern = new RegExp(schema.definitions.workloadRef.pattern, 'u');
    for (const kind of WORKLOAD_KIND_NAMES) {
      for (const spelled of [kind, kind.toUpperCase(), kind[0]!.toUpperCase() + kind.slice(1)]) {
        assert.ok(pattern.test(`${spelled}/api`), spelled);
        assert.ok(parseWorkloadRef(`${spelled}/api`), spelled);
      }
    }
    for (const bad of [
      'pod/api',
      'job/x',
      'deployment/API',
      'deployment/-x',
      'deployment/a/b',
      'deployment/',
    ]) {
      assert.ok(!pattern.test(bad), bad);
    }
  });

  describe('schema', () => {
    type Json = { [key: string]: unknown };
    const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
    const definitions: Json = schema.definitions;
    const walk = (node: unknown, at: string, visit: (s: Json, at: string) => void): void => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`, visit));
      if (!isObject(node)) return;
      visit(node, at);
      for (const [k, v] of Object.entries(node))
        if (k !== 'examples' && k !== 'default') walk(v, `${at}/${k}`, visit);
    };

    it('documents every property for the editor’s hovers', () => {
      const undocumented: string[] = [];
      walk(schema, '#', (s, at) => {
        if (!isObject(s['properties'])) return;
        for (const [name, p] of Object.entries(s['properties'])) {
          // `if` and `then` only restate properties declared beside them.
          if (!isObject(p) || /\/(if|then)$/.test(at)) continue;
          const ref =
            typeof p['$ref'] === 'string' ? definitions[p['$ref'].replace('#/definitions/', '')] : {};
          if (
            typeof p['description'] !== 'string' &&
            !(isObject(ref) && typeof ref['description'] === 'string')
          ) {
            undocumented.push(`${at}/properties/${name}`);
          }
        }
      });
      assert.deepEqual(undocumented, []);
    });

    it('words a "Must …" sentence for every value a pattern or a choice can reject', () => {
      const missing: string[] = [];
      walk(schema, '#', (s, at) => {
        const inBranch = /\/oneOf\/\d+$/.test(at);
        if ((s['pattern'] !== undefined && !inBranch) || s['oneOf'] !== undefined) {
          if (typeof s['errorMessage'] !== 'string') missing.push(at);
        }
        if (typeof s['errorMessage'] === 'string' && !s['errorMessage'].startsWith('Must ')) missing.push(at);
      });
      assert.deepEqual(missing, []);
    });
  });

  describe('names file, line and problem, with a next step', () => {
    const cases: [string, string, string][] = [
      [
        'a port that is neither number nor name',
        `${base}    health:\n      - { path: /health, port: "not a port!" }\n`,
        'slipway.yaml:8: services.api.health[0].port must be a port number (1-65535) or a port name such as http. Fix slipway.yaml and try again.',
      ],
      [
        'an unknown key',
        `${base}    replicas: 3\n`,
        'slipway.yaml:7: services.api has an unknown key "replicas". Remove it; the keys here are workload, image, container, manifests, health, migrations, strategy.',
      ],
      [
        'several unknown keys',
        `${base}    image: x\n    replicas: 3\n    port: 80\n`,
        'slipway.yaml:8: services.api has unknown keys "replicas" and "port". Remove them; the keys here are workload, image, container, manifests, health, migrations, strategy.',
      ],
      [
        'a misspelt key, rather than the key it lacks',
        'version: 1\nenvironments:\n  staging:\n    context: c\n    nmespace: shop\n',
        'slipway.yaml:5: environments.staging has an unknown key "nmespace". Did you mean "namespace"?',
      ],
      [
        'a key in the wrong case',
        base.replace('namespace: shop', 'namespace: shop, readonly: true'),
        'slipway.yaml:3: environments.staging has an unknown key "readonly". Did you mean "readOnly"?',
      ],
      [
        'a missing key, with an example',
        'version: 1\nenvironments:\n  staging:\n    context: c\n',
        'slipway.yaml:3: environments.staging has no namespace. Add it, e.g. namespace: nova-backend.',
      ],
      [
        'a missing key whose example lives in a definition',
        `${base}    health:\n      - path: /health\n`,
        'slipway.yaml:8: services.api.health[0] has no port. Add it, e.g. port: 8080.',
      ],
      [
        'another format version',
        base.replace('version: 1', 'version: 2'),
        'slipway.yaml:1: version must be 1, the only format version Slipway reads. Fix slipway.yaml and try again.',
      ],
      [
        'a workload of another kind',
        base.replace('deployment/api', 'pod/api'),
        'slipway.yaml:6: services.api.workload must be KIND/NAME with KIND deployment, statefulset or daemonset, e.g. deployment/auth-service. Fix slipway.yaml and try again.',
      ],
      [
        'an image with a tag',
        `${base}    image: ghcr.io/shop/api:1.0\n`,
        'slipway.yaml:7: services.api.image must be an image repository without tag or digest, e.g. ghcr.io/nova/auth-service (deploys add the tag). Fix slipway.yaml and try again.',
      ],
      [
        'a namespace Kubernetes would refuse',
        base.replace('namespace: shop', 'namespace: Shop'),
        "slipway.yaml:3: environments.staging.namespace must be a Kubernetes namespace name: lowercase letters, digits and '-', at most 63 characters. Fix slipway.yaml and try again.",
      ],
      [
        'an environment named default',
        base.replace('staging:', 'default:'),
        "slipway.yaml:3: the name \"default\" in environments must start with a letter or digit, use only letters, digits, '-', '_' and '.', and not be 'default' (manifests use 'default' for every environment not listed). Fix slipway.yaml and try again.",
      ],
      [
        'canary as a bare word',
        `${base}    strategy: canary\n`,
        'slipway.yaml:7: services.api.strategy must be rolling, or { type: canary, canary: { steps: [...] } } for a canary rollout. Fix slipway.yaml and try again.',
      ],
      [
        'a canary strategy without its settings',
        `${base}    strategy:\n      type: canary\n`,
        'slipway.yaml:7: services.api.strategy has no canary. Add it, e.g. canary: { steps: [ { weight: 5, pause: 2m }, { weight: 100 } ] }.',
      ],
      [
        'canary settings on a rolling strategy',
        `${base}    strategy: { type: rolling, canary: { steps: [{ weight: 5 }] } }\n`,
        'slipway.yaml:7: services.api.strategy must not have canary settings unless type is canary. Fix slipway.yaml and try again.',
      ],
      [
        'a weight above 100, deep in a block',
        `${base}    strategy:\n      type: canary\n      canary:\n        steps:\n          - weight: 5\n          - weight: 150\n`,
        'slipway.yaml:12: services.api.strategy.canary.steps[1].weight must be at most 100. Fix slipway.yaml and try again.',
      ],
      [
        'weights that do not rise',
        `${base}    strategy:\n      type: canary\n      canary:\n        steps:\n          - { weight: 50 }\n          - { weight: 10 }\n`,
        'slipway.yaml:12: services.api.strategy.canary.steps[1].weight must be higher than the step before (50), not 10. List the steps in rising order, e.g. 5, 50, 100.',
      ],
      [
        'a pause that is no duration',
        `${base}    strategy:\n      type: canary\n      canary:\n        steps:\n          - { weight: 5, pause: 5 minutes }\n`,
        'slipway.yaml:11: services.api.strategy.canary.steps[0].pause must be a duration such as 30s, 2m, 1m30s or 1h, or a number of seconds. Fix slipway.yaml and try again.',
      ],
      [
        'the canary workload being the stable one',
        `${base}    strategy: { type: canary, canary: { workload: Deployment/api, steps: [{ weight: 5 }] } }\n`,
        "slipway.yaml:7: services.api.strategy.canary.workload is the service's own workload, but the canary runs beside it. Name a second workload, or leave it out to let Slipway create api-canary.",
      ],
      [
        'manifests for an undeclared environment',
        `${base}    manifests:\n      default: k8s/\n      prod: k8s/prod\n`,
        'slipway.yaml:9: services.api.manifests names environment "prod", which is not under environments. Use one of staging, default, or add prod to environments.',
      ],
      [
        'a manifests entry that is no path',
        `${base}    manifests:\n      staging: 5\n`,
        'slipway.yaml:8: services.api.manifests.staging must be a path relative to slipway.yaml, or a list of paths. Fix slipway.yaml and try again.',
      ],
      [
        'a migrations reference to nothing',
        `${base}    migrations: db\nmigrations:\n  flyway: { tool: flyway, directory: sql }\n`,
        'slipway.yaml:7: services.api.migrations names "db", which is not under migrations. Use one of flyway, or add migrations.db.',
      ],
      [
        'a migration set that is not a mapping',
        `${base}migrations:\n  db: flyway\n`,
        'slipway.yaml:8: migrations.db must be a mapping that describes the migration set (tool, directory, database). Fix slipway.yaml and try again.',
      ],
      [
        'a migration set’s Secret without its key',
        `${base}    migrations: db\nmigrations:\n  db: { directory: m, database: { secret: { name: app-db } } }\n`,
        'slipway.yaml:9: migrations.db.database.secret has no key. Add it, e.g. key: DATABASE_URL.',
      ],
      [
        'a database URL of another database',
        `${base}    migrations: db\nmigrations:\n  db: { directory: m, database: { url: 'mysql://x@y/z' } }\n`,
        'slipway.yaml:9: migrations.db.database.url must be a postgresql:// URL. Fix slipway.yaml and try again.',
      ],
      [
        'two database sources at once',
        `${base}    migrations: db\nmigrations:\n  db: { directory: m, database: { url: postgresql://a@b/c, env: X } }\n`,
        'slipway.yaml:9: migrations.db.database must name exactly one of url, env or secret. Fix slipway.yaml and try again.',
      ],
      [
        'a per-environment database with something else than a source',
        `${base}    migrations: db\nmigrations:\n  db: { directory: m, database: { staging: { host: x } } }\n`,
        'slipway.yaml:9: migrations.db.database.staging has an unknown key "host". Remove it; the keys here are url, env, secret.',
      ],
      [
        'a Service named for a check that calls pods',
        `${base}    health:\n      - { path: /health, port: 80, service: api }\n`,
        'slipway.yaml:8: services.api.health[0].service names a Service, but the check calls pods. Add via: service to call the Service, or remove service.',
      ],
      [
        'the first of several problems in the file',
        'version: 1\nenvironments:\n  staging: { context: c, namespace: n }\nservices:\n  a:\n    workload: pod/a\n  b:\n    workload: deployment/b\n    replicas: 2\n',
        'slipway.yaml:6: services.a.workload must be KIND/NAME with KIND deployment, statefulset or daemonset, e.g. deployment/auth-service. Fix slipway.yaml and try again.',
      ],
      [
        'no environments',
        'version: 1\nservices: {}\n',
        'slipway.yaml:1: the top level has no environments. Add it, e.g. environments: { staging: { context: staging-cluster, namespace: shop }, production: { context: prod-cluster, namespace: shop, protected: true } }.',
      ],
      [
        'a list where a mapping belongs',
        'version: 1\nenvironments:\n  staging: { context: c, namespace: n }\nservices:\n  - api\n',
        'slipway.yaml:4: services must be a mapping (key: value lines). Fix slipway.yaml and try again.',
      ],
      [
        'an empty file',
        '# nothing yet\n',
        'slipway.yaml:1: the file is empty. Start it with version: 1 and your environments and services.',
      ],
      [
        'unclosed YAML',
        `${base}    image: [unclosed\n`,
        'slipway.yaml:8: Flow sequence in block collection must be sufficiently indented and end with a ]. Fix slipway.yaml and try again.',
      ],
      [
        'a key written twice',
        `${base}    workload: deployment/b\n`,
        'slipway.yaml:7: the key "workload" appears twice in one mapping. Fix slipway.yaml and try again.',
      ],
      [
        'a tab as indentation',
        `${base}\timage: x\n`,
        'slipway.yaml:7: Tabs are not allowed as indentation. Fix slipway.yaml and try again.',
      ],
      [
        'two YAML documents',
        `${base}---\nversion: 1\n`,
        'slipway.yaml:7: the file holds more than one YAML document (---), but slipway.yaml is a single document. Fix slipway.yaml and try again.',
      ],
    ];
    for (const [what, text, message] of cases) {
      it(what, () => assert.equal(error(text), message));
    }

    it('as INVALID, with the absolute file and line in detail', () => {
      const e = failure(`${base}    replicas: 3\n`);
      assert.equal(e.code, 'INVALID');
      assert.equal(e.detail, '/repo/slipway.yaml:7');
    });
  });

  describe('in a workspace folder', () => {
    let dir = '';
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'slipway-project-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is NOT_FOUND, with what to do, when the folder has none', () => {
      assert.equal(findProjectFile(dir), undefined);
      assert.throws(
        () => loadProject(dir),
        (e: unknown) =>
          e instanceof AgentFailure &&
          e.error.code === 'NOT_FOUND' &&
          e.error.message ===
            `No slipway.yaml in ${dir}. Create one (see the README's "Deploying" section) or deploy a manifest path instead.`,
      );
    });

    it('loads slipway.yml too, resolving paths against its folder', () => {
      writeFileSync(join(dir, 'slipway.yml'), `${base}    manifests: k8s/api.yaml\n`);
      assert.equal(findProjectFile(dir), join(dir, 'slipway.yml'));
      const p = loadProject(dir);
      assert.equal(p.file, join(dir, 'slipway.yml'));
      assert.deepEqual(manifestsFor(service(p, 'api'), 'staging'), [join(dir, 'k8s', 'api.yaml')]);
    });

    it('prefers slipway.yaml over slipway.yml', () => {
      writeFileSync(join(dir, 'slipway.yml'), base);
      writeFileSync(join(dir, 'slipway.yaml'), base);
      assert.equal(findProjectFile(dir), join(dir, 'slipway.yaml'));
    });
  });
});
