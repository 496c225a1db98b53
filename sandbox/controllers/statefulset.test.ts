import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import { isDeleting, isPodReady, nameOf, specOf, statusOf } from './objects';

function statefulSet(extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas: 3,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'postgres:16' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
      ...extra,
    },
  };
}

describe('statefulset controller', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster({ startMs: 500 });
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  const set = (): KObject => c.mustGet(c.res.statefulSets, 'default', 'db');
  const revisions = (): KObject[] => c.store.list(c.res.controllerRevisions, 'default');
  const podNames = (): string[] => c.pods().map(nameOf).sort();
  const rolledOut = (): boolean => {
    const st = statusOf(set());
    return (
      st['readyReplicas'] === 3 &&
      st['updatedReplicas'] === 3 &&
      st['currentRevision'] === st['updateRevision'] &&
      st['observedGeneration'] === set().metadata.generation
    );
  };

  it('creates ordinal pods one at a time, each after its predecessor is Running and Ready, with claims and identity', () => {
    c.create(statefulSet());
    const order: string[] = [];
    c.run(5_000, () => {
      for (const n of podNames()) if (!order.includes(n)) order.push(n);
      const pods = c.pods();
      // OrderedReady: a pod exists only when every lower ordinal is ready.
      for (const p of pods) {
        const ord = Number(nameOf(p).split('-').pop());
        for (let lower = 0; lower < ord; lower++) {
          const prev = pods.find((x) => nameOf(x) === `db-${lower}`);
          assert.ok(prev !== undefined && isPodReady(prev), `db-${ord} exists before db-${lower} is ready`);
        }
      }
    });
    assert.deepEqual(order, ['db-0', 'db-1', 'db-2']);
    const pod = c.mustGet(c.res.pods, 'default', 'db-1');
    assert.equal(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-1');
    assert.equal(pod.metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
    assert.equal(specOf(pod)['hostname'], 'db-1');
    assert.equal(specOf(pod)['subdomain'], 'db');
    assert.deepEqual(specOf(pod)['volumes'], [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } },
    ]);
    const claim = c.mustGet(c.res.pvcs, 'default', 'data-db-1');
    assert.equal(statusOf(claim)['phase'], 'Bound');
    assert.deepEqual(claim.metadata.labels, { app: 'db' });
    assert.ok(
      c.eventMessages('default', 'SuccessfulCreate').includes('create Pod db-0 in StatefulSet db successful'),
    );
    assert.ok(
      c
        .eventMessages('default', 'SuccessfulCreate')
        .includes('create Claim data-db-0 Pod db-0 in StatefulSet db success'),
    );
    assert.ok(rolledOut());
  });

  it('records ControllerRevisions with the template patch and rolls pods in reverse ordinal order', () => {
    c.create(statefulSet());
    c.until(rolledOut, 30_000, 'initial');
    const revs = revisions();
    assert.equal(revs.length, 1);
    const rev1 = revs[0]!;
    assert.equal(rev1['revision'], 1);
    assert.match(nameOf(rev1), /^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(statusOf(set())['currentRevision'], nameOf(rev1));
    const data = rev1['data'] as { spec: { template: Record<string, unknown> } };
    assert.equal(data.spec.template['$patch'], 'replace');
    assert.equal(
      c.mustGet(c.res.pods, 'default', 'db-0').metadata.labels?.['controller-revision-hash'],
      nameOf(rev1),
    );

    c.edit(c.res.statefulSets, 'default', 'db', (o) => {
      (specOf(o)['template'] as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image =
        'postgres:17';
    });
    const deletions: string[] = [];
    c.run(10_000, () => {
      for (const p of c.pods())
        if (isDeleting(p) && !deletions.includes(nameOf(p))) deletions.push(nameOf(p));
    });
    assert.deepEqual(deletions, ['db-2', 'db-1', 'db-0']);
    assert.ok(rolledOut());
    const rev2 = revisions().find((r) => r['revision'] === 2)!;
    assert.equal(statusOf(set())['updateRevision'], nameOf(rev2));
    assert.equal(statusOf(set())['currentRevision'], nameOf(rev2));

    // Back to the first template: the first revision is reused and renumbered.
    c.edit(c.res.statefulSets, 'default', 'db', (o) => {
      (specOf(o)['template'] as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image =
        'postgres:16';
    });
    c.until(() => rolledOut() && statusOf(set())['updateRevision'] === nameOf(rev1), 30_000, 'rollback');
    assert.equal(c.mustGet(c.res.controllerRevisions, 'default', nameOf(rev1))['revision'], 3);
    assert.equal(revisions().length, 2);
  });

  it('stops a rolling update at the partition', () => {
    c.create(statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    c.until(rolledOut, 30_000, 'initial');
    c.edit(c.res.statefulSets, 'default', 'db', (o) => {
      (specOf(o)['template'] as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image =
        'postgres:17';
    });
    c.run(10_000);
    const images = ['db-0', 'db-1', 'db-2'].map(
      (n) => (specOf(c.mustGet(c.res.pods, 'default', n))['containers'] as { image: string }[])[0]!.image,
    );
    assert.deepEqual(images, ['postgres:16', 'postgres:16', 'postgres:17']);
    assert.equal(statusOf(set())['updatedReplicas'], 1);
    assert.equal(statusOf(set())['currentReplicas'], 2);
  });

  it('creates all pods at once with Parallel management and scales down from the highest ordinal', () => {
    c.create(statefulSet({ podManagementPolicy: 'Parallel' }));
    c.run(50);
    assert.deepEqual(podNames(), ['db-0', 'db-1', 'db-2']);
    c.until(rolledOut, 30_000, 'ready');
    c.edit(c.res.statefulSets, 'default', 'db', (o) => {
      specOf(o)['replicas'] = 1;
    });
    c.until(() => podNames().length === 1, 30_000, 'scale down');
    assert.deepEqual(podNames(), ['db-0']);
  });
});
