import { strict as assert } from 'node:assert';
import { ContainerCursor, LineSplitter, resumeSinceTime, splitStamp, stampKey } from './log-cursor';

describe('log cursor', () => {
  it('orders stamps of different precision like times', () => {
    assert.ok(stampKey('2026-01-01T00:00:00.5Z') > stampKey('2026-01-01T00:00:00.123456789Z'));
    assert.equal(stampKey('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00.000000000Z');
    assert.equal(stampKey('2026-01-01T02:00:00.1+02:00'), '2026-01-01T00:00:00.100000000Z');
  });

  it('resumes from the whole second, as metav1.Time carries no fraction', () => {
    assert.equal(resumeSinceTime('2026-01-01T00:00:07.250000000Z'), '2026-01-01T00:00:07Z');
  });

  it('splits the kubelet stamp from the text, and refuses lines without one', () => {
    assert.deepEqual(splitStamp('2026-01-01T00:00:00.000000000Z hello world'), {
      ts: '2026-01-01T00:00:00.000000000Z',
      text: 'hello world',
    });
    assert.deepEqual(splitStamp('2026-01-01T00:00:00Z'), { ts: '2026-01-01T00:00:00Z', text: '' });
    assert.equal(splitStamp('hello'), undefined);
  });

  it('skips what it delivered when a stream is read again, including lines sharing the last stamp', () => {
    const c = new ContainerCursor();
    const a = '2026-01-01T00:00:01.000000000Z';
    const b = '2026-01-01T00:00:01.500000000Z';
    assert.ok(c.accept(a));
    assert.ok(c.accept(b));
    assert.ok(c.accept(b));
    assert.deepEqual(c.position, { ts: b, n: 2 });
    c.rewind();
    // The re-read stream starts at the second: a, b, b are old; the third b and later lines are new.
    assert.equal(c.accept(a), false);
    assert.equal(c.accept(b), false);
    assert.equal(c.accept(b), false);
    assert.equal(c.accept(b), true);
    assert.equal(c.accept('2026-01-01T00:00:02.000000000Z'), true);
    assert.deepEqual(c.position, { ts: '2026-01-01T00:00:02.000000000Z', n: 1 });
  });

  it('starts from a cursor a client hands over', () => {
    const c = new ContainerCursor({ ts: '2026-01-01T00:00:01.000000000Z', n: 1 });
    c.rewind();
    assert.equal(c.accept('2026-01-01T00:00:01.000000000Z'), false);
    assert.equal(c.accept('2026-01-01T00:00:01.000000000Z'), true);
  });

  it('holds a partial line until its newline, so a broken stream never delivers half a line', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('one\ntw'), ['one']);
    assert.deepEqual(s.push('o\nthr'), ['two']);
    assert.equal(s.flush(), 'thr');
    assert.equal(s.flush(), undefined);
  });
});
