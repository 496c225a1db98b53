import { strict as assert } from 'node:assert';
import { type JsonObject, type KObject, clone } from '../types';
import { type UpdateArgs, decodeManagedFields, encodeManagedFields, recordUpdate } from './managed-fields';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:00:01Z';
const T2 = '2024-05-01T10:00:02Z';

function configMap(data: Record<string, string>): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data };
}

function deployment(image: string, replicas = 1): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      },
    },
  };
}

function record(args: Partial<UpdateArgs> & { after: KObject; manager: string }): KObject {
  return recordUpdate({
    kind: args.after.kind,
    apiVersion: args.after.apiVersion,
    before: undefined,
    now: T0,
    ...args,
  });
}

/** A write by `manager` that changes the stored object with `change`. */
function write(
  before: KObject,
  manager: string,
  now: string,
  change: (o: KObject) => void,
  subresource?: string,
): KObject {
  const after = clone(before);
  change(after);
  const args: UpdateArgs = { kind: before.kind, apiVersion: before.apiVersion, before, after, manager, now };
  if (subresource !== undefined) args.subresource = subresource;
  return recordUpdate(args);
}

function entryOf(object: KObject, manager: string): JsonObject | undefined {
  return object.metadata.managedFields?.find((e) => e['manager'] === manager);
}

function fieldsOf(object: KObject, manager: string): string {
  return JSON.stringify(entryOf(object, manager)?.['fieldsV1'] ?? null);
}

function spec(object: KObject): JsonObject {
  return object['spec'] as JsonObject;
}

function container(object: KObject): JsonObject {
  const template = spec(object)['template'] as JsonObject;
  return ((template['spec'] as JsonObject)['containers'] as JsonObject[])[0]!;
}

