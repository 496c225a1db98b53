import { strict as assert } from 'node:assert';
import { buildEventsTree } from './events-model';

describe('buildEventsTree', () => {
  const now = Date.parse('2026-11-22T12:10:00Z');
  const focus = { context: 'sandbox', namespace: 'shop', label: 'pod/mailer-x', objects: [] };

  it('asks for a selection first, then shows newest events first with warnings marked', () => {
    const none = buildEventsTree({
      agent: { kind: 'connected' },
      focus: undefined,
      events: undefined,
      error: undefined,
      now,
    });
    assert.match(none.nodes.get(none.roots[0]!)!.label, /Select a workload/);
    const t = buildEventsTree({
      agent: { kind: 'connected' },
      focus,
      events: [
        {
          type: 'Normal',
          reason: 'Pulled',
          message: 'pulled',
          object: 'Pod/mailer-x',
          count: 1,
          lastSeen: '2026-11-22T12:00:00Z',
        },
        {
          type: 'Warning',
          reason: 'BackOff',
          message: 'Back-off restarting',
          object: 'Pod/mailer-x',
          count: 4,
          lastSeen: '2026-11-22T12:09:00Z',
        },
      ],
      error: undefined,
      now,
    });
    const rows = t.roots.map((id) => t.nodes.get(id)!);
    assert.deepEqual(
      rows.map((r) => r.label),
      ['BackOff: Back-off restarting', 'Pulled: pulled'],
    );
    assert.equal(rows[0]!.icon?.id, 'warning');
    assert.match(rows[0]!.description ?? '', /Pod\/mailer-x · ×4 · 1m ago/);
  });

  it('shows a failure as its sentence and an empty list as such', () => {
    const failed = buildEventsTree({
      agent: { kind: 'connected' },
      focus,
      events: undefined,
      error: 'Forbidden: cannot list events.',
      now,
    });
    assert.equal(failed.nodes.get(failed.roots[0]!)!.label, 'Forbidden: cannot list events.');
    const empty = buildEventsTree({ agent: { kind: 'connected' }, focus, events: [], error: undefined, now });
    assert.match(empty.nodes.get(empty.roots[0]!)!.label, /No events for pod\/mailer-x/);
  });
});
