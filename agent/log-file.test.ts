import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLogger } from './log-file';

describe('agent log file', () => {
  it('keeps every line in a private file and on stderr, rotating once it grows past its limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-log-'));
    const path = join(dir, 'nested', 'agent.log');
    const echoed: string[] = [];
    const log = fileLogger(path, { write: (t: string) => echoed.push(t) }, 200);
    for (let i = 0; i < 10; i++) log(`line ${i} ${'x'.repeat(40)}`);
    assert.equal(echoed.length, 10);
    assert.ok(existsSync(`${path}.1`), 'the full log was rotated');
    const all = readFileSync(`${path}.1`, 'utf8') + readFileSync(path, 'utf8');
    assert.match(all, /line 9 x+/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});
