import assert from 'node:assert/strict';
import { AgentFailure, agentError } from '../../protocol';
import { keepAttached } from './stream-attachment';

describe('keepAttached', () => {
  it('waits for an agent, reattaches after a lost connection, and stops when the stream is complete', async () => {
    const states: string[] = [];
    let calls = 0;
    let connected = false;
    setTimeout(() => (connected = true), 30);
    const outcome = await keepAttached({
      client: () => (connected ? 'client' : undefined),
      signal: new AbortController().signal,
      retryMs: 5,
      lost: 'lost; resuming',
      state: (s, m) => states.push(m === undefined ? s : `${s}: ${m}`),
      attach: (client) => {
        assert.equal(client, 'client');
        calls++;
        if (calls === 1) return Promise.reject(new AgentFailure(agentError('UNAVAILABLE', 'socket closed')));
        if (calls === 2) return Promise.resolve(false);
        return Promise.resolve(true);
      },
    });
    assert.equal(outcome, 'complete');
    assert.equal(calls, 3);
    assert.deepEqual(states, [
      'reconnecting: Waiting for the Slipway agent…',
      'live',
      'reconnecting: lost; resuming',
      'live',
      'live',
    ]);
  });

  it('ends with the request’s own failure instead of retrying it', async () => {
    const states: string[] = [];
    const outcome = await keepAttached({
      client: () => 'client',
      signal: new AbortController().signal,
      retryMs: 5,
      lost: 'lost',
      state: (s, m) => states.push(m === undefined ? s : `${s}: ${m}`),
      attach: () =>
        Promise.reject(new AgentFailure(agentError('NOT_FOUND', 'Deployment shop/x was not found.'))),
    });
    assert.equal(outcome, 'failed');
    assert.deepEqual(states, ['live', 'ended: Deployment shop/x was not found.']);
  });

  it('stops when aborted, also while waiting for an agent', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const outcome = await keepAttached({
      client: () => undefined,
      signal: ac.signal,
      retryMs: 5,
      lost: 'lost',
      state: () => undefined,
      attach: () => Promise.resolve(true),
    });
    assert.equal(outcome, 'aborted');
  });
});
