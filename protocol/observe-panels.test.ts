import { strict as assert } from 'node:assert';
import {
  parseHostToLogPanel,
  parseHostToMetricPanel,
  parseLogPanelToHost,
  parseMetricPanelToHost,
} from './observe-panels';

describe('log and metric panel messages', () => {
  it('accepts whole messages', () => {
    const lines = {
      type: 'lines',
      lines: [{ pod: 'p', container: 'c', ts: '2026-11-22T12:00:00.000000001Z', text: 'hi', previous: true }],
    };
    assert.deepEqual(parseHostToLogPanel(lines), lines);
    assert.deepEqual(parseLogPanelToHost({ type: 'restart', options: { previous: false, tailLines: 100 } }), {
      type: 'restart',
      options: { previous: false, tailLines: 100 },
    });
    assert.equal(
      parseHostToMetricPanel({ type: 'samples', samples: [{ at: 'x', pods: [] }] })?.type,
      'samples',
    );
    assert.deepEqual(parseMetricPanelToHost({ type: 'window', window: 900 }), {
      type: 'window',
      window: 900,
    });
  });

  it('refuses unknown types, missing or extra fields and wrong values', () => {
    assert.equal(parseHostToLogPanel({ type: 'lines', lines: [{ pod: 'p' }] }), undefined);
    assert.equal(parseHostToLogPanel({ type: 'nope' }), undefined);
    assert.equal(parseLogPanelToHost({ type: 'copy', text: 'x' }), undefined);
    assert.equal(parseLogPanelToHost({ type: 'ready', extra: 1 }), undefined);
    assert.equal(parseMetricPanelToHost({ type: 'window', window: 42 }), undefined);
    assert.equal(parseHostToLogPanel('ready'), undefined);
  });
});
