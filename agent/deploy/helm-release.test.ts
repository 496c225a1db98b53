import { strict as assert } from 'node:assert';
import { AgentFailure } from '../../protocol';
import {
  decodeHelmRelease,
  type HelmRelease,
  helmReleaseJson,
  helmTime,
  readHelmRelease,
} from '../kube/helm';
import {
  chooseRollback,
  helmStorageSecret,
  manifestObjects,
  removedObjects,
  resourceKey,
  rollbackRecord,
  withHelmOwnership,
} from './helm-release';

function release(version: number, status: string, extra: Partial<HelmRelease> = {}): HelmRelease {
  return {
    name: 'payments',
    namespace: 'shop',
    version,
    info: {
      first_deployed: '2024-01-01T00:00:00Z',
      last_deployed: `2024-01-0${version}T00:00:00Z`,
      deleted: '',
      description: version === 1 ? 'Install complete' : 'Upgrade complete',
      status,
    },
    chart: {
      metadata: { name: 'payments', version: `0.${version}.0`, appVersion: `3.${version}.0` },
      templates: [],
    },
    chartMetadata: { name: 'payments', version: `0.${version}.0`, appVersion: `3.${version}.0` },
    config: { image: { tag: `3.${version}.0` } },
    manifest: `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v${version}\n`,
    hooks: [],
    labels: {},
    ...extra,
  };
}

function failure(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof AgentFailure ? `${e.error.code}: ${e.error.message}` : String(e);
  }
}

describe('Helm release records', () => {
  it('encodes a release so that the decoder gives back exactly the same JSON, labels aside', () => {
    const r = release(2, 'deployed', {
      labels: { team: 'pay' },
      info: { ...release(2, 'x').info, notes: 'hi' },
    });
    const secret = helmStorageSecret('shop', 'payments', 2, 'deployed', helmReleaseJson(r), r.labels, {
      createdAt: '1700000000',
    });
    assert.equal(secret.metadata.name, 'sh.helm.release.v1.payments.v2');
    assert.equal(secret.type, 'helm.sh/release.v1');
    assert.deepEqual(secret.metadata.labels, {
      createdAt: '1700000000',
      team: 'pay',
      name: 'payments',
      owner: 'helm',
      status: 'deployed',
      version: '2',
    });
    assert.deepEqual(decodeHelmRelease(secret), helmReleaseJson(r));
    assert.deepEqual(readHelmRelease(secret), r);
  });

  it('lets the release’s own labels never override the ones Helm’s driver owns', () => {
    const s = helmStorageSecret('shop', 'payments', 1, 'deployed', {}, { status: 'hacked', team: 'a' }, {});
    assert.equal(s.metadata.labels?.['status'], 'deployed');
    assert.equal(s.metadata.labels?.['team'], 'a');
  });

  it('writes times as Go writes Helm’s: RFC 3339, fraction without trailing zeros', () => {
    assert.equal(helmTime(new Date('2024-05-01T10:00:00.000Z')), '2024-05-01T10:00:00Z');
    assert.equal(helmTime(new Date('2024-05-01T10:00:00.120Z')), '2024-05-01T10:00:00.12Z');
    assert.equal(helmTime(new Date('2024-05-01T10:00:00.123Z')), '2024-05-01T10:00:00.123Z');
  });
});

describe('Choosing a Helm rollback', () => {
  const history = [release(1, 'superseded'), release(2, 'superseded'), release(3, 'deployed')];

  it('goes to the revision below the latest by default, and to 0 as to no revision given', () => {
    assert.deepEqual(
      [chooseRollback(history, undefined), chooseRollback(history, 0), chooseRollback(history, 1)].map(
        (c) => [c.current.version, c.target.version],
      ),
      [
        [3, 2],
        [3, 2],
        [3, 1],
      ],
    );
  });

  it('names the revisions that exist when the target does not', () => {
    assert.equal(
      failure(() => chooseRollback(history, 7)),
      'NOT_FOUND: Release payments has no revision 7; its revisions are 1–3.',
    );
    assert.match(
      failure(() => chooseRollback([release(1, 'deployed')], undefined)),
      /^NOT_FOUND: .*only revision 1/,
    );
    assert.match(
      failure(() => chooseRollback(history, -1)),
      /^INVALID: /,
    );
    assert.match(
      failure(() => chooseRollback(history, 3)),
      /^INVALID: Release payments is already at revision 3/,
    );
  });

  it('builds the new record from the target, numbered above the latest, pending', () => {
    const withHooks = release(1, 'superseded', { hooks: [{ name: 'migrate' }], labels: { team: 'pay' } });
    const next = rollbackRecord(
      release(5, 'failed', {
        info: { ...release(5, 'failed').info, first_deployed: '2023-12-31T00:00:00Z' },
      }),
      withHooks,
      new Date('2024-06-01T12:00:00Z'),
    );
    assert.deepEqual(next, {
      ...withHooks,
      version: 6,
      info: {
        first_deployed: '2023-12-31T00:00:00Z',
        last_deployed: '2024-06-01T12:00:00Z',
        deleted: '',
        description: 'Rollback to 1',
        status: 'pending-rollback',
      },
    });
  });
});

describe('Manifests in a Helm rollback', () => {
  it('reads the objects of a rendered manifest, skipping empty documents and comments', () => {
    const objects = manifestObjects(
      '---\n# Source: a.yaml\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: other\n',
      'payments',
      1,
    );
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['Service/s', 'Deployment/d'],
    );
  });

  it('refuses a manifest that is not YAML or holds a non-object', () => {
    assert.match(
      failure(() => manifestObjects('a: [1', 'payments', 4)),
      /^INVALID: The manifest stored in revision 4 of release payments is not valid YAML/,
    );
    assert.match(
      failure(() => manifestObjects('- 1\n', 'payments', 4)),
      /not a Kubernetes object/,
    );
  });

  it('deletes only what the target lacks, comparing group and kind but not version', () => {
    const o = (apiVersion: string, kind: string, name: string): Parameters<typeof resourceKey>[0] => ({
      apiVersion,
      kind,
      metadata: { name, namespace: 'shop' },
    });
    const current = [
      o('autoscaling/v2', 'HorizontalPodAutoscaler', 'h'),
      o('v1', 'ConfigMap', 'a'),
      o('v1', 'ConfigMap', 'b'),
    ];
    const target = [o('autoscaling/v1', 'HorizontalPodAutoscaler', 'h'), o('v1', 'ConfigMap', 'a')];
    assert.deepEqual(
      removedObjects(current, target).map((x) => x.metadata.name),
      ['b'],
    );
  });

  it('stamps Helm’s ownership metadata without losing the object’s own', () => {
    const stamped = withHelmOwnership(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a', labels: { app: 'a' }, annotations: { x: 'y' } },
      },
      'payments',
      'shop',
    );
    assert.deepEqual(stamped.metadata.labels, { app: 'a', 'app.kubernetes.io/managed-by': 'Helm' });
    assert.deepEqual(stamped.metadata.annotations, {
      x: 'y',
      'meta.helm.sh/release-name': 'payments',
      'meta.helm.sh/release-namespace': 'shop',
    });
  });
});
