import { strict as assert } from 'node:assert';
import type { MetricSample } from '../../protocol/observe';
import { SampleStore, hpaChart, latest, redChart, usageChart } from './series';

const sample = (sec: number, extra: Partial<MetricSample> = {}): MetricSample => ({
  at: new Date(Date.UTC(2026, 10, 22, 12, 0, sec)).toISOString(),
  pods: [],
  ...extra,
});

describe('SampleStore', () => {
  it('keeps samples in time order and takes a resent sample once', () => {
    const store = new SampleStore(10);
    assert.equal(store.add([sample(10), sample(20)]), 2);
    assert.equal(store.add([sample(5), sample(10), sample(15)]), 2);
    assert.deepEqual(
      store.all().map((s) => s.at.slice(17, 19)),
      ['05', '10', '15', '20'],
    );
  });
  it('drops the oldest beyond its capacity', () => {
    const store = new SampleStore(3);
    store.add([1, 2, 3, 4, 5].map((s) => sample(s)));
    assert.deepEqual(
      store.all().map((s) => s.at.slice(17, 19)),
      ['03', '04', '05'],
    );
  });
});

describe('chart columns', () => {
  const samples = [
    sample(0, {
      pods: [{ pod: 'a', cpuMillicores: 10, cpuRequestMillicores: 100, memoryBytes: 2 * 1048576 }],
      red: { source: 'pods', requestsPerSecond: 4, errorRate: 0.25, p95Ms: 12 },
      hpa: [{ name: 'h', current: 2, desired: 3, min: 1, max: 5, targets: [] }],
    }),
    sample(5, {
      pods: [
        { pod: 'a', cpuMillicores: 20, cpuRequestMillicores: 100, cpuLimitMillicores: 500 },
        { pod: 'b', cpuMillicores: 30, cpuRequestMillicores: 100 },
      ],
    }),
  ];
  it('draws one line per pod, with gaps where a pod had no sample, and request/limit lines', () => {
    const cpu = usageChart(samples, 'cpu');
    assert.deepEqual(
      cpu.x,
      [samples[0]!.at, samples[1]!.at].map((a) => Date.parse(a) / 1000),
    );
    assert.deepEqual(
      cpu.series.map((s) => [s.label, s.kind, s.values]),
      [
        ['a', 'pod', [10, 20]],
        ['b', 'pod', [null, 30]],
        ['request', 'request', [100, 100]],
        ['limit', 'limit', [null, 500]],
      ],
    );
    const mem = usageChart(samples, 'memory', 1048576);
    assert.deepEqual(
      mem.series.map((s) => s.values),
      [
        [2, null],
        [null, null],
      ],
    );
  });
  it('turns RED samples into rate, error percentage and p95, and HPAs into current/desired', () => {
    assert.deepEqual(redChart(samples, 'rate').series[0]!.values, [4, null]);
    assert.deepEqual(redChart(samples, 'errors').series[0]!.values, [25, null]);
    assert.deepEqual(redChart(samples, 'p95').series[0]!.values, [12, null]);
    assert.deepEqual(
      hpaChart(samples).series.map((s) => [s.label, s.values]),
      [
        ['h current', [2, null]],
        ['h desired', [3, null]],
      ],
    );
    assert.equal(latest([1, 2, null]), 2);
    assert.equal(latest([null]), undefined);
  });
});
