import { strict as assert } from 'node:assert';
import { LogModel, ansiRuns, detectLevel } from './model';

const at = (s: number): string => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`;

describe('log panel model', () => {
  it('keeps lines in time order when a slower stream delivers late', () => {
    const m = new LogModel();
    m.add([
      { ts: at(1), pod: 'a', container: 'c', text: 'a1' },
      { ts: at(3), pod: 'a', container: 'c', text: 'a3' },
    ]);
    m.add([{ ts: at(2), pod: 'b', container: 'c', text: 'b2' }]);
    assert.deepEqual(
      m.all().map((l) => l.text),
      ['a1', 'b2', 'a3'],
    );
    assert.equal(m.indexAt(at(2)), 1);
  });

  it('is bounded and counts what it dropped', () => {
    const m = new LogModel(100);
    for (let i = 0; i < 25; i++)
      m.add(
        Array.from({ length: 10 }, (_, j) => ({
          ts: at(0),
          pod: 'p',
          container: 'c',
          text: `${i * 10 + j}`,
        })),
      );
    assert.ok(m.all().length <= 110);
    assert.equal(m.dropped + m.all().length, 250);
    assert.equal(m.all()[m.all().length - 1]!.text, '249');
  });

  it('detects levels of JSON and plain lines', () => {
    assert.equal(detectLevel('{"level":"error","msg":"x"}').level, 'error');
    assert.deepEqual(detectLevel('{"severity":"WARNING"}').json, { severity: 'WARNING' });
    assert.equal(detectLevel('2026-01-01 INFO  [main] started').level, 'info');
    assert.equal(detectLevel('panic: runtime error').level, 'fatal');
    assert.equal(detectLevel('GET /health 200').level, undefined);
  });

  it('filters by text, regex, level and pod, keeping N lines of context', () => {
    const m = new LogModel();
    m.add(
      ['INFO one', 'INFO two', 'ERROR boom', 'INFO four', 'INFO five'].map((text, i) => ({
        ts: at(i),
        pod: i === 4 ? 'other' : 'p',
        container: 'c',
        text,
      })),
    );
    const r = m.filter({ search: 'boom', context: 1 });
    assert.deepEqual(r.indexes, [1, 2, 3]);
    assert.deepEqual([...r.matches], [2]);
    assert.deepEqual(m.filter({ levels: ['error'] }).indexes, [2]);
    assert.deepEqual(m.filter({ search: '^INFO f', regex: true }).indexes, [3, 4]);
    assert.deepEqual(m.filter({ pods: ['other'] }).indexes, [4]);
    assert.match(m.filter({ search: '(', regex: true }).error ?? '', /Invalid regular expression/);
    assert.equal(m.text([2]), '[p/c] ERROR boom\n');
  });

  it('renders ANSI colours as classes and drops the escape codes', () => {
    assert.deepEqual(ansiRuns('\u001b[31mred\u001b[0m plain'), [
      { text: 'red', cls: 'ansi-fg-31' },
      { text: ' plain' },
    ]);
    assert.deepEqual(ansiRuns('no colour'), [{ text: 'no colour' }]);
  });
});
