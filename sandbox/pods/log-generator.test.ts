import { strict as assert } from 'node:assert';
import { ManualClock } from '../clock';
import { crashLogLines, crashMessage, serviceNameFor, startLogGenerator } from './log-generator';

const PLAIN = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |DEBUG|WARN |ERROR) \[[\w-]+\] [\w.]+ - .+$/;

function run(ratePerSec: number, ms: number, seed?: number): string[] {
  const clock = new ManualClock();
  const lines: string[] = [];
  const base = {
    clock,
    ratePerSec,
    write: (l: string) => lines.push(l),
    podName: 'orders-api-7d9f8c6b5-x2k9q',
  };
  const timer = startLogGenerator({ ...base, container: 'app', ...(seed === undefined ? {} : { seed }) });
  clock.advance(ms);
  timer.cancel();
  return lines;
}

describe('startLogGenerator', () => {
  it('writes nothing at rate 0, which leaves only access logs', () => {
    assert.deepEqual(run(0, 10_000), []);
  });

  it('starts with a service boot sequence ending in a Started line', () => {
    const lines = run(1, 0);
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /Starting OrdersApiService/);
    assert.match(lines[4]!, /INFO {2}\[main\] .* - Started OrdersApiService in \d\.\d seconds$/);
  });

  it('writes ratePerSec lines per second on average, for slow, moderate and high rates', () => {
    assert.equal(run(0.5, 10_000).length - 5, 5);
    assert.equal(run(5, 10_000).length - 5, 50);
    assert.equal(run(37, 10_000).length - 5, 370);
  });

  it('mixes logback-style plain lines and JSON lines with levels', () => {
    const lines = run(50, 10_000).slice(5);
    const json = lines.filter((l) => l.startsWith('{'));
    const plain = lines.filter((l) => !l.startsWith('{'));
    assert.ok(json.length > 100 && plain.length > 100);
    for (const l of plain) assert.match(l, PLAIN);
    const levels = new Set(json.map((l) => (JSON.parse(l) as { level: string }).level));
    assert.deepEqual([...levels].sort(), ['debug', 'error', 'info', 'warn']);
    const handled = json
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((o) => o['msg'] === 'handled request');
    assert.match(String(handled?.['path']), /^\/api\/v1\//);
    assert.equal(typeof handled?.['duration_ms'], 'number');
  });

  it('stamps lines with the injected clock and is repeatable for the same pod', () => {
    const a = run(2, 5_000);
    assert.deepEqual(run(2, 5_000), a);
    assert.notDeepEqual(run(2, 5_000, 42), a);
    assert.match(a[a.length - 1]!, /2026-01-01T00:00:05\.000Z/);
  });

  it('writes no more lines after cancel', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const timer = startLogGenerator({
      clock,
      ratePerSec: 10,
      write: (l) => lines.push(l),
      podName: 'p',
      container: 'c',
    });
    timer.cancel();
    clock.advance(5_000);
    assert.equal(lines.length, 5);
  });
});

describe('crash output', () => {
  it('offers a single-line panic message, which the full crash sequence ends with after a fatal JSON line', () => {
    const lines = crashLogLines({
      podName: 'web-0',
      container: 'app',
      now: Date.parse('2026-01-01T00:00:00Z'),
    });
    assert.equal(lines[lines.length - 1], crashMessage('app'));
    assert.match(crashMessage('app'), /^panic: app: [^\n]+$/);
    const fatal = JSON.parse(lines[lines.length - 2]!) as Record<string, unknown>;
    assert.equal(fatal['level'], 'fatal');
    assert.equal(fatal['ts'], '2026-01-01T00:00:00.000Z');
  });

  it('derives the service name from the pod name without generated suffixes', () => {
    assert.equal(serviceNameFor('orders-api-7d9f8c6b5-x2k9q'), 'OrdersApiService');
    assert.equal(serviceNameFor('postgres-0'), 'PostgresService');
    assert.equal(serviceNameFor('web'), 'WebService');
  });
});
