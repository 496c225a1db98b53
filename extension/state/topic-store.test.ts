import assert from 'node:assert/strict';
import { agentError } from '../../protocol';
import type { TopicHandlers } from '../agent/client';
import { TopicStore, type TopicSubscriber } from './topic-store';

function fakeClient(): TopicSubscriber & {
  handlers: TopicHandlers<'namespaces'> | undefined;
  disposed: boolean;
} {
  const c = {
    handlers: undefined as TopicHandlers<'namespaces'> | undefined,
    disposed: false,
    subscribe: (_topic: string, _params: object, handlers: unknown) => {
      c.handlers = handlers as TopicHandlers<'namespaces'>;
      return { dispose: () => void (c.disposed = true) };
    },
  };
  return c as TopicSubscriber & typeof c;
}

describe('TopicStore', () => {
  it('is not loaded until the first snapshot, then lists the mirror’s items', () => {
    const client = fakeClient();
    const store = new TopicStore(client, 'namespaces', { context: 'sandbox' });
    let changes = 0;
    store.onDidChange(() => changes++);
    assert.equal(store.loaded, false);
    assert.deepEqual(store.items('namespaces'), []);
    client.handlers!.onState({ namespaces: { shop: { name: 'shop', phase: 'Active' } } }, null, 'snapshot');
    assert.equal(store.loaded, true);
    assert.deepEqual(store.items('namespaces'), [{ name: 'shop', phase: 'Active' }]);
    assert.equal(changes, 1);
  });

  it('reports the source’s error, and the reason the agent ended the subscription', () => {
    const client = fakeClient();
    const store = new TopicStore(client, 'namespaces', { context: 'gone' });
    const failing = agentError('CLUSTER_UNREACHABLE', 'The cluster gone is unreachable.');
    client.handlers!.onState({ namespaces: {} }, failing, 'snapshot');
    assert.deepEqual(store.error, failing);
    const ended = agentError('CONTEXT_NOT_FOUND', 'The context gone is no longer in your kubeconfig.');
    client.handlers!.onEnd!(ended);
    assert.deepEqual(store.error, ended);
  });

  it('unsubscribes when disposed', () => {
    const client = fakeClient();
    new TopicStore(client, 'namespaces', { context: 'sandbox' }).dispose();
    assert.equal(client.disposed, true);
  });
});
