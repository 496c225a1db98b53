import { strict as assert } from 'node:assert';
import { OpenApiPublisher } from './openapi';
import { Registry, type ResourceType } from './registry';
import { type Json, type JsonObject, isJsonObject } from './types';

/** Walks into a JSON document by keys, failing the test when a step is missing. */
function at(doc: Json | undefined, ...keys: string[]): JsonObject {
  let cur: Json | undefined = doc;
  for (const k of keys) {
    assert.ok(isJsonObject(cur), `expected an object before ${k}`);
    cur = cur[k];
  }
  assert.ok(isJsonObject(cur), `expected an object at ${keys.join(' > ')}`);
  return cur;
}

function schemas(doc: JsonObject | undefined): JsonObject {
  return at(doc, 'components', 'schemas');
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
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ct'],
    categories: [],
    subresources: ['status', 'scale'],
    crd: { printerColumns: [], schema },
  };
}

const CRONTAB_SCHEMA = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer' } } },
  },
};

/** Every PATCH operation in a v3 document, with the GVK it is tagged with. */
function patchOperations(doc: JsonObject): { path: string; op: JsonObject }[] {
  const out: { path: string; op: JsonObject }[] = [];
  for (const [path, item] of Object.entries(at(doc, 'paths'))) {
    if (isJsonObject(item) && isJsonObject(item['patch'])) out.push({ path, op: item['patch'] });
  }
  return out;
}

function paramNames(op: JsonObject): Json[] {
  const params = op['parameters'];
  assert.ok(Array.isArray(params));
  return params.map((p) => (isJsonObject(p) ? (p['name'] ?? null) : null));
}

