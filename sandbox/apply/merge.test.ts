import { strict as assert } from 'node:assert';
import type { Json, JsonObject } from '../types';
import { FieldSet } from './field-set';
import { mergeValues, removeItems } from './merge';
import { rootSite } from './schema';

function withContainers(...names: string[]): JsonObject {
  return {
    spec: { template: { spec: { containers: names.map((name) => ({ name, image: `${name}:1` })) } } },
  };
}

function names(value: Json): string[] {
  const spec = ((value as JsonObject)['spec'] as JsonObject)['template'] as JsonObject;
  return ((spec['spec'] as JsonObject)['containers'] as JsonObject[]).map((c) => String(c['name']));
}

function merge(live: JsonObject, applied: JsonObject): Json {
  return mergeValues(live, applied, rootSite('Deployment'));
}

describe('merging an apply configuration', () => {
  it('elements both lists have follow the applied order; live-only ones keep their place', () => {
    assert.deepEqual(names(merge(withContainers('a', 'b', 'c'), withContainers('c', 'a'))), ['b', 'c', 'a']);
  });

  it('a new element goes where the configuration puts it among the existing ones', () => {
    assert.deepEqual(names(merge(withContainers('a', 'b'), withContainers('a', 'x', 'b'))), ['a', 'x', 'b']);
    assert.deepEqual(names(merge(withContainers('a', 'b'), withContainers('x', 'a'))), ['x', 'a', 'b']);
  });

  it('elements merge field by field, keeping live fields the configuration does not mention', () => {
    const live: JsonObject = {
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1', imagePullPolicy: 'Always' }] } } },
    };
    const merged = merge(live, {
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }] } } },
    });
    assert.deepEqual(merged, {
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2', imagePullPolicy: 'Always' }] } } },
    });
  });

  it('atomic values such as label selectors are replaced, not merged', () => {
    const live: JsonObject = { spec: { selector: { matchLabels: { app: 'web', tier: 'fe' } } } };
    assert.deepEqual(merge(live, { spec: { selector: { matchLabels: { app: 'web' } } } }), {
      spec: { selector: { matchLabels: { app: 'web' } } },
    });
  });

  it('set lists gain the applied values and keep the others', () => {
    const live: JsonObject = { metadata: { finalizers: ['a', 'b'] } };
    assert.deepEqual(merge(live, { metadata: { finalizers: ['c', 'a'] } }), {
      metadata: { finalizers: ['c', 'a', 'b'] },
    });
  });

  it('removing a list element by its key drops just that element', () => {
    const value = withContainers('a', 'b');
    const set = FieldSet.of([['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"a"}']]);
    assert.deepEqual(names(removeItems(value, set, rootSite('Deployment'))), ['b']);
  });
});
