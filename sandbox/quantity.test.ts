import { strict as assert } from 'node:assert';
import { formatMilli, milliValue } from './quantity';

describe('quantities', () => {
  it('reads CPU and memory quantities in milli-units, as the HPA compares them', () => {
    assert.equal(milliValue('100m'), 100);
    assert.equal(milliValue('0.5'), 500);
    assert.equal(milliValue('2'), 2000);
    assert.equal(milliValue('128Mi'), 128 * 1024 * 1024 * 1000);
    assert.equal(milliValue('1G'), 1e12);
    assert.equal(milliValue('bogus'), undefined);
  });

  it('prints milli-quantities in DecimalSI canonical form', () => {
    assert.equal(formatMilli(250), '250m');
    assert.equal(formatMilli(1000), '1');
    assert.equal(formatMilli(128_000_000_000), '128M');
    assert.equal(formatMilli(134_217_728_000), '134217728');
    assert.equal(formatMilli(0), '0');
  });
});