/** Reads the length-delimited fields of one protobuf message level: field number → payloads. */
function protoFields(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  let i = 0;
  const varint = (): number => {
    let shift = 0;
    let value = 0;
    for (;;) {
      const b = bytes[i++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  };
  while (i < bytes.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else {
      assert.equal(wire, 2, 'only varint, 64-bit and length-delimited fields are written');
      const len = varint();
      out.set(tag >> 3, [...(out.get(tag >> 3) ?? []), bytes.subarray(i, i + len)]);
      i += len;
    }
  }
  return out;
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

describe('OpenApiPublisher', () => {
  const publisher = new OpenApiPublisher(new Registry());
  const apps = publisher.v3Group('apis/apps/v1');

  it('lists every registry group version in the v3 index with a content-hash URL (kubectl fetches docs by it)', () => {
    const paths = at(publisher.v3Index(), 'paths');
    const registry = new Registry();
    for (const { group, versions } of registry.groups()) {
      for (const v of versions) {
        const key = group === '' ? `api/${v}` : `apis/${group}/${v}`;
        const url = at(paths, key)['serverRelativeURL'];
        assert.match(String(url), new RegExp(`^/openapi/v3/${key}\\?hash=[0-9A-F]{128}$`));
      }
    }
    assert.equal(publisher.v3Group('/apis/nope.example.com/v1'), undefined);
  });

  it('tags the Deployment schema with its GVK and publishes the merge table on containers (client-side apply merges lists like the sandbox)', () => {
    const s = schemas(apps);
    assert.deepEqual(at(s, 'io.k8s.api.apps.v1.Deployment')['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    const containers = at(s, 'io.k8s.api.core.v1.PodSpec', 'properties', 'containers');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.deepEqual(at(containers, 'items'), { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
    const ports = at(s, 'io.k8s.api.core.v1.Container', 'properties', 'ports');
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
    const finalizers = at(s, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'properties', 'finalizers');
    assert.equal(finalizers['x-kubernetes-list-type'], 'set');
  });

  it('publishes atomic where the table names a merge key the element lacks (kubectl would fail the patch)', () => {
    const core = schemas(publisher.v3Group('api/v1'));
    const addresses = at(core, 'io.k8s.api.core.v1.EndpointSubset', 'properties', 'addresses');
    assert.equal(addresses['x-kubernetes-list-type'], 'atomic');
    assert.equal(addresses['x-kubernetes-patch-merge-key'], undefined);
    assert.equal(
      at(core, 'io.k8s.api.core.v1.NodeStatus', 'properties', 'addresses')['x-kubernetes-patch-merge-key'],
      'type',
    );
  });

  it('describes fields, types, required lists, IntOrString and Quantity like the real schemas', () => {
    const s = schemas(apps);
    const spec = at(s, 'io.k8s.api.apps.v1.DeploymentSpec');
    assert.deepEqual(spec['required'], ['selector', 'template']);
    assert.match(String(at(spec, 'properties', 'replicas')['description']), /Number of desired pods/);
    assert.deepEqual(
      { ...at(spec, 'properties', 'replicas'), description: '' },
      { description: '', type: 'integer', format: 'int32' },
    );
    assert.deepEqual(at(s, 'io.k8s.api.apps.v1.RollingUpdateDeployment', 'properties', 'maxSurge'), {
      $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    });
    assert.equal(
      at(s, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString')['x-kubernetes-int-or-string'],
      true,
    );
    assert.deepEqual(
      at(s, 'io.k8s.api.core.v1.ResourceRequirements', 'properties', 'limits', 'additionalProperties'),
      {
        $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
      },
    );
    const metadata = at(s, 'io.k8s.api.apps.v1.Deployment', 'properties', 'metadata');
    assert.deepEqual(metadata['allOf'], [
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    ]);
    assert.equal(at(s, 'io.k8s.api.core.v1.Container')['required'] !== undefined, true);
  });

  it('names nested types by their Go package, as the real documents do', () => {
    const s = schemas(apps);
    assert.ok('io.k8s.api.core.v1.PersistentVolumeClaim' in s, 'StatefulSet reaches a core type');
    assert.ok('io.k8s.api.autoscaling.v1.Scale' in s, 'the scale subresource body');
    const storage = schemas(publisher.v3Group('apis/storage.k8s.io/v1'));
    assert.ok('io.k8s.api.core.v1.TopologySelectorTerm' in storage);
    for (const name of Object.keys(s)) {
      assert.match(name, /^io\.k8s\.(api\.[a-z]+\.v\d\w*|apimachinery\.pkg\.[a-z0-9.]+)\.[A-Z]\w*$/, name);
    }
  });

  it('has PATCH with inline fieldValidation and dryRun on the deployments path (kubectl turns on server-side validation)', () => {
    const item = at(apps, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    const patch = at(item, 'patch');
    assert.ok(paramNames(patch).includes('fieldValidation'));
    assert.ok(paramNames(patch).includes('dryRun'));
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
      group: 'apps',
      kind: 'Deployment',
      version: 'v1',
    });
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.ok('application/strategic-merge-patch+json' in at(patch, 'requestBody', 'content'));
    assert.ok(paramNames(at(item, 'put')).includes('fieldValidation'));
    assert.ok(
      paramNames(at(apps, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments', 'post')).includes(
        'dryRun',
      ),
    );
  });

  it('puts fieldValidation on every PATCH operation, since kubectl stops at the first one with the GVK in map order', () => {
    for (const doc of [apps, publisher.v3Group('api/v1')]) {
      const patches = patchOperations(doc!);
      assert.ok(patches.length > 10);
      for (const { path, op } of patches) assert.ok(paramNames(op).includes('fieldValidation'), path);
    }
  });

  it('tags the list operation with the same GVK object as the schema (kubectl explain matches them by deep equality)', () => {
    const list = at(apps, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments', 'get');
    const schemaGvks = at(schemas(apps), 'io.k8s.api.apps.v1.Deployment')['x-kubernetes-group-version-kind'];
    assert.ok(Array.isArray(schemaGvks));
    assert.deepEqual(schemaGvks[0], list['x-kubernetes-group-version-kind']);
    const ns = at(publisher.v3Group('api/v1'), 'paths', '/api/v1/namespaces', 'get');
    assert.deepEqual(ns['x-kubernetes-group-version-kind'], { group: '', kind: 'Namespace', version: 'v1' });
  });

  it('builds a Swagger 2.0 document with definitions and paths (for clients that read v2)', () => {
    const v2 = publisher.v2();
    assert.equal(v2['swagger'], '2.0');
    const defs = at(v2, 'definitions');
    assert.ok('io.k8s.api.apps.v1.Deployment' in defs);
    assert.deepEqual(
      at(defs, 'io.k8s.api.apps.v1.Deployment', 'properties', 'spec')['$ref'],
      '#/definitions/io.k8s.api.apps.v1.DeploymentSpec',
    );
    assert.deepEqual(at(defs, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString')['type'], 'string');
    assert.ok(!JSON.stringify(v2).includes('#/components/'));
    const patch = at(v2, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch');
    assert.ok(
      Array.isArray(patch['consumes']) &&
        patch['consumes'].includes('application/strategic-merge-patch+json'),
    );
    assert.ok(paramNames(patch).includes('fieldValidation'));
    assert.ok(paramNames(patch).includes('body'));
  });

  it('encodes the v2 document as gnostic protobuf (client-go only parses that form)', () => {
    const doc = protoFields(publisher.v2Protobuf());
    assert.equal(text(doc.get(1)?.[0]), '2.0');
    const definitions = protoFields(doc.get(9)![0]!).get(1)!;
    assert.equal(definitions.length, Object.keys(at(publisher.v2(), 'definitions')).length);
    const names = definitions.map((d) => text(protoFields(d).get(1)?.[0]));
    const deployment = protoFields(definitions[names.indexOf('io.k8s.api.apps.v1.Deployment')]!);
    const extension = protoFields(deployment.get(2)![0]!).get(31)!;
    const named = protoFields(extension[0]!);
    assert.equal(text(named.get(1)?.[0]), 'x-kubernetes-group-version-kind');
    assert.deepEqual(JSON.parse(text(protoFields(named.get(2)![0]!).get(2)?.[0])), [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
  });

  it('publishes hand-written metrics.k8s.io schemas', () => {
    const metrics = schemas(publisher.v3Group('apis/metrics.k8s.io/v1beta1'));
    assert.deepEqual(
      at(metrics, 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics')['x-kubernetes-group-version-kind'],
      [{ group: 'metrics.k8s.io', kind: 'PodMetrics', version: 'v1beta1' }],
    );
    assert.ok('io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetricsList' in metrics);
  });
});

describe('OpenApiPublisher with custom resources', () => {
  it('adds a CRD schema on registry.add and drops it on remove (explain and validation follow CRDs)', () => {
    const registry = new Registry();
    const publisher = new OpenApiPublisher(registry);
    assert.equal(publisher.v3Group('apis/stable.example.com/v1'), undefined);
    registry.add(crdType(CRONTAB_SCHEMA));
    assert.ok('apis/stable.example.com/v1' in at(publisher.v3Index(), 'paths'));
    const doc = publisher.v3Group('apis/stable.example.com/v1');
    const crontab = at(schemas(doc), 'com.example.stable.v1.CronTab');
    assert.deepEqual(crontab['x-kubernetes-group-version-kind'], [
      { group: 'stable.example.com', kind: 'CronTab', version: 'v1' },
    ]);
    assert.equal(at(crontab, 'properties', 'spec', 'properties', 'cronSpec')['type'], 'string');
    assert.ok('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' in schemas(doc));
    assert.ok('com.example.stable.v1.CronTab' in at(publisher.v2(), 'definitions'));
    registry.remove('stable.example.com', 'crontabs');
    assert.equal(publisher.v3Group('apis/stable.example.com/v1'), undefined);
    assert.ok(!('apis/stable.example.com/v1' in at(publisher.v3Index(), 'paths')));
    assert.ok(!('com.example.stable.v1.CronTab' in at(publisher.v2(), 'definitions')));
  });

  it('offers custom resources no strategic merge patch, so kubectl apply sends a JSON merge patch', () => {
    const registry = new Registry();
    const publisher = new OpenApiPublisher(registry);
    registry.add(crdType(CRONTAB_SCHEMA));
    const doc = publisher.v3Group('apis/stable.example.com/v1')!;
    const patch = at(
      doc,
      'paths',
      '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}',
      'patch',
    );
    assert.ok(!('application/strategic-merge-patch+json' in at(patch, 'requestBody', 'content')));
    assert.ok(paramNames(patch).includes('fieldValidation'));
    const scale = at(
      doc,
      'paths',
      '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale',
      'patch',
    );
    assert.deepEqual(scale['x-kubernetes-group-version-kind'], {
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
    assert.ok('io.k8s.api.autoscaling.v1.Scale' in schemas(doc));
  });

  it('takes a schema from addCustomResource and changes only that group version’s hash (cached docs stay valid)', () => {
    const registry = new Registry();
    const publisher = new OpenApiPublisher(registry);
    const appsBefore = publisher.v3Group('apis/apps/v1');
    registry.add(crdType(undefined));
    const open = at(
      schemas(publisher.v3Group('apis/stable.example.com/v1')),
      'com.example.stable.v1.CronTab',
    );
    assert.equal(open['x-kubernetes-preserve-unknown-fields'], true);
    const hash = publisher.v3Hash('apis/stable.example.com/v1');
    publisher.addCustomResource(crdType(undefined), CRONTAB_SCHEMA);
    assert.notEqual(publisher.v3Hash('apis/stable.example.com/v1'), hash);
    const typed = at(
      schemas(publisher.v3Group('apis/stable.example.com/v1')),
      'com.example.stable.v1.CronTab',
    );
    assert.ok('spec' in at(typed, 'properties'));
    assert.equal(publisher.v3Group('apis/apps/v1'), appsBefore, 'apps/v1 was not rebuilt');
  });
});
