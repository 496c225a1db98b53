import { strict as assert } from 'node:assert';
import { AddressPool, ClusterIpPool, intToIp, ipToInt } from './address-pool';

describe('AddressPool', () => {
  it('starts at 127.1.0.1 and allocates in order', () => {
    const pool = new AddressPool();
    assert.deepEqual(
      [pool.allocate(), pool.allocate(), pool.allocate()],
      ['127.1.0.1', '127.1.0.2', '127.1.0.3'],
    );
    assert.equal(pool.allocatedCount, 3);
  });

  it('skips last octets 255 and 0 when crossing into the next /24', () => {
    const pool = new AddressPool({ first: '127.1.0.253', last: '127.1.1.2' });
    assert.deepEqual(
      [pool.allocate(), pool.allocate(), pool.allocate()],
      ['127.1.0.253', '127.1.0.254', '127.1.1.1'],
    );
  });

  it('uses the fresh range before any released address', () => {
    const pool = new AddressPool({ first: '127.1.0.1', last: '127.1.0.4' });
    const a = pool.allocate();
    assert.equal(pool.release(a), true);
    assert.equal(pool.allocate(), '127.1.0.2');
  });

  it('reuses released addresses only after the fresh range, oldest release first', () => {
    const pool = new AddressPool({ first: '127.1.0.1', last: '127.1.0.3' });
    pool.allocate();
    pool.allocate();
    pool.allocate();
    pool.release('127.1.0.2');
    pool.release('127.1.0.1');
    assert.equal(pool.allocate(), '127.1.0.2');
    assert.equal(pool.allocate(), '127.1.0.1');
    assert.throws(() => pool.allocate(), /no free addresses/);
  });

  it('never hands the same address to two live pods, even across double releases and reservations', () => {
    const pool = new AddressPool({ first: '127.1.0.1', last: '127.1.0.6' });
    const live = new Set<string>();
    for (let i = 0; i < 6; i++) live.add(pool.allocate());
    assert.equal(pool.release('127.1.0.3'), true);
    assert.equal(pool.release('127.1.0.3'), false);
    pool.reserve('127.1.0.3');
    pool.release('127.1.0.3');
    pool.release('127.1.0.4');
    live.delete('127.1.0.3');
    live.delete('127.1.0.4');
    const again = [pool.allocate(), pool.allocate()];
    assert.deepEqual(new Set(again), new Set(['127.1.0.3', '127.1.0.4']));
    assert.throws(() => pool.allocate());
  });

  it('skips addresses reserved ahead of the fresh cursor', () => {
    const pool = new AddressPool();
    pool.reserve('127.1.0.2');
    assert.deepEqual([pool.allocate(), pool.allocate()], ['127.1.0.1', '127.1.0.3']);
    assert.throws(() => pool.reserve('127.1.0.3'), /already allocated/);
  });

  it('refuses ranges that reach into 127.0.0.0/16 and ignores releases of unknown addresses', () => {
    assert.throws(() => new AddressPool({ first: '127.0.0.5', last: '127.1.0.9' }));
    const pool = new AddressPool();
    assert.equal(pool.release('127.9.9.9'), false);
    assert.equal(pool.release('not-an-ip'), false);
    assert.equal(pool.isAllocated('127.1.0.1'), false);
  });

  it('converts between dotted quads and integers for the whole IPv4 space', () => {
    assert.equal(intToIp(ipToInt('255.254.253.252')), '255.254.253.252');
    assert.equal(ipToInt('127.1.0.1'), 0x7f010001);
    assert.throws(() => ipToInt('1.2.3.256'));
  });
});

describe('ClusterIpPool', () => {
  it('hands out 10.96.0.1 first and continues in order', () => {
    const pool = new ClusterIpPool();
    assert.deepEqual([pool.allocate(), pool.allocate()], ['10.96.0.1', '10.96.0.2']);
  });

  it('lets a Service claim a specific cluster IP once, within the range only', () => {
    const pool = new ClusterIpPool('10.96.0.0/16');
    pool.reserve('10.96.0.10');
    assert.equal(pool.isAllocated('10.96.0.10'), true);
    assert.throws(() => pool.reserve('10.96.0.10'), /already allocated/);
    assert.throws(() => pool.reserve('10.97.0.1'), /not in the allocatable range/);
    assert.throws(() => pool.reserve('10.96.0.0'), /not in the allocatable range/);
  });

  it('excludes network and broadcast addresses and reuses released ones when exhausted', () => {
    const pool = new ClusterIpPool('192.168.7.0/30');
    assert.deepEqual([pool.allocate(), pool.allocate()], ['192.168.7.1', '192.168.7.2']);
    assert.throws(() => pool.allocate());
    pool.release('192.168.7.1');
    assert.equal(pool.allocate(), '192.168.7.1');
  });
});
