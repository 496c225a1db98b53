import assert from 'node:assert/strict';
import { AgentFailure, agentError } from '../../protocol';
import { failureActions, failureLog, shouldNotify, toAgentError } from './failure';

describe('command failures', () => {
  it('keeps the agent’s sentence and code for the user', () => {
    const error = agentError('FORBIDDEN', 'You may not list pods in shop.');
    assert.deepEqual(toAgentError(new AgentFailure(error)), error);
  });

  it('turns a bug into one calm sentence while the log keeps its stack', () => {
    const bug = new TypeError('x is undefined');
    const error = toAgentError(bug);
    assert.equal(error.code, 'INTERNAL');
    assert.equal(error.message, 'Slipway failed unexpectedly; see the Slipway log for details.');
    assert.match(failureLog('slipway.pickContext', error), /cause: TypeError: x is undefined\n\s+at /);
  });

  it('offers to open the kubeconfig when it is invalid', () => {
    assert.deepEqual(failureActions(agentError('KUBECONFIG_INVALID', 'Bad YAML.'), true), [
      'Open kubeconfig',
      'Show Log',
    ]);
  });

  it('offers Retry only for transient failures of commands that can run again', () => {
    assert.deepEqual(failureActions(agentError('TIMEOUT', 'Too slow.'), true), ['Retry', 'Show Log']);
    assert.deepEqual(failureActions(agentError('TIMEOUT', 'Too slow.'), false), ['Show Log']);
    assert.deepEqual(failureActions(agentError('FORBIDDEN', 'No.'), true), ['Show Log']);
  });

  it('offers to restart an agent that speaks another protocol', () => {
    assert.deepEqual(failureActions(agentError('PROTOCOL_MISMATCH', 'Old agent.'), true), [
      'Restart Agent',
      'Show Log',
    ]);
  });

  it('does not bother the user about what they cancelled', () => {
    assert.equal(shouldNotify(agentError('CANCELLED', 'Cancelled.')), false);
    assert.equal(shouldNotify(agentError('INTERNAL', 'Oops.')), true);
  });
});
