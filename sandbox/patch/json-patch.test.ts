import { strict as assert } from 'node:assert';
import { type JsonObject, isJsonObject } from '../types';
import { INVALID_REQUEST_MESSAGE, PatchError, applyJsonPatch, jsonEqual } from './json-patch';

function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25', args: ['--port', '80'] }] },
      },
    },
  };
}

/** The member `key` of `value`, or undefined when `value` is not an object. */
function field(value: unknown, key: string): unknown {
  return isJsonObject(value) ? value[key] : undefined;
}

/** The pod template's containers of a deployment. */
function containersOf(value: unknown): unknown {
  return field(field(field(field(value, 'spec'), 'template'), 'spec'), 'containers');
}

/** Runs `fn` and returns the PatchError it throws, failing the test when it throws nothing else. */
function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  assert.fail('expected a PatchError');
}

describe('applyJsonPatch', () => {
  describe('add', () => {
    it('adds a member to an object', () => {
      const result = applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/b', value: { c: [1] } }]);
      assert.deepEqual(result, { a: 1, b: { c: [1] } });
    });

    it('replaces a member that already exists, as RFC 6902 specifies for objects', () => {
      assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/a', value: 2 }]), { a: 2 });
    });

    it('inserts into an array before the given index', () => {
      assert.deepEqual(applyJsonPatch({ l: ['a', 'c'] }, [{ op: 'add', path: '/l/1', value: 'b' }]), {
        l: ['a', 'b', 'c'],
      });
    });

    it('appends to an array with the "-" index', () => {
      const ops = [{ op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--verbose' }];
      assert.deepEqual(containersOf(applyJsonPatch(deployment(), ops)), [
        { name: 'web', image: 'nginx:1.25', args: ['--port', '80', '--verbose'] },
      ]);
    });

    it('accepts the index equal to the array length as an append', () => {
      assert.deepEqual(applyJsonPatch([1, 2], [{ op: 'add', path: '/2', value: 3 }]), [1, 2, 3]);
    });

    it('adds an annotation whose key contains a slash through the ~1 escape', () => {
      const ops = [
        {
          op: 'add',
          path: '/metadata/annotations',
          value: {},
        },
        {
          op: 'add',
          path: '/metadata/annotations/kubectl.kubernetes.io~1restartedAt',
          value: '2026-01-01T00:00:00Z',
        },
      ];
      assert.deepEqual(field(applyJsonPatch(deployment(), ops), 'metadata'), {
        name: 'web',
        namespace: 'default',
        labels: { app: 'web' },
        annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
      });
    });

    it('decodes ~01 as the literal "~1" rather than as a slash', () => {
      assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/a~01b', value: 1 }]), { 'a~1b': 1 });
      assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/a~0b', value: 1 }]), { 'a~b': 1 });
    });

    it('replaces the whole document when the path is empty', () => {
      assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: { b: 2 } }]), { b: 2 });
    });

    it('adds a member literally named "__proto__" instead of changing the prototype', () => {
      const result = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]);
      assert.ok(isJsonObject(result));
      assert.equal(Object.getPrototypeOf(result), Object.prototype);
      assert.deepEqual(Object.keys(result), ['__proto__']);
    });

    it('rejects a missing parent with the real server message as Invalid', () => {
      const error = patchError(() =>
        applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/foo/bar', value: 1 }]),
      );
      assert.equal(error.reason, 'Invalid');
      assert.equal(error.code, 422);
      assert.equal(
        error.message,
        'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value',
      );
    });

    it('rejects an index past the end of an array', () => {
      const error = patchError(() => applyJsonPatch({ l: [1] }, [{ op: 'add', path: '/l/3', value: 2 }]));
      assert.equal(error.reason, 'Invalid');
      assert.match(error.message, /Unable to access invalid index: 3/);
    });

    it('rejects an array index that is not a number, or has a leading zero', () => {
      assert.equal(
        patchError(() => applyJsonPatch({ l: [1] }, [{ op: 'add', path: '/l/x', value: 2 }])).reason,
        'Invalid',
      );
      assert.equal(
        patchError(() => applyJsonPatch({ l: [1] }, [{ op: 'add', path: '/l/01', value: 2 }])).reason,
        'Invalid',
      );
    });

    it('rejects a path that does not start with a slash', () => {
      const error = patchError(() =>
        applyJsonPatch({ spec: {} }, [{ op: 'add', path: 'spec/foo', value: 1 }]),
      );
      assert.match(error.message, /doc is missing path: "spec\/foo"/);
    });

    it('cannot add below a primitive', () => {
      const error = patchError(() => applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/a/b', value: 1 }]));
      assert.equal(error.reason, 'Invalid');
    });
  });

  describe('remove', () => {
    it('removes a member from an object', () => {
      assert.deepEqual(applyJsonPatch({ a: 1, b: 2 }, [{ op: 'remove', path: '/a' }]), { b: 2 });
    });

    it('removes an array element and shifts the rest', () => {
      assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/0' }]), { l: [2, 3] });
    });

    it('removes a label with kubectl patch --type=json', () => {
      const result = applyJsonPatch(deployment(), [{ op: 'remove', path: '/metadata/labels/app' }]);
      assert.deepEqual(field(result, 'metadata'), { name: 'web', namespace: 'default', labels: {} });
    });

    it('rejects removing a member that does not exist', () => {
      const error = patchError(() => applyJsonPatch({ spec: {} }, [{ op: 'remove', path: '/spec/foo' }]));
      assert.equal(error.reason, 'Invalid');
      assert.equal(
        error.message,
        "error in remove for path: '/spec/foo': Unable to remove nonexistent key: foo: missing value",
      );
    });

    it('rejects removing past the end of an array, and the "-" index', () => {
      assert.equal(
        patchError(() => applyJsonPatch({ l: [1] }, [{ op: 'remove', path: '/l/1' }])).reason,
        'Invalid',
      );
      assert.equal(
        patchError(() => applyJsonPatch({ l: [1] }, [{ op: 'remove', path: '/l/-' }])).reason,
        'Invalid',
      );
    });

    it('rejects removing the whole document', () => {
      assert.equal(
        patchError(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }])).reason,
        'Invalid',
      );
    });
  });

  describe('replace', () => {
    it('replaces spec.replicas as kubectl scale-by-patch does', () => {
      const result = applyJsonPatch(deployment(), [{ op: 'replace', path: '/spec/replicas', value: 5 }]);
      assert.equal(field(field(result, 'spec'), 'replicas'), 5);
    });

    it('replaces an array element in place', () => {
      const ops = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.26' }];
      assert.deepEqual(containersOf(applyJsonPatch(deployment(), ops)), [
        { name: 'web', image: 'nginx:1.26', args: ['--port', '80'] },
      ]);
    });

    it('replaces the whole document when the path is empty', () => {
      assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }]), [1]);
    });

    it('rejects replacing a member that does not exist', () => {
      const error = patchError(() =>
        applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/foo', value: 1 }]),
      );
      assert.equal(error.reason, 'Invalid');
      assert.equal(
        error.message,
        'replace operation does not apply: doc is missing key: /spec/foo: missing value',
      );
    });

    it('rejects replacing below a missing parent', () => {
      const error = patchError(() => applyJsonPatch({}, [{ op: 'replace', path: '/spec/foo', value: 1 }]));
      assert.equal(
        error.message,
        'replace operation does not apply: doc is missing path: /spec/foo: missing value',
      );
    });
  });

  describe('move', () => {
    it('moves a member, removing it from its old place', () => {
      assert.deepEqual(applyJsonPatch({ a: { x: 1 }, b: {} }, [{ op: 'move', from: '/a/x', path: '/b/y' }]), {
        a: {},
        b: { y: 1 },
      });
    });

    it('moves an array element to a later index', () => {
      assert.deepEqual(applyJsonPatch({ l: ['a', 'b', 'c'] }, [{ op: 'move', from: '/l/0', path: '/l/2' }]), {
        l: ['b', 'c', 'a'],
      });
    });

    it('leaves the document unchanged when from and path are the same', () => {
      assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'move', from: '/a', path: '/a' }]), { a: 1 });
    });

    it('rejects moving a value into one of its own children', () => {
      const error = patchError(() =>
        applyJsonPatch({ a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]),
      );
      assert.equal(error.reason, 'Invalid');
    });

    it('rejects moving from a missing location', () => {
      const error = patchError(() => applyJsonPatch({}, [{ op: 'move', from: '/x/y', path: '/z' }]));
      assert.equal(
        error.message,
        'move operation does not apply: doc is missing from path: /x/y: missing value',
      );
    });
  });

  describe('copy', () => {
    it('copies a value without sharing it with the source', () => {
      const result = applyJsonPatch({ a: { x: [1] } }, [
        { op: 'copy', from: '/a', path: '/b' },
        { op: 'add', path: '/b/x/-', value: 2 },
      ]);
      assert.deepEqual(result, { a: { x: [1] }, b: { x: [1, 2] } });
    });

    it('rejects copying from a missing member', () => {
      assert.equal(
        patchError(() => applyJsonPatch({}, [{ op: 'copy', from: '/x', path: '/y' }])).reason,
        'Invalid',
      );
    });
  });

  describe('test', () => {
    it('passes when the value is structurally equal, whatever the member order', () => {
      const ops = [
        {
          op: 'test',
          path: '/metadata',
          value: { labels: { app: 'web' }, namespace: 'default', name: 'web' },
        },
      ];
      assert.deepEqual(applyJsonPatch(deployment(), ops), deployment());
    });

    it('fails the whole patch with a 422 Invalid "testing value … failed" even after earlier operations applied', () => {
      const ops = [
        { op: 'replace', path: '/metadata/name', value: 'other' },
        { op: 'test', path: '/spec/replicas', value: 3 },
      ];
      const error = patchError(() => applyJsonPatch(deployment(), ops));
      assert.equal(error.reason, 'Invalid');
      assert.equal(error.code, 422);
      assert.equal(error.message, 'testing value /spec/replicas failed: test failed');
    });

    it('guards a resourceVersion the way optimistic clients do', () => {
      const doc = { metadata: { resourceVersion: '41' } };
      const ops = [
        { op: 'test', path: '/metadata/resourceVersion', value: '42' },
        { op: 'add', path: '/metadata/labels', value: { a: 'b' } },
      ];
      assert.match(
        patchError(() => applyJsonPatch(doc, ops)).message,
        /testing value \/metadata\/resourceVersion failed/,
      );
    });

    it('tells numbers from strings and arrays from objects', () => {
      assert.equal(
        patchError(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: '1' }])).reason,
        'Invalid',
      );
      assert.equal(
        patchError(() => applyJsonPatch({ a: [] }, [{ op: 'test', path: '/a', value: {} }])).reason,
        'Invalid',
      );
    });

    it('treats a missing member as null, as the real server does', () => {
      assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/b', value: null }]), { a: 1 });
      assert.equal(
        patchError(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/b', value: 1 }])).reason,
        'Invalid',
      );
    });

    it('compares the whole document when the path is empty', () => {
      assert.deepEqual(applyJsonPatch({ a: [1] }, [{ op: 'test', path: '', value: { a: [1] } }]), { a: [1] });
    });
  });

  describe('validation of the operations list', () => {
    it('rejects a body that is not an array as BadRequest', () => {
      const error = patchError(() => applyJsonPatch({}, { op: 'add', path: '/a', value: 1 }));
      assert.equal(error.reason, 'BadRequest');
      assert.equal(error.code, 400);
      assert.equal(error.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    });

    it('rejects an operation that is not an object as BadRequest', () => {
      assert.equal(patchError(() => applyJsonPatch({}, ['add'])).reason, 'BadRequest');
    });

    it('rejects an unknown or missing op', () => {
      assert.equal(
        patchError(() => applyJsonPatch({}, [{ op: 'merge', path: '/a' }])).message,
        'Unexpected kind: merge',
      );
      assert.equal(
        patchError(() => applyJsonPatch({}, [{ path: '/a' }])).message,
        'Unexpected kind: unknown',
      );
    });

    it('rejects a missing or non-string path or from', () => {
      assert.equal(patchError(() => applyJsonPatch({}, [{ op: 'add', value: 1 }])).reason, 'Invalid');
      assert.equal(patchError(() => applyJsonPatch({}, [{ op: 'remove', path: 3 }])).reason, 'Invalid');
      assert.equal(
        patchError(() => applyJsonPatch({ a: 1 }, [{ op: 'copy', path: '/b' }])).reason,
        'Invalid',
      );
    });

    it('rejects add, replace and test without a value', () => {
      for (const op of ['add', 'replace', 'test']) {
        const error = patchError(() => applyJsonPatch({ a: 1 }, [{ op, path: '/a' }]));
        assert.equal(error.message, `${op} operation, missing value field: missing value`);
      }
    });

    it('checks every operation before applying any', () => {
      const error = patchError(() =>
        applyJsonPatch({}, [{ op: 'test', path: '/zzz', value: 1 }, { op: 'bogus' }]),
      );
      assert.equal(error.message, 'Unexpected kind: bogus');
    });

    it('accepts an empty operations list', () => {
      assert.deepEqual(applyJsonPatch(deployment(), []), deployment());
    });
  });

  it('never modifies the document or the operations it was given', () => {
    const doc = deployment();
    const value = { team: 'a' };
    const ops = [
      { op: 'add', path: '/metadata/annotations', value },
      { op: 'add', path: '/metadata/annotations/owner', value: 'me' },
      { op: 'remove', path: '/spec/template/spec/containers/0/args/0' },
      { op: 'move', from: '/spec/replicas', path: '/replicas' },
    ];
    const result = applyJsonPatch(doc, ops);
    assert.deepEqual(doc, deployment());
    assert.deepEqual(value, { team: 'a' });
    assert.notDeepEqual(result, doc);
  });

  it('applies operations in order, each seeing the result of the one before', () => {
    const ops = [
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'sidecar', image: 'busybox' } },
      { op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'busybox:1.36' },
      {
        op: 'test',
        path: '/spec/template/spec/containers/1',
        value: { name: 'sidecar', image: 'busybox:1.36' },
      },
    ];
    assert.deepEqual(containersOf(applyJsonPatch(deployment(), ops)), [
      { name: 'web', image: 'nginx:1.25', args: ['--port', '80'] },
      { name: 'sidecar', image: 'busybox:1.36' },
    ]);
  });

  it('exports the generic Status message the real server pairs with JSON patch failures', () => {
    assert.equal(INVALID_REQUEST_MESSAGE, 'the server rejected our request due to an error in our request');
  });
});

describe('jsonEqual', () => {
  it('ignores member order but not array order', () => {
    assert.equal(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), true);
    assert.equal(jsonEqual([1, 2], [2, 1]), false);
  });

  it('tells a missing member from a null one', () => {
    assert.equal(jsonEqual({ a: null }, { b: null }), false);
    assert.equal(jsonEqual({ a: null }, {}), false);
  });
});
