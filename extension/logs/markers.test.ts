import { strict as assert } from 'node:assert';
import type { DeployMarker, HelmRevision, RolloutRevision } from '../../protocol';
import { deployMarkers, markerPoster } from './markers';

const rev = (name: string, revision: number, createdAt: string, ns = 'shop'): RolloutRevision => ({
  workload: { kind: 'Deployment', namespace: ns, name },
  revision,
  images: [`ghcr.io/demo/${name}:1.${revision}.0`],
  createdAt,
  current: false,
  source: `${name}-${revision}`,
});

describe('deployMarkers', () => {
  it('keeps only the workload’s revisions and Helm revisions of its release, oldest first', () => {
    const helm: HelmRevision[] = [
      {
        release: 'gateway',
        namespace: 'shop',
        revision: 4,
        status: 'deployed',
        chart: 'gateway',
        chartVersion: '0.3.0',
        appVersion: '1.2.0',
        updatedAt: '2026-01-01T10:05:00Z',
        description: 'Upgrade complete',
      },
      {
        release: 'orders',
        namespace: 'shop',
        revision: 1,
        status: 'deployed',
        chart: 'orders',
        chartVersion: '0.1.0',
        appVersion: '1.0.0',
        updatedAt: '2026-01-01T10:06:00Z',
        description: '',
      },
    ];
    const markers = deployMarkers(
      'shop',
      { kind: 'Deployment', name: 'gateway' },
      [
        { ...rev('gateway', 3, '2026-01-01T10:10:00Z'), changeCause: 'set image 1.3.0' },
        rev('gateway', 2, '2026-01-01T10:00:00Z'),
        rev('orders', 7, '2026-01-01T10:01:00Z'),
        rev('gateway', 9, '2026-01-01T10:02:00Z', 'other'),
      ],
      helm,
    );
    assert.deepEqual(markers, [
      { at: '2026-01-01T10:00:00Z', label: 'Revision 2 of gateway: gateway:1.2.0' },
      { at: '2026-01-01T10:05:00Z', label: 'Helm gateway revision 4: gateway-0.3.0 deployed' },
      { at: '2026-01-01T10:10:00Z', label: 'Revision 3 of gateway: gateway:1.3.0 (set image 1.3.0)' },
    ]);
  });
});

describe('markerPoster', () => {
  it('posts only markers that changed, and everything again when asked', () => {
    const posted: DeployMarker[][] = [];
    let markers: DeployMarker[] = [{ at: '2026-01-01T00:00:00Z', label: 'Revision 1' }];
    const post = markerPoster(
      () => markers,
      (m) => posted.push(m),
    );
    post(true);
    post(false);
    assert.equal(posted.length, 1, 'an unchanged timeline is not re-sent');
    markers = [...markers, { at: '2026-01-02T00:00:00Z', label: 'Revision 2' }];
    post(false);
    assert.equal(posted.length, 2);
    assert.equal(posted[1]!.length, 2);
    post(true);
    assert.equal(posted.length, 3, 'a reloaded webview gets them again');
  });
});
