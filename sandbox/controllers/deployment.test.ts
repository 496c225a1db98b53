import { strict as assert } from 'node:assert';
import type { KObject } from '../types';
import { TestCluster } from './test-cluster';
import {
  controllerRef,
  findCondition,
  conditionsOf,
  isDeleting,
  isPodReady,
  nameOf,
  specOf,
  statusOf,
} from './objects';

function deployment(name: string, image: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
      ...extra,
    },
  };
}

function imageOf(o: KObject): string {
  const spec = specOf(o);
  const podSpec = spec['template'] === undefined ? spec : (spec['template'] as { spec: unknown })['spec'];
  return ((podSpec as { containers: { image: string }[] }).containers[0] ?? { image: '' }).image;
}

describe('deployment controller', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster();
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, [], 'no sync failed unexpectedly');
  });

  const get = (name = 'web'): KObject => c.mustGet(c.res.deployments, 'default', name);
  const replicaSets = (): KObject[] => c.store.list(c.res.replicaSets, 'default');
  const revision = (o: KObject): string | undefined =>
    o.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const condition = (o: KObject, type: string) =>
    findCondition(conditionsOf(statusOf(o)['conditions']), type);
  const complete = (name = 'web'): boolean => {
    const d = get(name);
    const st = statusOf(d);
    const replicas = specOf(d)['replicas'];
    return (
      st['observedGeneration'] === d.metadata.generation &&
      st['updatedReplicas'] === replicas &&
      st['replicas'] === replicas &&
      st['availableReplicas'] === replicas &&
      condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable'
    );
  };
  const setImage = (image: string, name = 'web'): void => {
    c.edit(c.res.deployments, 'default', name, (d) => {
      (specOf(d)['template'] as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image =
        image;
    });
  };

  it('rolls out three replicas with hash-named replica sets, revisions, events and conditions as upstream', () => {
    c.create(deployment('web', 'nginx:1.25.0'));
    c.until(() => complete(), 30_000, 'first rollout');
    const first = replicaSets();
    assert.equal(first.length, 1);
    const rs1 = first[0]!;
    assert.match(
      nameOf(rs1),
      /^web-[bcdfghjklmnpqrstvwxz2456789]+$/,
      'name is the deployment plus a safe-encoded hash',
    );
    const hash = rs1.metadata.labels?.['pod-template-hash'];
    assert.equal(nameOf(rs1), `web-${hash}`);
    assert.deepEqual((specOf(rs1)['selector'] as { matchLabels: Record<string, string> }).matchLabels, {
      app: 'web',
      'pod-template-hash': hash,
    });
    assert.deepEqual(controllerRef(rs1), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: get().metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.equal(revision(rs1), '1');
    assert.equal(rs1.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(
      rs1.metadata.annotations?.['deployment.kubernetes.io/max-replicas'],
      '4',
      '3 + 25% surge rounded up',
    );
    assert.equal(revision(get()), '1');
    assert.equal(condition(get(), 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(
      condition(get(), 'Progressing')?.message,
      `ReplicaSet "${nameOf(rs1)}" has successfully progressed.`,
    );
    assert.ok(
      c
        .eventMessages('default', 'ScalingReplicaSet')
        .includes(`Scaled up replica set ${nameOf(rs1)} from 0 to 3`),
    );
    assert.equal(c.pods().filter((p) => controllerRef(p)?.uid === rs1.metadata.uid).length, 3);

    setImage('nginx:1.26.0');
    c.until(() => complete(), 30_000, 'second rollout');
    const rss = replicaSets();
    assert.equal(rss.length, 2);
    const rs2 = rss.find((rs) => nameOf(rs) !== nameOf(rs1))!;
    assert.equal(revision(rs2), '2');
    assert.equal(revision(get()), '2');
    assert.equal(specOf(c.mustGet(c.res.replicaSets, 'default', nameOf(rs1)))['replicas'], 0);
    assert.equal(specOf(rs2)['replicas'], 3);
    assert.ok(
      c
        .eventMessages('default', 'ScalingReplicaSet')
        .some((m) => m.startsWith(`Scaled down replica set ${nameOf(rs1)} from`)),
    );
    assert.equal(
      c
        .pods()
        .filter((p) => !isDeleting(p))
        .every((p) => imageOf(p) === 'nginx:1.26.0'),
      true,
    );
  });

  it('reuses the old replica set on rollback and moves its revision to max+1 with revision-history', () => {
    c.create(deployment('web', 'nginx:1.25.0', { metadata: undefined }));
    c.until(() => complete(), 30_000, 'rev 1');
    const rs1 = replicaSets()[0]!;
    setImage('nginx:1.26.0');
    c.until(() => complete(), 30_000, 'rev 2');
    setImage('nginx:1.27.0');
    c.until(() => complete(), 30_000, 'rev 3');
    assert.equal(replicaSets().length, 3);
    setImage('nginx:1.25.0');
    c.until(() => complete(), 30_000, 'rollback');
    assert.equal(replicaSets().length, 3, 'no new replica set for an old template');
    const back = c.mustGet(c.res.replicaSets, 'default', nameOf(rs1));
    assert.equal(back.metadata.uid, rs1.metadata.uid);
    assert.equal(revision(back), '4');
    assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(revision(get()), '4');
    assert.equal(specOf(back)['replicas'], 3);
    assert.deepEqual(replicaSets().map(revision).sort(), ['2', '3', '4']);
  });

  it('never drops ready pods below the desired count with maxUnavailable 0', () => {
    c.create(
      deployment('web', 'nginx:1.25.0', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    c.until(() => complete(), 30_000, 'first rollout');
    setImage('nginx:1.26.0');
    let maxPods = 0;
    const check = (): void => {
      const live = c.pods().filter((p) => !isDeleting(p));
      const ready = live.filter(isPodReady).length;
      assert.ok(ready >= 3, `ready pods dropped to ${ready}`);
      maxPods = Math.max(maxPods, live.length);
    };
    for (let t = 0; t < 30_000 && !complete(); t += 10) c.run(10, check);
    assert.ok(complete(), 'the rollout finished');
    assert.equal(maxPods, 4, 'surge of one pod at a time');
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress for progressDeadlineSeconds', () => {
    c.create(deployment('web', 'nginx:1.25.0', { progressDeadlineSeconds: 10 }));
    c.until(() => complete(), 30_000, 'first rollout');
    c.ready = (pod) => imageOf(pod) !== 'nginx:broken';
    setImage('nginx:broken');
    c.until(() => condition(get(), 'Progressing')?.reason === 'ProgressDeadlineExceeded', 30_000, 'deadline');
    const cond = condition(get(), 'Progressing')!;
    const newRS = replicaSets().find((rs) => revision(rs) === '2')!;
    assert.equal(cond.status, 'False');
    assert.equal(cond.message, `ReplicaSet "${nameOf(newRS)}" has timed out progressing.`);
    assert.equal(condition(get(), 'Available')?.status, 'True', 'old pods still serve');
    assert.ok(c.clock.now() > 0);
  });

  it('does not roll out a paused deployment and reports DeploymentPaused, then resumes', () => {
    c.create(deployment('web', 'nginx:1.25.0'));
    c.until(() => complete(), 30_000, 'first rollout');
    c.edit(c.res.deployments, 'default', 'web', (d) => {
      specOf(d)['paused'] = true;
    });
    setImage('nginx:1.26.0');
    c.run(5_000);
    assert.equal(replicaSets().length, 1, 'no new replica set while paused');
    const paused = condition(get(), 'Progressing')!;
    assert.equal(paused.status, 'Unknown');
    assert.equal(paused.reason, 'DeploymentPaused');
    assert.equal(statusOf(get())['observedGeneration'], get().metadata.generation);
    c.edit(c.res.deployments, 'default', 'web', (d) => {
      specOf(d)['paused'] = false;
    });
    c.until(() => complete(), 30_000, 'resumed rollout');
    assert.equal(replicaSets().length, 2);
  });

  it('Recreate removes every old pod before creating new ones', () => {
    c.create(deployment('web', 'nginx:1.25.0', { strategy: { type: 'Recreate' } }));
    c.until(() => complete(), 30_000, 'first rollout');
    setImage('nginx:1.26.0');
    const check = (): void => {
      const pods = c.pods();
      const fresh = pods.filter((p) => imageOf(p) === 'nginx:1.26.0').length;
      const old = pods.filter((p) => imageOf(p) === 'nginx:1.25.0').length;
      assert.ok(fresh === 0 || old === 0, `old (${old}) and new (${fresh}) pods overlap`);
    };
    for (let t = 0; t < 30_000 && !complete(); t += 10) c.run(10, check);
    assert.ok(complete());
    const newRS = replicaSets().find((rs) => revision(rs) === '2')!;
    assert.ok(
      c
        .eventMessages('default', 'ScalingReplicaSet')
        .includes(`Scaled up replica set ${nameOf(newRS)} from 0 to 3`),
    );
  });

  it('keeps revisionHistoryLimit old replica sets', () => {
    c.create(deployment('web', 'nginx:1.0', { revisionHistoryLimit: 1 }));
    c.until(() => complete(), 30_000, 'rev 1');
    for (const v of ['2', '3', '4']) {
      setImage(`nginx:${v}`);
      c.until(() => complete(), 30_000, `rev ${v}`);
      c.run(100);
    }
    assert.deepEqual(replicaSets().map(revision).sort(), ['3', '4']);
  });

  it('scales a finished deployment through the active replica set', () => {
    c.create(deployment('web', 'nginx:1.25.0'));
    c.until(() => complete(), 30_000, 'rollout');
    c.edit(c.res.deployments, 'default', 'web', (d) => {
      specOf(d)['replicas'] = 5;
    });
    c.until(() => complete(), 30_000, 'scaled');
    assert.equal(c.pods().length, 5);
    assert.equal(replicaSets()[0]!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
  });
});
