import { strict as assert } from 'node:assert';
import { TestCluster } from './test-cluster';
import { nameOf, statusOf } from './objects';

describe('cronjob controller', () => {
  it('creates a job at each schedule time, tracks it and keeps the history limit', () => {
    const c = new TestCluster({ runMs: 1_000 });
    c.create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default' },
      spec: {
        schedule: '*/1 * * * *',
        successfulJobsHistoryLimit: 2,
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'busybox' }] } },
          },
        },
      },
    });
    c.run(61_000, undefined, 100);
    const jobs = c.store.list(c.res.jobs, 'default');
    assert.equal(jobs.length, 1);
    const first = jobs[0]!;
    assert.equal(nameOf(first), `tick-${Math.floor(Date.parse('2026-01-01T00:01:00Z') / 60_000)}`);
    assert.equal(
      first.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      '2026-01-01T00:01:00Z',
    );
    assert.equal(
      statusOf(c.mustGet(c.res.cronJobs, 'default', 'tick'))['lastScheduleTime'],
      '2026-01-01T00:01:00Z',
    );
    c.run(242_000, undefined, 100);
    assert.equal(c.store.list(c.res.jobs, 'default').length, 2, 'finished jobs beyond the limit are deleted');
    const st = statusOf(c.mustGet(c.res.cronJobs, 'default', 'tick'));
    assert.ok(typeof st['lastSuccessfulTime'] === 'string');
    assert.ok(c.eventMessages('default', 'SuccessfulCreate').includes(`Created job ${nameOf(first)}`));
    assert.ok(c.eventMessages('default', 'SawCompletedJob').some((m) => m.endsWith('condition: Complete')));
    c.stop();
    assert.deepEqual(c.errors, []);
  });
});
