import { strict as assert } from 'node:assert';
import { ApiError } from './errors';
import {
  checkAppliedObject,
  checkPatchedObject,
  checkWriteBody,
  findUnknownFields,
  formatPath,
  formatTypedPath,
  parseFieldValidation,
  unknownFields,
  warningHeader,
} from './field-validation';
import { OpenApiPublisher } from './openapi';
import { Registry, type ResourceType } from './registry';
import type { JsonObject } from './types';

const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };

function deployment(extra: { spec?: JsonObject; top?: JsonObject } = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'a/b': 'c' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '100m', memory: '64Mi' } },
              env: [{ name: 'A', value: '1' }],
            },
          ],
        },
      },
      ...extra.spec,
    },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
    ...extra.top,
  };
}

function crdType(schema: unknown): ResourceType {
  return {
    group: 'stable.example.com',
    version: 'v1',
    kind: 'CronTab',
    listKind: 'CronTabList',
    plural: 'crontabs',
    singular: 'crontab',
    namespaced: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: [],
    categories: [],
    subresources: [],
    crd: { printerColumns: [], schema },
  };
}

function thrown(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e;
  }
  assert.fail('expected an ApiError');
}

describe('field validation', () => {
  const registry = new Registry();
  const openapi = new OpenApiPublisher(registry);
  after(() => openapi.dispose());
  const paths = (t: typeof DEPLOYMENT, body: unknown) => unknownFields(openapi, t, body).map(formatPath);

  it('accepts a full Deployment, metadata, status, maps, quantities and int-or-strings included', () => {
    assert.deepEqual(paths(DEPLOYMENT, deployment()), []);
  });

  it('finds unknown fields at any depth, with list indexes, like the strict decoder', () => {
    const body = deployment({ spec: { replicaz: 3 }, top: { extra: true } });
    const containers = [
      { name: 'app', image: 'nginx', imagez: 'x' },
      { name: 'b', ports: [{ port: 1 }] },
    ];
    (((body['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject)['containers'] =
      containers;
    (body['metadata'] as JsonObject)['spec'] = {};
    assert.deepEqual(paths(DEPLOYMENT, body).sort(), [
      'extra',
      'metadata.spec',
      'spec.replicaz',
      'spec.template.spec.containers[0].imagez',
      'spec.template.spec.containers[1].ports[0].port',
    ]);
  });

  it('names map-list elements by key in the typed (server-side apply) format', () => {
    const body = deployment();
    const spec = ((body['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
    spec['containers'] = [{ name: 'app', image: 'nginx', imagez: 'x' }];
    const found = unknownFields(openapi, DEPLOYMENT, body);
    assert.deepEqual(found.map(formatTypedPath), ['.spec.template.spec.containers[name="app"].imagez']);
  });

  it('follows $ref, allOf wrappers, additionalProperties and preserve-unknown-fields in plain schemas', () => {
    const lookup = (name: string): JsonObject | undefined =>
      name === 'Inner' ? { type: 'object', properties: { a: { type: 'string' } } } : undefined;
    const root: JsonObject = {
      type: 'object',
      properties: {
        inner: { description: 'x', allOf: [{ $ref: '#/components/schemas/Inner' }] },
        byName: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Inner' } },
        open: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { k: lookup('Inner')! },
        },
        anything: {},
      },
    };
    const value = {
      inner: { a: 'x', b: 1 },
      byName: { one: { a: 'x' }, two: { c: 1 } },
      open: { free: 1, k: { a: 'x', z: 1 } },
      anything: { deep: { er: 1 } },
      nope: null,
    };
    assert.deepEqual(findUnknownFields(root, lookup, value).map(formatPath), [
      'inner.b',
      'byName.two.c',
      'open.k.z',
      'nope',
    ]);
  });

  it('checks custom resources against their CRD schema, and leaves schemaless ones open', () => {
    const r = new Registry();
    const pub = new OpenApiPublisher(r);
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            cron: { type: 'string' },
            blob: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      },
    };
    r.add(crdType(schema));
    const gvk = { group: 'stable.example.com', version: 'v1', kind: 'CronTab' };
    const body = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' } };
    const found = unknownFields(pub, gvk, { ...body, spec: { cron: '*', cronz: 1, blob: { any: 1 } } });
    assert.deepEqual(found.map(formatPath), ['spec.cronz']);
    r.remove('stable.example.com', 'crontabs');
    r.add(crdType(undefined));
    assert.deepEqual(unknownFields(pub, gvk, { ...body, spec: { whatever: 1 } }), []);
    pub.dispose();
  });

  it('parses fieldValidation: Warn by default, rejects unknown directives like upstream options validation', () => {
    assert.equal(parseFieldValidation(new URLSearchParams(), 'CreateOptions'), 'Warn');
    assert.equal(
      parseFieldValidation(new URLSearchParams('fieldValidation=Strict'), 'CreateOptions'),
      'Strict',
    );
    assert.equal(
      parseFieldValidation(new URLSearchParams('fieldValidation=Ignore'), 'PatchOptions'),
      'Ignore',
    );
    const e = thrown(() =>
      parseFieldValidation(new URLSearchParams('fieldValidation=strict'), 'PatchOptions'),
    );
    assert.equal(e.code, 422);
    assert.equal(
      e.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });

  it('fails Strict creates with the decoder message, warns for Warn, says nothing for Ignore', () => {
    const body = deployment({ spec: { replicaz: 3, other: 1 } });
    const e = thrown(() => checkWriteBody(openapi, DEPLOYMENT, 'Strict', body));
    assert.equal(e.code, 400);
    assert.equal(
      e.message,
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicaz", unknown field "spec.other"',
    );
    assert.deepEqual(checkWriteBody(openapi, DEPLOYMENT, 'Warn', body), [
      'unknown field "spec.replicaz"',
      'unknown field "spec.other"',
    ]);
    assert.deepEqual(checkWriteBody(openapi, DEPLOYMENT, 'Ignore', body), []);
    assert.deepEqual(checkWriteBody(openapi, DEPLOYMENT, 'Strict', deployment()), []);
  });

  it('checks patched objects for new unknown fields only, with the bare strict message', () => {
    const live = deployment({ spec: { old: 1 } });
    const result = deployment({ spec: { old: 1, replicaz: 3 } });
    const e = thrown(() => checkPatchedObject(openapi, DEPLOYMENT, 'Strict', live, result));
    assert.equal(e.message, 'strict decoding error: unknown field "spec.replicaz"');
    assert.deepEqual(checkPatchedObject(openapi, DEPLOYMENT, 'Strict', live, live), []);
  });

  it('fails server-side apply of unknown fields whatever the directive, as structured-merge-diff does', () => {
    const e = thrown(() =>
      checkAppliedObject(openapi, DEPLOYMENT, 'default', 'web', deployment({ spec: { replicaz: 3 } })),
    );
    assert.equal(e.code, 500);
    assert.equal(
      e.message,
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema',
    );
    checkAppliedObject(openapi, DEPLOYMENT, 'default', 'web', deployment());
  });

  it('quotes warnings for the Warning header', () => {
    assert.equal(
      warningHeader(['unknown field "spec.replicaz"', 'a\\b']),
      '299 - "unknown field \\"spec.replicaz\\"", 299 - "a\\\\b"',
    );
  });
});
