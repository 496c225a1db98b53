import { strict as assert } from 'node:assert';
import { type JsonObject } from '../types';
import { PatchError } from './json-patch';
import { applyMergePatch } from './merge-patch';

function configMap(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'settings',
      labels: { app: 'web', tier: 'frontend' },
      annotations: { owner: 'team-a' },
    },
    data: { LOG_LEVEL: 'info', PORT: '8080' },
  };
}

describe('applyMergePatch', () => {
  describe('RFC 7386 appendix A', () => {
    const cases: readonly (readonly [string, unknown, unknown, unknown])[] = [
      ['replaces a member', { a: 'b' }, { a: 'c' }, { a: 'c' }],
      ['adds a member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      ['deletes a member set to null', { a: 'b' }, { a: null }, {}],
      ['deletes only the member set to null', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      ['replaces an array with a string', { a: ['b'] }, { a: 'c' }, { a: 'c' }],
      ['replaces a string with an array', { a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      ['merges nested objects', { a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      ['replaces arrays instead of merging them', { a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      ['replaces an array document with an array patch', ['a', 'b'], ['c', 'd'], ['c', 'd']],
      ['replaces an object document with an array patch', { a: 'b' }, ['c'], ['c']],
      ['keeps nulls already in the document', { e: null }, { a: 1 }, { e: null, a: 1 }],
      ['merges an object patch into a non-object document', [1, 2], { a: 'b', c: null }, { a: 'b' }],
      ['drops nulls from members the document lacks', {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [behaviour, doc, patch, expected] of cases) {
      it(behaviour, () => {
        assert.deepEqual(applyMergePatch(doc, patch), expected);
      });
    }
  });

  it('sets and removes labels as kubectl label/patch --type=merge do', () => {
    const result = applyMergePatch(configMap(), { metadata: { labels: { tier: null, version: 'v2' } } });
    const expected = configMap();
    expected['metadata'] = {
      name: 'settings',
      labels: { app: 'web', version: 'v2' },
      annotations: { owner: 'team-a' },
    };
    assert.deepEqual(result, expected);
  });

  it('adds the restartedAt annotation kubectl rollout restart sends', () => {
    const deployment = {
      spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } },
    };
    const patch = {
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } },
        },
      },
    };
    assert.deepEqual(applyMergePatch(deployment, patch), {
      spec: {
        replicas: 2,
        template: {
          metadata: {
            labels: { app: 'web' },
            annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
          },
          spec: { containers: [] },
        },
      },
    });
  });

  it('replaces a list of containers whole, unlike a strategic merge patch', () => {
    const pod = {
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y' },
        ],
      },
    };
    const result = applyMergePatch(pod, { spec: { containers: [{ name: 'b', image: 'z' }] } });
    assert.deepEqual(result, { spec: { containers: [{ name: 'b', image: 'z' }] } });
  });

  it('drops nulls inside objects of a patch list but keeps null items, as the real server does', () => {
    const result = applyMergePatch({}, { list: [{ a: 1, b: null }, null] });
    assert.deepEqual(result, { list: [{ a: 1 }, null] });
    assert.deepEqual(applyMergePatch({}, [{ a: null }]), [{}]);
  });

  it('replaces an object with a scalar and a scalar with an object', () => {
    assert.deepEqual(applyMergePatch({ a: { b: 1 }, c: 1 }, { a: 2, c: { d: 3 } }), { a: 2, c: { d: 3 } });
  });

  it('deleting a member the document lacks changes nothing', () => {
    assert.deepEqual(
      applyMergePatch(configMap(), { spec: null, metadata: { finalizers: null } }),
      configMap(),
    );
  });

  it('accepts an empty patch as no change', () => {
    assert.deepEqual(applyMergePatch(configMap(), {}), configMap());
  });

  it('treats a missing document as an empty object', () => {
    assert.deepEqual(applyMergePatch(undefined, { a: { b: null, c: 1 } }), { a: { c: 1 } });
  });

  it('rejects a null or scalar patch as BadRequest, as the real server does', () => {
    for (const patch of [null, 'bar', 42, true]) {
      assert.throws(
        () => applyMergePatch(configMap(), patch),
        (error: unknown) =>
          error instanceof PatchError &&
          error.reason === 'BadRequest' &&
          error.message === 'Invalid JSON Patch',
      );
    }
  });

  it('adds a member literally named "__proto__" without touching any prototype', () => {
    const result = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}'));
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.equal('polluted' in {}, false);
    assert.deepEqual(JSON.stringify(result), '{"__proto__":{"polluted":true}}');
  });

  it('never modifies the document or the patch it was given', () => {
    const doc = configMap();
    const patch = {
      metadata: { labels: { tier: null, extra: { nested: [1, { x: null }] } } },
      data: { PORT: null },
    };
    const patchCopy = structuredClone(patch);
    const result = applyMergePatch(doc, patch);
    assert.deepEqual(doc, configMap());
    assert.deepEqual(patch, patchCopy);
    assert.notDeepEqual(result, doc);
  });

  it('shares no structure with the patch, so later edits of the result cannot reach it', () => {
    const patch = { data: { nested: { a: [1] } } };
    const result = applyMergePatch({}, patch);
    const json = JSON.stringify(result);
    patch.data.nested.a.push(2);
    assert.equal(JSON.stringify(result), json);
  });
});
