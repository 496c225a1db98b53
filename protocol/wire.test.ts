import { strict as assert } from 'node:assert';
import { applyDelta, emptyState } from './topics';
import { PROTOCOL_VERSION, parseClientMessage } from './wire';

describe('protocol boundary', () => {
  it('accepts a well-formed request and infers its method', () => {
    const r = parseClientMessage(
      JSON.stringify({ t: 'req', id: 7, method: 'cluster.status', params: { context: 'prod' } }),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.msg, { t: 'req', id: 7, method: 'cluster.status', params: { context: 'prod' } });
  });

  it('answers malformed frames with typed errors, keeping the request id when there is one', () => {
    const cases: [string, string, number | undefined][] = [
      ['{', 'BAD_REQUEST', undefined],
      [JSON.stringify({ t: 'req', id: 3, method: 'no.such' }), 'UNKNOWN_METHOD', 3],
      [JSON.stringify({ t: 'req', id: 4, method: 'cluster.status', params: {} }), 'BAD_REQUEST', 4],
      [
        JSON.stringify({ t: 'req', id: 5, method: 'cluster.status', params: { context: 'x', extra: 1 } }),
        'BAD_REQUEST',
        5,
      ],
      [JSON.stringify({ t: 'sub', id: 6, topic: 'nope', params: {} }), 'BAD_REQUEST', 6],
      [JSON.stringify({ t: 'launch' }), 'BAD_REQUEST', undefined],
    ];
    for (const [text, code, id] of cases) {
      const r = parseClientMessage(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) {
        assert.equal(r.error.code, code, text);
        assert.equal(r.id, id, text);
        assert.ok(r.error.message.length > 0);
      }
    }
  });

  it('validates hello and subscription parameters', () => {
    const hello = parseClientMessage(
      JSON.stringify({ t: 'hello', protocol: PROTOCOL_VERSION, client: 'vscode' }),
    );
    assert.ok(hello.ok);
    const sub = parseClientMessage(
      JSON.stringify({
        t: 'sub',
        id: 1,
        topic: 'services',
        params: { context: 'c' },
        resume: { epoch: 'e', seq: 4 },
      }),
    );
    assert.ok(sub.ok && sub.msg.t === 'sub' && sub.msg.resume?.seq === 4);
  });

  it('applies put, delete and error deltas to a mirror', () => {
    const state = emptyState('namespaces');
    applyDelta(state, [{ op: 'put', c: 'namespaces', key: 'a', value: { name: 'a', phase: 'Active' } }]);
    applyDelta(state, [
      { op: 'put', c: 'namespaces', key: 'b', value: { name: 'b', phase: 'Active' } },
      { op: 'del', c: 'namespaces', key: 'a' },
    ]);
    assert.deepEqual(Object.keys(state.namespaces), ['b']);
    const err = applyDelta(state, [{ op: 'error', error: { code: 'CLUSTER_UNREACHABLE', message: 'down' } }]);
    assert.equal(err?.code, 'CLUSTER_UNREACHABLE');
    assert.equal(applyDelta(state, [{ op: 'error', error: null }]), null);
  });
});
