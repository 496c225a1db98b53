import assert from 'node:assert/strict';
import type { TopicHandlers } from '../agent/client';
import { context } from '../views/fixtures/shop';
import { Selection, type SelectionMemento, resolveSelection } from './selection';
import { TopicStore, type TopicSubscriber } from './topic-store';

const sandbox = context('sandbox', { current: true, namespace: 'shop' });
const prod = context('prod-eu', { production: true, namespace: 'payments' });

describe('selection', () => {
  it('defaults to the kubeconfig’s current context and its namespace', () => {
    assert.deepEqual(resolveSelection(undefined, [prod, sandbox]), {
      context: sandbox,
      namespace: 'shop',
      chosen: false,
    });
  });

  it('prefers what was chosen in this window, with that context’s namespace unless one was chosen', () => {
    assert.deepEqual(resolveSelection({ context: 'prod-eu' }, [prod, sandbox]), {
      context: prod,
      namespace: 'payments',
      chosen: true,
    });
    assert.equal(resolveSelection({ context: 'prod-eu', namespace: 'x' }, [prod, sandbox])?.namespace, 'x');
  });

  it('falls back to the current context when the chosen one left the kubeconfig', () => {
    assert.equal(resolveSelection({ context: 'gone' }, [prod, sandbox])?.context.name, 'sandbox');
  });

  it('selects nothing rather than guess when there is no current context', () => {
    assert.equal(resolveSelection(undefined, [prod]), undefined);
  });

  it('remembers a choice in workspace state and tells listeners, without a kubeconfig write', async () => {
    const memory = new Map<string, unknown>();
    const memento: SelectionMemento = {
      get: <T>(key: string) => memory.get(key) as T | undefined,
      update: async (key, value) => void memory.set(key, value),
    };
    let push: TopicHandlers<'kubeconfig'>['onState'] | undefined;
    const client: TopicSubscriber = {
      subscribe: (_topic, _params, handlers) => {
        push = handlers.onState as TopicHandlers<'kubeconfig'>['onState'];
        return { dispose: () => undefined };
      },
    };
    const kubeconfig = new TopicStore(client, 'kubeconfig', {});
    const selection = new Selection(memento, kubeconfig);
    const seen: (string | undefined)[] = [];
    selection.onDidChange((s) => seen.push(s && `${s.context.name}/${s.namespace}`));
    push!({ contexts: { sandbox, 'prod-eu': prod }, problems: {} }, null, 'snapshot');
    await selection.choose('prod-eu', 'payments');
    assert.deepEqual(seen, ['sandbox/shop', 'prod-eu/payments']);
    assert.deepEqual(memory.get('slipway.selection'), { context: 'prod-eu', namespace: 'payments' });
  });
});
