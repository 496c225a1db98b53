import { strict as assert } from 'node:assert';
import { imageTag, parseBehavior, SLOW_TAG_START_MS, type Behavior } from './behavior';

const healthy: Behavior = {
  crash: false,
  unready: false,
  slowStartMs: 0,
  errorRatio: 0,
  latencyMs: 0,
  logRatePerSec: 1,
  logFormat: 'mixed',
  warnings: [],
};

describe('parseBehavior', () => {
  it('treats an ordinary image without behaviour variables as healthy', () => {
    assert.deepEqual(parseBehavior('nginx:1.27', []), healthy);
    assert.deepEqual(parseBehavior('ghcr.io/acme/orders:latest', [{ name: 'OTHER', value: 'x' }]), healthy);
  });

  it('reads crash, unready and slow from the image tag suffix', () => {
    assert.equal(parseBehavior('acme/orders:1.2-crash', []).crash, true);
    assert.equal(parseBehavior('acme/orders:1.2-unready', []).unready, true);
    assert.equal(parseBehavior('acme/orders:1.2-slow', []).slowStartMs, SLOW_TAG_START_MS);
    assert.equal(SLOW_TAG_START_MS, 20_000);
    assert.equal(parseBehavior('acme/orders:1.2-errors', []).errorRatio, 0.5);
  });

  it('finds the tag behind a registry port and before a digest, and ignores suffixes outside the tag', () => {
    assert.equal(imageTag('localhost:5000/acme/orders:v2-crash@sha256:abcd'), 'v2-crash');
    assert.equal(imageTag('localhost:5000/acme/orders-crash'), '');
    assert.equal(parseBehavior('localhost:5000/acme/orders-crash', []).crash, false);
    assert.equal(parseBehavior('localhost:5000/acme/orders:v2-crash@sha256:abcd', []).crash, true);
  });

  it('applies a comma-separated SANDBOX_BEHAVIOR list with spaces tolerated', () => {
    const b = parseBehavior('acme/orders:1', [
      { name: 'SANDBOX_BEHAVIOR', value: 'crash, unready ,errors:0.25,latency:150, slow-start:5' },
    ]);
    assert.deepEqual(b, {
      ...healthy,
      crash: true,
      unready: true,
      errorRatio: 0.25,
      latencyMs: 150,
      slowStartMs: 5000,
    });
  });

  it('lets the environment override the start delay implied by the tag', () => {
    const b = parseBehavior('acme/orders:1-slow', [{ name: 'SANDBOX_BEHAVIOR', value: 'slow-start:2.5' }]);
    assert.equal(b.slowStartMs, 2500);
  });

  it('ignores invalid values, keeps the defaults and lists each problem in warnings', () => {
    const b = parseBehavior('acme/orders:1', [
      { name: 'SANDBOX_BEHAVIOR', value: 'errors:1.5,latency:-3,slow-start:abc,explode,errors,latency:0x10' },
      { name: 'SANDBOX_LOG_RATE', value: 'fast' },
    ]);
    assert.deepEqual({ ...b, warnings: [] }, healthy);
    assert.equal(b.warnings.length, 7);
    assert.match(b.warnings[0]!, /errors:1\.5/);
    assert.match(b.warnings[3]!, /explode.*unknown/);
    assert.match(b.warnings[6]!, /SANDBOX_LOG_RATE.*fast/);
  });

  it('reads SANDBOX_LOG_RATE, where 0 means access logs only', () => {
    assert.equal(parseBehavior('a:1', [{ name: 'SANDBOX_LOG_RATE', value: '5' }]).logRatePerSec, 5);
    assert.equal(parseBehavior('a:1', [{ name: 'SANDBOX_LOG_RATE', value: '0' }]).logRatePerSec, 0);
    assert.equal(parseBehavior('a:1', [{ name: 'SANDBOX_LOG_RATE', value: '0.5' }]).logRatePerSec, 0.5);
  });

  it('uses the last definition of a repeated variable and skips entries without a literal value', () => {
    const b = parseBehavior('a:1', [
      { name: 'SANDBOX_BEHAVIOR', value: 'crash' },
      { name: 'SANDBOX_BEHAVIOR', value: 'latency:10' },
      { name: 'SANDBOX_BEHAVIOR' },
    ]);
    assert.equal(b.crash, false);
    assert.equal(b.latencyMs, 10);
  });
});
