import assert from 'node:assert/strict';
import { AgentFailure, type ClusterStatus, agentError } from '../../protocol';
import { context } from '../views/fixtures/shop';
import { ClusterStatusCache, type StatusSource } from './cluster-status';

/** A source whose answers the test hands out by hand. */
function source(): StatusSource & {
  asked: string[];
  answer(i: number, v: ClusterStatus | Error): void;
  connected: boolean;
} {
  const waiting: { resolve(v: ClusterStatus): void; reject(e: Error): void }[] = [];
  const s = {
    connected: true,
    asked: [] as string[],
    request: (name: string) =>
      new Promise<ClusterStatus>((resolve, reject) => {
        s.asked.push(name);
        waiting.push({ resolve, reject });
      }),
    answer: (i: number, v: ClusterStatus | Error) =>
      v instanceof Error ? waiting[i]!.reject(v) : waiting[i]!.resolve(v),
  };
  return s;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('cluster status', () => {
  it('asks once per context, lazily, and shows the answer', async () => {
    const src = source();
    const cache = new ClusterStatusCache(src);
    const sandbox = context('sandbox');
    cache.ensure(sandbox);
    cache.ensure(sandbox);
    assert.deepEqual(src.asked, ['sandbox']);
    assert.deepEqual(cache.get('sandbox'), { kind: 'pending' });
    src.answer(0, { context: 'sandbox', reachable: true, serverVersion: 'v1.32.4' });
    await tick();
    assert.deepEqual(cache.get('sandbox'), {
      kind: 'done',
      status: { context: 'sandbox', reachable: true, serverVersion: 'v1.32.4' },
    });
  });

  it('asks again when the context points at another cluster', () => {
    const src = source();
    const cache = new ClusterStatusCache(src);
    cache.ensure(context('sandbox'));
    cache.ensure(context('sandbox', { server: 'https://elsewhere:6443' }));
    assert.deepEqual(src.asked, ['sandbox', 'sandbox']);
  });

  it('keeps a failure as the error value', async () => {
    const src = source();
    const cache = new ClusterStatusCache(src);
    cache.ensure(context('sandbox'));
    const error = agentError('TIMEOUT', 'The cluster did not answer in time.');
    src.answer(0, new AgentFailure(error));
    await tick();
    assert.deepEqual(cache.get('sandbox'), { kind: 'failed', error });
  });

  it('waits for a connection and asks again for every shown context after a reconnect', async () => {
    const src = source();
    src.connected = false;
    const cache = new ClusterStatusCache(src);
    cache.ensure(context('sandbox'));
    cache.ensure(context('prod'));
    assert.deepEqual(src.asked, []);
    src.connected = true;
    cache.reconnected();
    assert.deepEqual(src.asked, ['sandbox', 'prod']);
  });

  it('drops an answer that a refresh superseded', async () => {
    const src = source();
    const cache = new ClusterStatusCache(src);
    cache.ensure(context('sandbox'));
    cache.refresh('sandbox');
    src.answer(1, { context: 'sandbox', reachable: true, serverVersion: 'v2' });
    src.answer(0, { context: 'sandbox', reachable: false });
    await tick();
    const entry = cache.get('sandbox');
    assert.ok(entry?.kind === 'done' && entry.status.serverVersion === 'v2');
  });
});
