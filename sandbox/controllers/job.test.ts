import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import { conditionsOf, controllerRef, isPodTerminal, statusOf } from './objects';

function job(extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: 'default' },
    spec: {
      completions: 3,
      parallelism: 2,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'busybox' }] } },
      ...extra,
    },
  };
}

describe('job controller', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster({ runMs: 1000 });
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  const get = (): KObject => c.mustGet(c.res.jobs, 'default', 'migrate');
  const types = (): string[] =>
    conditionsOf(statusOf(get())['conditions']).map((x) => `${x.type}=${x.status}/${x.reason ?? ''}`);

  it('runs pods at most parallelism at a time until completions succeed, then reports SuccessCriteriaMet and Complete', () => {
    c.create(job());
    let maxActive = 0;
    c.until(
      () => {
        const active = c.pods().filter((p) => !isPodTerminal(p)).length;
        maxActive = Math.max(maxActive, active);
        return types().includes('Complete=True/CompletionsReached');
      },
      30_000,
      'completion',
    );
    assert.equal(maxActive, 2);
    const st = statusOf(get());
    assert.equal(st['succeeded'], 3);
    assert.equal(st['active'], undefined);
    assert.equal(st['ready'], 0);
    assert.equal(st['terminating'], 0);
    assert.deepEqual(st['uncountedTerminatedPods'], {});
    assert.ok(typeof st['startTime'] === 'string' && typeof st['completionTime'] === 'string');
    assert.deepEqual(types(), [
      'SuccessCriteriaMet=True/CompletionsReached',
      'Complete=True/CompletionsReached',
    ]);
    assert.equal(c.pods().length, 3);
    assert.ok(
      c
        .pods()
        .every((p) => controllerRef(p)?.kind === 'Job' && p.metadata.labels?.['job-name'] === 'migrate'),
    );
    assert.ok(c.eventMessages('default', 'Completed').includes('Job completed'));
    assert.equal(c.eventMessages('default', 'SuccessfulCreate').length, 3);
  });

  it('fails with BackoffLimitExceeded once more pods failed than backoffLimit, with FailureTarget first', () => {
    c.succeeds = () => false;
    c.create(job({ completions: 1, parallelism: 1, backoffLimit: 2 }));
    c.until(() => types().includes('Failed=True/BackoffLimitExceeded'), 120_000, 'failure');
    assert.deepEqual(types(), [
      'FailureTarget=True/BackoffLimitExceeded',
      'Failed=True/BackoffLimitExceeded',
    ]);
    assert.equal(statusOf(get())['failed'], 3);
    assert.equal(c.pods().length, 3, 'one pod per try, with back-off between them');
    assert.ok(
      c
        .eventMessages('default', 'BackoffLimitExceeded')
        .includes('Job has reached the specified backoff limit'),
    );
    const failed = conditionsOf(statusOf(get())['conditions']).find((x) => x.type === 'Failed')!;
    assert.equal(failed.message, 'Job has reached the specified backoff limit');
  });

  it('reports Indexed completion as completedIndexes', () => {
    c.create(job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }));
    c.until(() => types().includes('Complete=True/CompletionsReached'), 30_000, 'completion');
    assert.equal(statusOf(get())['completedIndexes'], '0-2');
    const indexes = c
      .pods()
      .map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])
      .sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
  });
});
