import { strict as assert } from 'node:assert';
import { ApiError } from '../errors';
import { type JsonObject, type KObject, clone } from '../types';
import { LAST_APPLIED_ANNOTATION, recordUpdate } from './managed-fields';
import { type ApplyArgs, type Conflict, conflictStatus, serverSideApply } from './server-side-apply';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:00:01Z';
const T2 = '2024-05-01T10:00:02Z';

interface Container {
  name: string;
  image: string;
  [field: string]: unknown;
}

function deployment(spec: { replicas?: number; containers?: Container[] } = {}): KObject {
  const containers = spec.containers ?? [{ name: 'web', image: 'nginx:1.25' }];
  const body: KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  };
  if (spec.replicas !== undefined) (body['spec'] as JsonObject)['replicas'] = spec.replicas;
  return body;
}

function apply(
  live: KObject | undefined,
  applied: KObject,
  manager: string,
  extra: Partial<ApplyArgs> = {},
): ReturnType<typeof serverSideApply> {
  return serverSideApply({
    kind: applied.kind,
    apiVersion: applied.apiVersion,
    live: live === undefined ? undefined : clone(live),
    applied: clone(applied),
    manager,
    force: false,
    now: T0,
    ...extra,
  });
}

function applied(
  live: KObject | undefined,
  config: KObject,
  manager: string,
  extra: Partial<ApplyArgs> = {},
): KObject {
  const result = apply(live, config, manager, extra);
  if ('conflicts' in result) assert.fail(`unexpected conflicts: ${JSON.stringify(result.conflicts)}`);
  return result.object;
}

function conflictsOf(
  live: KObject,
  config: KObject,
  manager: string,
  extra: Partial<ApplyArgs> = {},
): Conflict[] {
  const result = apply(live, config, manager, extra);
  if ('object' in result) assert.fail('expected conflicts');
  return result.conflicts;
}

function entry(object: KObject, manager: string, operation = 'Apply'): JsonObject | undefined {
  return object.metadata.managedFields?.find((e) => e['manager'] === manager && e['operation'] === operation);
}

function fieldsOf(object: KObject, manager: string, operation = 'Apply'): JsonObject | undefined {
  return entry(object, manager, operation)?.['fieldsV1'] as JsonObject | undefined;
}

function spec(object: KObject): JsonObject {
  return object['spec'] as JsonObject;
}

function containersOf(object: KObject): JsonObject[] {
  const template = spec(object)['template'] as JsonObject;
  return (template['spec'] as JsonObject)['containers'] as JsonObject[];
}

