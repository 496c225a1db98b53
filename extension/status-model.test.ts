import assert from 'node:assert/strict';
import { agentError } from '../protocol';
import { statusContent } from './status-model';
import { context } from './views/fixtures/shop';

describe('status bar', () => {
  const sandbox = { context: context('sandbox'), namespace: 'shop', chosen: true };
  const prod = { context: context('prod-eu', { production: true }), namespace: 'payments', chosen: true };

  it('shows the context and namespace in use', () => {
    const c = statusContent({ kind: 'connected', agentVersion: '0.1.0', pid: 42 }, sandbox, false);
    assert.equal(c.text, '$(rocket) sandbox · shop');
    assert.equal(c.warning, false);
    assert.match(c.tooltip, /agent 0\.1\.0 \(pid 42\) connected/);
  });

  it('looks different on a production context', () => {
    const c = statusContent({ kind: 'connected', agentVersion: '0.1.0', pid: 42 }, prod, true);
    assert.equal(c.text, '$(flame) prod-eu · all namespaces');
    assert.equal(c.warning, true);
  });

  it('shows the agent state while not connected', () => {
    assert.equal(statusContent({ kind: 'connecting' }, undefined, false).text, '$(sync~spin) Slipway');
    const down = statusContent(
      { kind: 'disconnected', error: agentError('UNAVAILABLE', 'The agent is not reachable.') },
      sandbox,
      false,
    );
    assert.equal(down.text, '$(debug-disconnect) sandbox · shop');
    assert.match(down.tooltip, /not connected: The agent is not reachable\./);
  });
});