describe('managedFields for non-apply writes', () => {
  describe('create', () => {
    it('a create makes the creator own every field, with "." on the maps it added', () => {
      const object = record({ after: configMap({ GREETING: 'hello' }), manager: 'kubectl-create' });
      assert.deepEqual(object.metadata.managedFields, [
        {
          manager: 'kubectl-create',
          operation: 'Update',
          apiVersion: 'v1',
          time: T0,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { '.': {}, 'f:GREETING': {} } },
        },
      ]);
    });

    it('a created Deployment’s entry matches the server: no "." on always-present structs, "." on added maps and elements', () => {
      const object = record({ after: deployment('nginx:1.25'), manager: 'kubectl-create' });
      assert.deepEqual(entryOf(object, 'kubectl-create')?.['fieldsV1'], {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {} }, 'f:type': {} },
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"web"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': {
                    '.': {},
                    'k:{"containerPort":80,"protocol":"TCP"}': {
                      '.': {},
                      'f:containerPort': {},
                      'f:protocol': {},
                    },
                  },
                },
              },
            },
          },
        },
      });
    });

    it('identity and server-maintained metadata are never owned', () => {
      const cm = configMap({ a: '1' });
      Object.assign(cm.metadata, { uid: 'u', resourceVersion: '1', generation: 1, creationTimestamp: T0 });
      const fields = fieldsOf(record({ after: cm, manager: 'm' }), 'm');
      assert.doesNotMatch(
        fields,
        /f:name|f:namespace|f:uid|f:resourceVersion|f:generation|f:creationTimestamp|f:apiVersion|f:kind/,
      );
    });

    it('a null the object carries is not a field anyone set', () => {
      const d = deployment('nginx');
      ((spec(d)['template'] as JsonObject)['metadata'] as JsonObject)['creationTimestamp'] = null;
      assert.doesNotMatch(fieldsOf(record({ after: d, manager: 'm' }), 'm'), /creationTimestamp/);
    });
  });

  describe('update', () => {
    it('changing a field takes it from its previous owner', () => {
      const created = record({ after: deployment('nginx:1.25'), manager: 'kubectl-create' });
      const edited = write(created, 'kubectl-edit', T1, (o) => (container(o)['image'] = 'nginx:1.26'));
      assert.equal(
        fieldsOf(edited, 'kubectl-edit'),
        JSON.stringify({
          'f:spec': {
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } },
          },
        }),
      );
      assert.doesNotMatch(fieldsOf(edited, 'kubectl-create'), /f:image/);
      assert.match(fieldsOf(edited, 'kubectl-create'), /f:name/);
      assert.equal(entryOf(edited, 'kubectl-create')?.['time'], T0, 'the previous owner’s time stays');
    });

    it('a write that changes nothing leaves managedFields untouched', () => {
      const created = record({ after: configMap({ a: '1' }), manager: 'creator' });
      const same = write(created, 'other', T1, () => undefined);
      assert.deepEqual(same.metadata.managedFields, created.metadata.managedFields);
    });

    it('removing a field removes it from every owner', () => {
      const created = record({ after: configMap({ a: '1', b: '2' }), manager: 'creator' });
      const removed = write(created, 'cleaner', T1, (o) => delete (o['data'] as Record<string, string>)['b']);
      assert.equal(fieldsOf(removed, 'creator'), JSON.stringify({ 'f:data': { '.': {}, 'f:a': {} } }));
      assert.equal(entryOf(removed, 'cleaner'), undefined, 'removing alone owns nothing');
    });

    it('a manager writing again keeps its earlier fields and gets a new time', () => {
      const created = record({ after: configMap({ a: '1' }), manager: 'creator' });
      const first = write(created, 'editor', T1, (o) => ((o['data'] as JsonObject)['a'] = '2'));
      const second = write(first, 'editor', T2, (o) => ((o['data'] as JsonObject)['b'] = '3'));
      const editor = entryOf(second, 'editor')!;
      assert.equal(editor['time'], T2);
      assert.deepEqual(editor['fieldsV1'], { 'f:data': { 'f:a': {}, 'f:b': {} } });
    });

    it('entries are ordered appliers first, then by time', () => {
      const created = record({ after: configMap({ a: '1' }), manager: 'zz-creator' });
      const later = write(created, 'aa-editor', T1, (o) => ((o['data'] as JsonObject)['b'] = '2'));
      const applied = clone(later);
      applied.metadata.managedFields = [
        ...(later.metadata.managedFields ?? []),
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'v1',
          time: T2,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:c': {} } },
        },
      ];
      const sorted = write(applied, 'x', T2, () => undefined);
      assert.deepEqual(
        sorted.metadata.managedFields?.map((e) => e['manager']),
        ['kubectl', 'zz-creator', 'aa-editor'],
      );
    });

    it('more than ten updaters fold the oldest into "ancient-changes"', () => {
      let object = record({ after: configMap({}), manager: 'creator' });
      for (let i = 0; i < 11; i++) {
        const now = `2024-05-01T10:00:${String(10 + i).padStart(2, '0')}Z`;
        object = write(object, `writer-${i}`, now, (o) => ((o['data'] as JsonObject)[`k${i}`] = 'v'));
      }
      const managers = object.metadata.managedFields?.map((e) => e['manager']) ?? [];
      assert.equal(managers.length, 10);
      assert.equal(managers.includes('creator'), false);
      assert.equal(managers.includes('writer-0'), false);
      assert.ok(managers.includes('ancient-changes'));
      assert.match(fieldsOf(object, 'ancient-changes'), /f:k0/);
    });
  });

  describe('managedFields sent with the write', () => {
    it('managedFields in the request replace the stored ones', () => {
      const created = record({ after: configMap({ a: '1' }), manager: 'creator' });
      const after = clone(created);
      after.metadata.managedFields = [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'v1',
          time: T0,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:a': {} } },
        },
      ];
      const result = recordUpdate({
        kind: 'ConfigMap',
        apiVersion: 'v1',
        before: created,
        after,
        manager: 'kubectl',
        now: T1,
      });
      assert.deepEqual(result.metadata.managedFields, after.metadata.managedFields);
    });

    it('a request without managedFields keeps the stored ones', () => {
      const created = record({ after: configMap({ a: '1' }), manager: 'creator' });
      const after = clone(created);
      delete after.metadata.managedFields;
      const result = recordUpdate({
        kind: 'ConfigMap',
        apiVersion: 'v1',
        before: created,
        after,
        manager: 'x',
        now: T1,
      });
      assert.deepEqual(result.metadata.managedFields, created.metadata.managedFields);
    });

    it('[{}] clears managedFields, and later writes are not tracked', () => {
      const created = record({ after: configMap({ a: '1' }), manager: 'creator' });
      const reset = clone(created);
      reset.metadata.managedFields = [{}];
      const cleared = recordUpdate({
        kind: 'ConfigMap',
        apiVersion: 'v1',
        before: created,
        after: reset,
        manager: 'x',
        now: T1,
      });
      assert.equal(cleared.metadata.managedFields, undefined);
      const next = write(cleared, 'y', T2, (o) => ((o['data'] as JsonObject)['b'] = '2'));
      assert.equal(next.metadata.managedFields, undefined);
    });

    it('managedFields written through a subresource are ignored', () => {
      const created = record({ after: deployment('nginx'), manager: 'creator' });
      const after = clone(created);
      after.metadata.managedFields = [{}];
      after['status'] = { replicas: 1 };
      const result = recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: created,
        after,
        manager: 'ctrl',
        now: T1,
        subresource: 'status',
      });
      assert.ok(entryOf(result, 'creator'));
    });

    it('client-written k: keys are understood whatever their key order', () => {
      const created = record({ after: deployment('nginx'), manager: 'creator' });
      const after = clone(created);
      after.metadata.managedFields = [
        {
          manager: 'owner',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: T0,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': {
              'f:template': {
                'f:spec': {
                  'f:containers': {
                    'k:{"name":"web"}': {
                      'f:ports': { 'k:{"protocol":"TCP","containerPort":80}': { '.': {} } },
                    },
                  },
                },
              },
            },
          },
        },
      ];
      const kept = recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: created,
        after,
        manager: 'x',
        now: T1,
      });
      const removed = write(kept, 'pruner', T2, (o) => (container(o)['ports'] = []));
      assert.equal(
        entryOf(removed, 'owner'),
        undefined,
        'the port element left the owner’s set when removed',
      );
    });
  });

  describe('subresources', () => {
    it('status writes are tracked per subresource and only for status', () => {
      const created = record({ after: deployment('nginx'), manager: 'creator' });
      const updated = write(
        created,
        'deployment-controller',
        T1,
        (o) => {
          o['status'] = { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] };
          container(o)['image'] = 'stale';
        },
        'status',
      );
      const entry = entryOf(updated, 'deployment-controller')!;
      assert.equal(entry['subresource'], 'status');
      assert.deepEqual(entry['fieldsV1'], {
        'f:status': {
          'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } },
          'f:replicas': {},
        },
      });
      assert.equal(Object.keys(entry)[Object.keys(entry).length - 1], 'subresource');
    });

    it('main-resource writes do not track status', () => {
      const created = record({ after: deployment('nginx'), manager: 'creator' });
      const updated = write(created, 'editor', T1, (o) => (o['status'] = { replicas: 3 }));
      assert.equal(entryOf(updated, 'editor'), undefined);
    });

    it('scaling through the scale subresource records spec.replicas for that subresource', () => {
      const created = record({ after: deployment('nginx'), manager: 'creator' });
      const scaled = write(created, 'kubectl', T1, (o) => (spec(o)['replicas'] = 4), 'scale');
      assert.deepEqual(entryOf(scaled, 'kubectl'), {
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        subresource: 'scale',
      });
      assert.doesNotMatch(fieldsOf(scaled, 'creator'), /f:replicas/);
    });
  });

  describe('decoding and encoding', () => {
    it('entries round-trip through decode and encode unchanged', () => {
      const created = record({ after: deployment('nginx'), manager: 'creator' });
      const entries = created.metadata.managedFields;
      assert.deepEqual(encodeManagedFields(decodeManagedFields(entries)), entries);
    });

    it('malformed entries are skipped and empty ones dropped', () => {
      const managers = decodeManagedFields([
        {
          manager: 'ok',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': {} },
        },
        { manager: 'empty', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} },
        { operation: 'Update' },
        'junk',
      ]);
      assert.deepEqual(
        encodeManagedFields(managers).map((e) => e['manager']),
        ['ok'],
      );
    });
  });
});
