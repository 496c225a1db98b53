import assert from 'node:assert/strict';
import { Coalescer, type Timers } from './coalescer';
import { Emitter } from './emitter';
import { Scope } from './scope';

function manualTimers(): Timers & { run(): void; pending: number } {
  const queue: (() => void)[] = [];
  return {
    setTimeout: (fn) => queue.push(fn),
    clearTimeout: () => queue.splice(0),
    run: () => queue.splice(0).forEach((fn) => fn()),
    get pending() {
      return queue.length;
    },
  };
}

describe('Scope', () => {
  it('disposes what it owns newest first and aborts its signal', () => {
    const scope = new Scope();
    const order: string[] = [];
    scope.defer(() => order.push('watch'));
    scope.defer(() => order.push('timer'));
    const signal = scope.signal;
    scope.clear();
    assert.deepEqual(order, ['timer', 'watch']);
    assert.equal(signal.aborted, true);
    assert.equal(scope.signal.aborted, false, 'a cleared scope is usable again');
  });

  it('disposes at once what joins after it ended, so nothing outlives it', () => {
    const scope = new Scope();
    scope.dispose();
    let disposed = false;
    scope.defer(() => (disposed = true));
    assert.equal(disposed, true);
  });

  it('runs every clean-up even when one throws, then reports the failure', () => {
    const scope = new Scope();
    let ran = false;
    scope.defer(() => (ran = true));
    scope.defer(() => {
      throw new Error('boom');
    });
    assert.throws(() => scope.dispose(), /boom/);
    assert.equal(ran, true);
  });

  it('ends a child with its parent, and forgets a child disposed on its own', () => {
    const parent = new Scope();
    const a = parent.child();
    const b = parent.child();
    let aDone = false;
    a.defer(() => (aDone = true));
    b.dispose();
    parent.dispose();
    assert.equal(aDone, true);
  });
});

describe('Emitter', () => {
  it('delivers to every listener until it unsubscribes', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    const sub = e.event((n) => seen.push(n));
    e.fire(1);
    sub.dispose();
    e.fire(2);
    assert.deepEqual(seen, [1]);
  });

  it('still reaches later listeners when an earlier one throws', () => {
    const e = new Emitter<void>();
    let reached = false;
    e.event(() => {
      throw new Error('listener bug');
    });
    e.event(() => (reached = true));
    assert.throws(() => e.fire(), /listener bug/);
    assert.equal(reached, true);
  });
});

describe('Coalescer', () => {
  it('turns a burst of changes into one redraw', () => {
    const timers = manualTimers();
    let flushes = 0;
    const c = new Coalescer(() => flushes++, 100, timers);
    for (let i = 0; i < 50; i++) c.schedule();
    assert.equal(timers.pending, 1);
    timers.run();
    assert.equal(flushes, 1);
    c.schedule();
    timers.run();
    assert.equal(flushes, 2);
  });

  it('does not redraw after disposal', () => {
    const timers = manualTimers();
    let flushes = 0;
    const c = new Coalescer(() => flushes++, 100, timers);
    c.schedule();
    c.dispose();
    timers.run();
    assert.equal(flushes, 0);
  });
});
