import { strict as assert } from 'node:assert';
import type { ForwardInfo } from '../../protocol';
import { buildForwardsTree, formatBytes, targetLabel } from './forwards-model';

const forward = (over: Partial<ForwardInfo> = {}): ForwardInfo => ({
  id: 'f1',
  spec: { context: 'sandbox', namespace: 'shop', target: { kind: 'service', name: 'gateway' }, port: 'http' },
  localPort: 8083,
  pod: 'gateway-abc',
  podPort: 4000,
  state: 'active',
  probedAt: '2026-11-22T12:00:00.000Z',
  bytesIn: 2048,
  bytesOut: 10,
  connections: 1,
  totalConnections: 7,
  startedAt: '2026-11-22T11:59:00.000Z',
  ...over,
});

describe('buildForwardsTree', () => {
  const now = Date.parse('2026-11-22T12:00:03.000Z');

  it('says how to start one while there are none', () => {
    const t = buildForwardsTree({
      agent: { kind: 'connected' },
      loaded: true,
      forwards: [],
      profiles: [],
      now,
    });
    assert.match(t.nodes.get(t.roots[0]!)!.label, /No port-forwards\. Right-click/);
  });

  it('shows each forward with its address, target, pod, probe age and traffic', () => {
    const t = buildForwardsTree({
      agent: { kind: 'connected' },
      loaded: true,
      forwards: [
        forward(),
        forward({ id: 'f2', localPort: 9000, state: 'moving', message: 'pod went away' }),
      ],
      profiles: [],
      now,
    });
    const [a, b] = t.roots.map((id) => t.nodes.get(id)!);
    assert.equal(a!.label, 'localhost:8083 → svc/gateway:http');
    assert.equal(a!.description, 'gateway-abc:4000 · sandbox/shop');
    assert.equal(a!.contextValue, 'forward.active');
    assert.match(a!.tooltip ?? '', /probed 3 s ago/);
    assert.match(a!.tooltip ?? '', /2\.0 KiB in · 10 B out · 1 open \/ 7 total/);
    assert.match(b!.description ?? '', /^moving · /);
    assert.match(b!.tooltip ?? '', /State: moving — pod went away/);
  });

  it('lists saved profiles under their own node', () => {
    const t = buildForwardsTree({
      agent: { kind: 'connected' },
      loaded: true,
      forwards: [],
      profiles: [{ name: 'debug', forwards: [{ ...forward().spec, localPort: 8083 }] }],
      now,
    });
    const root = t.nodes.get(t.roots[0]!)!;
    assert.equal(root.label, 'Saved profiles');
    const profile = t.nodes.get(root.children[0]!)!;
    assert.equal(profile.label, 'debug');
    assert.equal(profile.description, '8083→svc/gateway:http');
  });

  it('names targets like kubectl port-forward and sizes bytes', () => {
    assert.equal(
      targetLabel({
        context: 'c',
        namespace: 'n',
        target: { kind: 'workload', name: 'core', workloadKind: 'StatefulSet' },
        port: 4002,
      }),
      'statefulset/core:4002',
    );
    assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MiB');
  });
});
