import { strict as assert } from 'node:assert';
import { ContainerLog, formatRfc3339Nano, PreviousLogNotFoundError, truncateUtf8 } from './logs';

const T0 = Date.parse('2026-01-01T00:00:00.123Z');

/** A log with lines "line 0".."line n-1", one second apart starting at T0. */
function logWith(n: number): ContainerLog {
  const log = new ContainerLog();
  for (let i = 0; i < n; i++) log.append(`line ${i}`, T0 + i * 1000);
  return log;
}

describe('ContainerLog.read', () => {
  it('returns every line newline-terminated, like kubelet', () => {
    assert.equal(logWith(3).read({ now: T0 }), 'line 0\nline 1\nline 2\n');
    assert.equal(new ContainerLog().read({ now: T0 }), '');
  });

  it('splits appended text with newlines into lines sharing one timestamp', () => {
    const log = new ContainerLog();
    log.append('first\nsecond\n', T0);
    assert.equal(log.lineCount(), 2);
    assert.equal(
      log.read({ now: T0, timestamps: true }),
      `${formatRfc3339Nano(T0)} first\n${formatRfc3339Nano(T0)} second\n`,
    );
  });

  it('prefixes RFC3339Nano timestamps with nine fractional digits in UTC', () => {
    assert.equal(formatRfc3339Nano(T0), '2026-01-01T00:00:00.123000000Z');
    assert.equal(logWith(1).read({ now: T0, timestamps: true }), '2026-01-01T00:00:00.123000000Z line 0\n');
  });

  it('returns only the last tailLines lines, and nothing for tailLines 0', () => {
    const log = logWith(5);
    assert.equal(log.read({ now: T0, tailLines: 2 }), 'line 3\nline 4\n');
    assert.equal(log.read({ now: T0, tailLines: 0 }), '');
    assert.equal(log.read({ now: T0, tailLines: 99 }), logWith(5).read({ now: T0 }));
  });

  it('includes lines stamped exactly at sinceTime and measures sinceSeconds back from now', () => {
    const log = logWith(5);
    assert.equal(log.read({ now: T0, sinceTime: T0 + 3000 }), 'line 3\nline 4\n');
    assert.equal(log.read({ now: T0 + 4000, sinceSeconds: 1 }), 'line 3\nline 4\n');
    assert.equal(log.read({ now: T0, sinceTime: T0 + 1000, tailLines: 1 }), 'line 4\n');
  });

  it('truncates output at limitBytes, even mid-line, without splitting a UTF-8 character', () => {
    const log = logWith(3);
    assert.equal(log.read({ now: T0, limitBytes: 10 }), 'line 0\nlin');
    assert.equal(log.read({ now: T0, limitBytes: 7 }), 'line 0\n');
    assert.equal(truncateUtf8('aé', 2), 'a');
    assert.equal(truncateUtf8('aé', 3), 'aé');
  });

  it('keeps the lines of the instance before the last restart for previous, and only those', () => {
    const log = logWith(2);
    assert.throws(() => log.read({ now: T0, previous: true }), PreviousLogNotFoundError);
    log.restart();
    log.append('after restart', T0 + 5000);
    assert.equal(log.read({ now: T0, previous: true }), 'line 0\nline 1\n');
    assert.equal(log.read({ now: T0 }), 'after restart\n');
    log.restart();
    assert.equal(log.read({ now: T0, previous: true }), 'after restart\n');
    assert.equal(log.read({ now: T0 }), '');
  });

  it('drops the oldest lines beyond the line limit and beyond the byte limit', () => {
    const byLines = new ContainerLog({ maxLines: 3 });
    for (let i = 0; i < 10; i++) byLines.append(`line ${i}`, T0 + i);
    assert.equal(byLines.read({ now: T0 }), 'line 7\nline 8\nline 9\n');
    const byBytes = new ContainerLog({ maxBytes: 14 });
    for (let i = 0; i < 10; i++) byBytes.append(`line ${i}`, T0 + i);
    assert.equal(byBytes.read({ now: T0 }), 'line 8\nline 9\n');
  });

  it('appends in constant time: a quarter million lines into a 10,000-line buffer stays fast', () => {
    const log = new ContainerLog();
    const started = performance.now();
    for (let i = 0; i < 250_000; i++) log.append(`request ${i} handled`, T0 + i);
    assert.equal(log.lineCount(), 10_000);
    assert.equal(log.read({ now: T0, tailLines: 1 }), 'request 249999 handled\n');
    assert.ok(performance.now() - started < 2000);
  });

  it('drops output written after the instance ended', () => {
    const log = logWith(1);
    log.end();
    log.append('too late', T0 + 9000);
    assert.equal(log.read({ now: T0 }), 'line 0\n');
    assert.equal(log.ended, true);
  });
});

describe('ContainerLog.follow', () => {
  it('delivers the matching backlog, then new lines, and ends when the instance ends', () => {
    const log = logWith(3);
    const got: string[] = [];
    let ended = 0;
    log.follow(
      { now: T0, tailLines: 1, timestamps: true },
      (l) => got.push(l),
      () => ended++,
    );
    log.append('live', T0 + 10_000);
    assert.deepEqual(got, [
      `${formatRfc3339Nano(T0 + 2000)} line 2\n`,
      `${formatRfc3339Nano(T0 + 10_000)} live\n`,
    ]);
    assert.equal(ended, 0);
    log.end();
    log.end();
    assert.equal(ended, 1);
  });

  it('stops delivering once unsubscribed', () => {
    const log = new ContainerLog();
    const got: string[] = [];
    const stop = log.follow({ now: T0 }, (l) => got.push(l));
    log.append('a', T0);
    stop();
    log.append('b', T0);
    assert.deepEqual(got, ['a\n']);
  });

  it('ends a follower of the current instance when the container restarts', () => {
    const log = new ContainerLog();
    let ended = false;
    const got: string[] = [];
    log.follow(
      { now: T0 },
      (l) => got.push(l),
      () => (ended = true),
    );
    log.restart();
    log.append('new instance', T0);
    assert.equal(ended, true);
    assert.deepEqual(got, []);
  });

  it('ends at once after the backlog when following an instance that has already stopped', () => {
    const log = logWith(2);
    log.restart();
    const events: string[] = [];
    log.follow(
      { now: T0, previous: true },
      (l) => events.push(l),
      () => events.push('end'),
    );
    assert.deepEqual(events, ['line 0\n', 'line 1\n', 'end']);
  });

  it('ends the stream once limitBytes is used up', () => {
    const log = logWith(1);
    const events: string[] = [];
    log.follow(
      { now: T0, limitBytes: 10 },
      (l) => events.push(l),
      () => events.push('end'),
    );
    log.append('abcdef', T0 + 1);
    log.append('ignored', T0 + 2);
    assert.deepEqual(events, ['line 0\n', 'abc', 'end']);
  });

  it('keeps other followers and the writer working when one consumer throws', () => {
    const log = new ContainerLog();
    const got: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    const original = process.emitWarning;
    process.emitWarning = ((w: string | Error) =>
      onWarning(typeof w === 'string' ? new Error(w) : w)) as typeof process.emitWarning;
    try {
      log.follow({ now: T0 }, () => {
        throw new Error('socket closed');
      });
      log.follow({ now: T0 }, (l) => got.push(l));
      log.append('x', T0);
    } finally {
      process.emitWarning = original;
    }
    assert.deepEqual(got, ['x\n']);
    assert.match(warnings[0]!, /socket closed/);
  });
});
