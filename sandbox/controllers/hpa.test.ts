import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import { conditionsOf, isDeleting, nameOf, specOf, statusOf } from './objects';

function deployment(replicas: number): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [
            { name: 'app', image: 'api:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
          ],
        },
      },
    },
  };
}

function hpa(metric: Record<string, unknown> = { type: 'Utilization', averageUtilization: 50 }): KObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'api', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: metric } }],
    },
  };
}

describe('horizontal pod autoscaler controller', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster({ hpaSyncMs: 15_000 });
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  const replicas = (): unknown => specOf(c.mustGet(c.res.deployments, 'default', 'api'))['replicas'];
  const status = (): Record<string, unknown> => statusOf(c.mustGet(c.res.hpas, 'default', 'api'));
  const conds = (): string[] =>
    conditionsOf(status()['conditions']).map((x) => `${x.type}=${x.status}/${x.reason ?? ''}`);
  /** Every live pod of the deployment uses `milli` CPU. */
  const load = (milli: number): void => {
    for (const p of c.pods())
      if (!isDeleting(p))
        c.usage.set(`default/${nameOf(p)}`, { cpuMillicores: milli, memoryBytes: 32 << 20 });
  };

  it('scales the target up from CPU utilization against requests, limited to double per step', () => {
    c.create(deployment(2));
    c.until(() => c.pods().filter((p) => statusOf(p)['phase'] === 'Running').length === 2, 10_000, 'pods');
    c.run(20_000);
    load(150);
    c.create(hpa());
    c.run(14_000);
    assert.equal(replicas(), 2, 'nothing happens before the first sync period');
    c.run(1_100);
    assert.equal(replicas(), 4, '150% of a 50% target asks for 6, the scale-up limit allows 4');
    const st = status();
    assert.equal(st['currentReplicas'], 2);
    assert.equal(st['desiredReplicas'], 4);
    assert.ok(typeof st['lastScaleTime'] === 'string');
    assert.deepEqual(st['currentMetrics'], [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageValue: '150m', averageUtilization: 150 } },
      },
    ]);
    assert.deepEqual(conds(), [
      'AbleToScale=True/SucceededRescale',
      'ScalingActive=True/ValidMetricFound',
      'ScalingLimited=True/ScaleUpLimit',
    ]);
    assert.ok(
      c
        .eventMessages('default', 'SuccessfulRescale')
        .includes('New size: 4; reason: cpu resource utilization (percentage of request) above target'),
    );

    // The new pods report load too; the next period sizes for it: 4 pods at 150% of 50% → 12, capped at 8.
    c.until(
      () => c.pods().filter((p) => statusOf(p)['phase'] === 'Running').length === 4,
      10_000,
      'new pods',
    );
    c.run(16_000, () => load(150));
    c.run(15_000, () => load(150));
    assert.equal(replicas(), 10);
  });

  it('does not scale within the 10% tolerance', () => {
    c.create(deployment(3));
    c.run(20_000);
    load(53);
    c.create(hpa());
    c.run(31_000);
    assert.equal(replicas(), 3);
    assert.deepEqual(conds(), [
      'AbleToScale=True/ReadyForNewScale',
      'ScalingActive=True/ValidMetricFound',
      'ScalingLimited=False/DesiredWithinRange',
    ]);
    assert.equal(status()['desiredReplicas'], 3);
  });

  it('reports FailedGetResourceMetric with an unknown current metric when metrics are missing', () => {
    c.create(deployment(2));
    c.run(2_000);
    c.create(hpa());
    c.run(16_000);
    assert.equal(replicas(), 2);
    const active = conditionsOf(status()['conditions']).find((x) => x.type === 'ScalingActive')!;
    assert.equal(active.status, 'False');
    assert.equal(active.reason, 'FailedGetResourceMetric');
    assert.equal(
      active.message,
      'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    );
    assert.deepEqual(status()['currentMetrics'], [{ type: '' }], 'kubectl shows <unknown>');
    assert.ok(c.eventMessages('default', 'FailedComputeMetricsReplicas').length > 0);
  });

  it('scales on an AverageValue target for memory', () => {
    c.create(deployment(2));
    c.run(20_000);
    for (const p of c.pods())
      c.usage.set(`default/${nameOf(p)}`, { cpuMillicores: 10, memoryBytes: 200 << 20 });
    c.create({
      ...hpa(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
          },
        ],
      },
    });
    c.run(16_000);
    assert.equal(replicas(), 4);
    assert.deepEqual(status()['currentMetrics'], [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '209715200' } } },
    ]);
  });
});
