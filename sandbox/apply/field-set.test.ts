import { strict as assert } from 'node:assert';
import type { JsonObject } from '../types';
import { FieldSet } from './field-set';

const fieldsV1: JsonObject = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    },
  },
};

describe('field sets', () => {
  it('FieldsV1 read from managedFields is written back byte for byte', () => {
    const set = FieldSet.fromFieldsV1(fieldsV1);
    assert.equal(JSON.stringify(set.toFieldsV1()), JSON.stringify(fieldsV1));
  });

  it('"." marks a map or element that is itself owned besides its fields', () => {
    const set = FieldSet.fromFieldsV1(fieldsV1);
    assert.ok(set.has(['f:metadata', 'f:labels']));
    assert.ok(set.has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}']));
    assert.equal(set.has(['f:spec']), false, 'a struct holding owned fields is not owned itself');
    assert.equal(set.has(['f:spec', 'f:template', 'f:spec', 'f:containers']), false);
  });

  it('FieldsV1 is written in the server’s order whatever the insertion order', () => {
    const set = FieldSet.of([
      ['f:spec', 'f:b'],
      ['f:spec', 'v:"x"'],
      ['f:spec', 'k:{"name":"a"}', 'f:name'],
      ['f:spec', 'k:{"name":"a"}'],
      ['f:spec', 'f:a'],
      ['f:metadata', 'f:labels', 'f:z'],
    ]);
    assert.equal(
      JSON.stringify(set.toFieldsV1()),
      '{"f:metadata":{"f:labels":{"f:z":{}}},"f:spec":{"f:a":{},"f:b":{},"k:{\\"name\\":\\"a\\"}":{".":{},"f:name":{}},"v:\\"x\\"":{}}}',
    );
  });

  it('taking fields away leaves an owner its other fields, and nothing once all are gone', () => {
    const owner = FieldSet.fromFieldsV1(fieldsV1);
    const taken = FieldSet.of([
      ['f:spec', 'f:replicas'],
      ['f:metadata', 'f:labels'],
    ]);
    const left = owner.difference(taken);
    assert.equal(left.has(['f:spec', 'f:replicas']), false);
    assert.equal(left.has(['f:metadata', 'f:labels']), false);
    assert.ok(left.has(['f:metadata', 'f:labels', 'f:app']), 'fields below a taken map stay owned');
    assert.ok(owner.difference(owner).isEmpty());
  });

  it('shared fields are the intersection of two owners’ sets', () => {
    const a = FieldSet.of([
      ['f:spec', 'f:replicas'],
      ['f:spec', 'f:paused'],
    ]);
    const b = FieldSet.of([
      ['f:spec', 'f:replicas'],
      ['f:spec', 'f:minReadySeconds'],
    ]);
    assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
    assert.deepEqual(a.union(b).paths().length, 3);
  });

  it('paths are listed members first, then deeper fields, each in order', () => {
    const set = FieldSet.of([
      ['f:spec', 'f:template', 'f:x'],
      ['f:spec', 'f:replicas'],
      ['f:metadata', 'f:labels', 'f:app'],
    ]);
    assert.deepEqual(set.paths(), [
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:spec', 'f:replicas'],
      ['f:spec', 'f:template', 'f:x'],
    ]);
  });
});