describe('server-side apply', () => {
  describe('creation and the FieldsV1 encoding', () => {
    it('creating by apply records the configured fields in the exact FieldsV1 form the server writes', () => {
      const object = applied(undefined, deployment(), 'kubectl');
      assert.deepEqual(object.metadata.managedFields, [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'apps/v1',
          time: T0,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:template': {
                'f:metadata': { 'f:labels': { 'f:app': {} } },
                'f:spec': {
                  'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
                },
              },
            },
          },
        },
      ]);
      assert.equal(
        JSON.stringify(Object.keys(object.metadata.managedFields[0]!)),
        JSON.stringify(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']),
      );
    });

    it('creating by apply stores the configuration itself', () => {
      const object = applied(undefined, deployment({ replicas: 2 }), 'kubectl');
      const metadata = { ...object.metadata };
      delete metadata.managedFields;
      assert.deepEqual({ ...object, metadata }, deployment({ replicas: 2 }));
    });

    it('container ports are keyed by containerPort and the defaulted protocol, without owning protocol', () => {
      const config = deployment({
        containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }],
      });
      const fields = JSON.stringify(fieldsOf(applied(undefined, config, 'kubectl'), 'kubectl'));
      assert.match(
        fields,
        /"f:ports":\{"k:\{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"\}":\{".":\{\},"f:containerPort":\{\}\}\}/,
      );
    });

    it('a label selector is owned as one atomic value', () => {
      const config = deployment();
      spec(config)['selector'] = { matchLabels: { app: 'web' } };
      const fields = fieldsOf(applied(undefined, config, 'kubectl'), 'kubectl')!;
      assert.deepEqual((fields['f:spec'] as JsonObject)['f:selector'], {});
    });

    it('finalizers are owned element by element with v: entries', () => {
      const config = deployment();
      config.metadata.finalizers = ['example.com/cleanup'];
      const fields = fieldsOf(applied(undefined, config, 'kubectl'), 'kubectl')!;
      assert.deepEqual((fields['f:metadata'] as JsonObject)['f:finalizers'], {
        'v:"example.com/cleanup"': {},
      });
    });

    it('an empty object in the configuration is owned as a leaf', () => {
      const config = deployment({
        containers: [{ name: 'web', image: 'nginx', resources: {} }],
      });
      const fields = JSON.stringify(fieldsOf(applied(undefined, config, 'kubectl'), 'kubectl'));
      assert.match(fields, /"f:resources":\{\}/);
    });

    it('server-maintained metadata and status in a configuration are neither applied nor owned', () => {
      const live = applied(undefined, deployment(), 'kubectl');
      live.metadata.uid = 'uid-1';
      live.metadata.resourceVersion = '7';
      live['status'] = { replicas: 1 };
      const config = deployment();
      config.metadata.uid = 'other';
      config.metadata.resourceVersion = '3';
      config.metadata.generation = 9;
      config['status'] = { replicas: 42 };
      const object = applied(live, config, 'kubectl', { now: T1 });
      assert.equal(object.metadata.uid, 'uid-1');
      assert.equal(object.metadata.resourceVersion, '7');
      assert.equal(object.metadata.generation, undefined);
      assert.deepEqual(object['status'], { replicas: 1 });
      assert.deepEqual(Object.keys(fieldsOf(object, 'kubectl')!), ['f:metadata', 'f:spec']);
      assert.deepEqual(Object.keys(fieldsOf(object, 'kubectl')!['f:metadata'] as JsonObject), ['f:labels']);
    });
  });

  describe('re-applying', () => {
    it('re-applying the same configuration changes nothing, not even the entry time', () => {
      const first = applied(undefined, deployment({ replicas: 2 }), 'kubectl');
      const second = applied(first, deployment({ replicas: 2 }), 'kubectl', { now: T1 });
      assert.deepEqual(second, first);
    });

    it('a changed configuration updates the value and the entry time', () => {
      const first = applied(undefined, deployment({ replicas: 2 }), 'kubectl');
      const second = applied(first, deployment({ replicas: 4 }), 'kubectl', { now: T1 });
      assert.equal(spec(second)['replicas'], 4);
      assert.equal(entry(second, 'kubectl')?.['time'], T1);
    });

    it('removing a container from the applied config deletes it', () => {
      const both = deployment({
        containers: [
          { name: 'web', image: 'nginx' },
          { name: 'sidecar', image: 'envoy' },
        ],
      });
      const live = applied(undefined, both, 'kubectl');
      const object = applied(live, deployment({ containers: [{ name: 'web', image: 'nginx' }] }), 'kubectl');
      assert.deepEqual(
        containersOf(object).map((c) => c['name']),
        ['web'],
      );
      assert.doesNotMatch(JSON.stringify(object.metadata.managedFields), /sidecar/);
    });

    it('removing a field from the applied config deletes it from the object', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      const object = applied(live, deployment(), 'kubectl', { now: T1 });
      assert.equal('replicas' in spec(object), false);
    });

    it('dropping a struct from the applied config removes it whole, with fields nobody owns', () => {
      const probe = { httpGet: { path: '/healthz', port: 80 } };
      const live = applied(
        undefined,
        deployment({ containers: [{ name: 'web', image: 'nginx', livenessProbe: probe }] }),
        'kubectl',
      );
      // The server defaults probe fields that no manager owns.
      (containersOf(live)[0]!['livenessProbe'] as JsonObject)['timeoutSeconds'] = 1;
      const object = applied(live, deployment({ containers: [{ name: 'web', image: 'nginx' }] }), 'kubectl', {
        now: T1,
      });
      assert.equal('livenessProbe' in containersOf(object)[0]!, false);
    });

    it('fields nobody owns outside what the applier dropped are left alone', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      spec(live)['progressDeadlineSeconds'] = 600;
      const object = applied(live, deployment(), 'kubectl', { now: T1 });
      assert.equal(spec(object)['progressDeadlineSeconds'], 600);
    });

    it('a field the applier dropped stays when another applier also owns it', () => {
      const a = applied(undefined, deployment({ replicas: 3 }), 'a');
      const shared = applied(a, deployment({ replicas: 3 }), 'b', { now: T1 });
      const object = applied(shared, deployment(), 'a', { now: T2 });
      assert.equal(spec(object)['replicas'], 3);
      assert.deepEqual((fieldsOf(object, 'b')!['f:spec'] as JsonObject)['f:replicas'], {});
      assert.equal('f:replicas' in (fieldsOf(object, 'a')!['f:spec'] as JsonObject), false);
    });

    it('a field another manager updated since is no longer the applier’s to remove', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      const scaled = clone(live);
      spec(scaled)['replicas'] = 5;
      const afterScale = recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: live,
        after: scaled,
        manager: 'hpa',
        now: T1,
      });
      const object = applied(afterScale, deployment(), 'kubectl', { now: T2 });
      assert.equal(spec(object)['replicas'], 5);
    });

    it('an explicit null in the configuration removes the field but is owned', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      const config = deployment();
      spec(config)['replicas'] = null;
      const object = applied(live, config, 'kubectl', { now: T1 });
      assert.equal('replicas' in spec(object), false);
      assert.deepEqual((fieldsOf(object, 'kubectl')!['f:spec'] as JsonObject)['f:replicas'], {});
    });
  });

  describe('several managers', () => {
    it('a second manager applying a different replicas value conflicts', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      const conflicts = conflictsOf(live, deployment({ replicas: 5 }), 'argocd');
      assert.deepEqual(conflicts, [
        { manager: 'kubectl', field: '.spec.replicas', operation: 'Apply', apiVersion: 'apps/v1' },
      ]);
    });

    it('conflicts inside associative lists name the element by its key', () => {
      const live = applied(undefined, deployment(), 'kubectl');
      const conflicts = conflictsOf(
        live,
        deployment({ containers: [{ name: 'web', image: 'nginx:2' }] }),
        'argocd',
      );
      assert.deepEqual(
        conflicts.map((c) => c.field),
        ['.spec.template.spec.containers[name="web"].image'],
      );
    });

    it('force takes ownership', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      const object = applied(live, deployment({ replicas: 5 }), 'argocd', { force: true, now: T1 });
      assert.equal(spec(object)['replicas'], 5);
      assert.deepEqual((fieldsOf(object, 'argocd')!['f:spec'] as JsonObject)['f:replicas'], {});
      assert.equal('f:replicas' in (fieldsOf(object, 'kubectl')!['f:spec'] as JsonObject), false);
    });

    it('shared ownership when values agree', () => {
      const live = applied(undefined, deployment({ replicas: 3 }), 'kubectl');
      const object = applied(live, deployment({ replicas: 3 }), 'argocd', { now: T1 });
      for (const manager of ['kubectl', 'argocd']) {
        assert.deepEqual((fieldsOf(object, manager)!['f:spec'] as JsonObject)['f:replicas'], {}, manager);
      }
    });

    it('an applier that loses all its fields to force disappears from managedFields', () => {
      const replicasOnly: KObject = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 2 },
      };
      const live = applied(applied(undefined, deployment(), 'kubectl'), replicasOnly, 'scaler', { now: T1 });
      const object = applied(live, { ...replicasOnly, spec: { replicas: 6 } }, 'hpa', {
        force: true,
        now: T2,
      });
      assert.equal(entry(object, 'scaler'), undefined);
      assert.ok(entry(object, 'hpa'));
    });

    it('containers applied by different managers are merged by name and both kept', () => {
      const live = applied(undefined, deployment(), 'kubectl');
      const sidecar = deployment({ containers: [{ name: 'proxy', image: 'envoy' }] });
      delete sidecar.metadata.labels;
      const object = applied(live, sidecar, 'mesh', { now: T1 });
      assert.deepEqual(
        containersOf(object).map((c) => c['name']),
        ['web', 'proxy'],
      );
      const again = applied(
        object,
        deployment({ containers: [{ name: 'web', image: 'nginx:2' }] }),
        'kubectl',
      );
      assert.deepEqual(
        containersOf(again).map((c) => [c['name'], c['image']]),
        [
          ['web', 'nginx:2'],
          ['proxy', 'envoy'],
        ],
      );
    });

    it('atomic lists are replaced whole and conflict as one field', () => {
      const live = applied(
        undefined,
        deployment({ containers: [{ name: 'web', image: 'nginx', args: ['-a', '-b'] }] }),
        'kubectl',
      );
      const config = deployment({ containers: [{ name: 'web', image: 'nginx', args: ['-c'] }] });
      assert.deepEqual(
        conflictsOf(live, config, 'other').map((c) => c.field),
        ['.spec.template.spec.containers[name="web"].args'],
      );
      const object = applied(live, config, 'kubectl', { now: T1 });
      assert.deepEqual(containersOf(object)[0]!['args'], ['-c']);
    });

    it('changing a field last written by an update conflicts with that updater, named with its version', () => {
      const created = recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: undefined,
        after: deployment({ replicas: 1 }),
        manager: 'kubectl-create',
        now: T0,
      });
      const conflicts = conflictsOf(created, deployment({ replicas: 2 }), 'argocd');
      assert.deepEqual(conflicts, [
        { manager: 'kubectl-create', field: '.spec.replicas', operation: 'Update', apiVersion: 'apps/v1' },
      ]);
      assert.equal(
        conflictStatus(conflicts)['message'],
        'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas',
      );
    });

    it('applying to an object whose managedFields were cleared conflicts with "before-first-apply"', () => {
      const live = deployment({ replicas: 1 });
      const conflicts = conflictsOf(live, deployment({ replicas: 2 }), 'kubectl');
      assert.deepEqual(
        conflicts.map((c) => [c.manager, c.operation, c.field]),
        [['before-first-apply', 'Update', '.spec.replicas']],
      );
      const object = applied(live, deployment({ replicas: 1 }), 'kubectl');
      assert.ok(entry(object, 'before-first-apply', 'Update'), 'existing fields stay attributed');
    });

    it('conflicts are listed by manager, then in field order', () => {
      let live = applied(undefined, deployment({ replicas: 3 }), 'zeta');
      live = applied(
        live,
        deployment({ containers: [{ name: 'web', image: 'nginx:1.25', command: ['run'] }] }),
        'alpha',
        { now: T1 },
      );
      const config = deployment({
        replicas: 4,
        containers: [{ name: 'web', image: 'nginx:2', command: ['go'] }],
      });
      assert.deepEqual(
        conflictsOf(live, config, 'argocd').map((c) => `${c.manager} ${c.field}`),
        [
          'alpha .spec.template.spec.containers[name="web"].command',
          'alpha .spec.template.spec.containers[name="web"].image',
          'zeta .spec.replicas',
          'zeta .spec.template.spec.containers[name="web"].image',
        ],
      );
    });
  });

  describe('kubectl moving from client-side to server-side apply', () => {
    function clientSideApplied(config: KObject): KObject {
      const withAnnotation = clone(config);
      withAnnotation.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(config)}\n` };
      return recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: undefined,
        after: withAnnotation,
        manager: 'kubectl-client-side-apply',
        now: T0,
      });
    }

    it('kubectl’s first server-side apply takes over the fields its client-side apply set, without conflicts', () => {
      const live = clientSideApplied(deployment({ replicas: 3 }));
      const object = applied(live, deployment({ replicas: 5 }), 'kubectl', { now: T1 });
      assert.equal(spec(object)['replicas'], 5);
      assert.deepEqual((fieldsOf(object, 'kubectl')!['f:spec'] as JsonObject)['f:replicas'], {});
      const csa = fieldsOf(object, 'kubectl-client-side-apply', 'Update')!;
      assert.equal('f:replicas' in (csa['f:spec'] as JsonObject), false);
    });

    it('kubectl’s server-side apply rewrites an existing last-applied annotation to the new configuration', () => {
      const live = clientSideApplied(deployment({ replicas: 3 }));
      const object = applied(live, deployment({ replicas: 5 }), 'kubectl', { now: T1 });
      const annotation = object.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
      assert.ok(annotation !== undefined && annotation.endsWith('}\n'));
      assert.deepEqual(JSON.parse(annotation), deployment({ replicas: 5 }));
      assert.ok(
        annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":'),
        'keys sorted',
      );
    });

    it('other managers still conflict with kubectl’s client-side apply', () => {
      const live = clientSideApplied(deployment({ replicas: 3 }));
      const conflicts = conflictsOf(live, deployment({ replicas: 5 }), 'argocd');
      assert.equal(
        conflictStatus(conflicts)['message'],
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      );
    });

    it('kubectl still conflicts on fields that changed since its client-side apply', () => {
      const live = clientSideApplied(deployment({ replicas: 3 }));
      const scaled = clone(live);
      spec(scaled)['replicas'] = 7;
      const afterHpa = recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: live,
        after: scaled,
        manager: 'hpa',
        now: T1,
      });
      assert.deepEqual(
        conflictsOf(afterHpa, deployment({ replicas: 5 }), 'kubectl').map((c) => c.manager),
        ['hpa'],
      );
    });

    it('kubectl’s migration patch hands client-side apply’s fields to its Apply entry', () => {
      const live = clientSideApplied(deployment({ replicas: 3 }));
      const ssa = applied(live, deployment({ replicas: 3 }), 'kubectl', { now: T1 });
      // kubectl rewrites managedFields with a JSON patch, moving the Update entry's fields into its Apply entry.
      const csa = entry(ssa, 'kubectl-client-side-apply', 'Update')!;
      const mine = entry(ssa, 'kubectl')!;
      const rewritten = clone(ssa);
      rewritten.metadata.managedFields = [{ ...mine, fieldsV1: csa['fieldsV1'] ?? {} }];
      const migrated = recordUpdate({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        before: ssa,
        after: rewritten,
        manager: 'kubectl',
        now: T2,
      });
      assert.deepEqual(
        migrated.metadata.managedFields?.map((e) => [e['manager'], e['operation']]),
        [['kubectl', 'Apply']],
      );
      const pruned = applied(migrated, deployment(), 'kubectl', { now: T2 });
      assert.equal('replicas' in spec(pruned), false, 'replicas is now kubectl’s to remove');
    });
  });

  describe('subresources', () => {
    it('applying through the status subresource owns only status fields', () => {
      const live = applied(undefined, deployment(), 'kubectl');
      const config = deployment({ replicas: 9 });
      config['status'] = { replicas: 1 };
      const object = applied(live, config, 'controller', { subresource: 'status', now: T1 });
      assert.deepEqual(object['status'], { replicas: 1 });
      assert.equal('replicas' in spec(object), false);
      const status = entry(object, 'controller')!;
      assert.equal(status['subresource'], 'status');
      assert.deepEqual(status['fieldsV1'], { 'f:status': { 'f:replicas': {} } });
    });
  });

  describe('configurations the server rejects', () => {
    function rejection(config: KObject): JsonObject {
      try {
        apply(undefined, config, 'kubectl');
      } catch (e) {
        assert.ok(e instanceof ApiError);
        return e.toStatus();
      }
      return assert.fail('expected the apply to throw');
    }

    it('duplicate keys in a list fail like the server, with a 500 Status that has no reason', () => {
      const env = [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ];
      const status = rejection(deployment({ containers: [{ name: 'web', image: 'nginx', env }] }));
      assert.equal(status['code'], 500);
      assert.equal('reason' in status, false);
      assert.equal(
        status['message'],
        'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): ' +
          '.spec.template.spec.containers[name="web"].env: duplicate entries for key [name="A"]',
      );
    });

    it('several typing errors are listed one per line', () => {
      const config = deployment({
        containers: [
          { name: 'web', image: 'nginx', ports: [{ name: 'http' }] },
          { name: 'web', image: 'nginx' },
        ],
      });
      const status = rejection(config);
      assert.equal(
        status['message'],
        'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): errors:\n' +
          '  .spec.template.spec.containers[name="web"].ports: element 0: associative list with keys has an element ' +
          'that omits key field "containerPort" (and doesn\'t have default value)\n' +
          '  .spec.template.spec.containers: duplicate entries for key [name="web"]',
      );
    });

    it('managedFields in a configuration are a bad request', () => {
      const config = deployment();
      config.metadata.managedFields = [];
      const status = rejection(config);
      assert.equal(status['code'], 400);
      assert.equal(status['message'], 'metadata.managedFields must be nil');
    });

    it('a configuration of another version than the request is a bad request', () => {
      const config = deployment();
      config.apiVersion = 'apps/v1beta1';
      assert.throws(
        () =>
          serverSideApply({
            kind: 'Deployment',
            apiVersion: 'apps/v1',
            live: undefined,
            applied: config,
            manager: 'm',
            force: false,
            now: T0,
          }),
        (e: unknown) =>
          e instanceof ApiError &&
          e.code === 400 &&
          /Incorrect version specified in apply patch/.test(e.message),
      );
    });
  });

  describe('conflictStatus', () => {
    it('one conflict reads like the server’s message and cause', () => {
      const status = conflictStatus([
        {
          manager: 'kubectl-client-side-apply',
          field: '.spec.replicas',
          operation: 'Update',
          apiVersion: 'apps/v1',
        },
      ]);
      assert.deepEqual(status, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
        reason: 'Conflict',
        details: {
          causes: [
            {
              type: 'FieldManagerConflict',
              message: 'conflict with "kubectl-client-side-apply" using apps/v1',
              field: '.spec.replicas',
            },
          ],
        },
        code: 409,
      });
    });

    it('several conflicts are grouped by manager under a plural heading', () => {
      const status = conflictStatus([
        { manager: 'zeta', field: '.spec.replicas', operation: 'Apply', apiVersion: 'apps/v1' },
        { manager: 'alpha', field: '.spec.paused', operation: 'Update', apiVersion: 'apps/v1' },
        { manager: 'zeta', field: '.spec.minReadySeconds', operation: 'Apply', apiVersion: 'apps/v1' },
      ]);
      assert.equal(
        status['message'],
        'Apply failed with 3 conflicts: conflicts with "alpha" using apps/v1:\n- .spec.paused\n' +
          'conflicts with "zeta":\n- .spec.replicas\n- .spec.minReadySeconds',
      );
    });

    it('a subresource manager is named with its subresource', () => {
      const status = conflictStatus([
        {
          manager: 'kubectl',
          field: '.spec.replicas',
          operation: 'Update',
          apiVersion: 'apps/v1',
          subresource: 'scale',
        },
      ]);
      assert.equal(
        status['message'],
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
      );
    });
  });
});
