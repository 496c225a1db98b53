import { strict as assert } from 'node:assert';
import type { JsonObject, KObject } from '../types';
import { TestCluster } from './test-cluster';
import { isDeleting, nameOf, statusOf } from './objects';

const selfRef = { apiVersion: 'v1', kind: 'Service' };

function pod(name: string, labels: Record<string, string>): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

describe('endpoints and endpointslice controllers', () => {
  let c: TestCluster;
  beforeEach(() => {
    c = new TestCluster();
    c.create({
      ...selfRef,
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'admin', port: 9000, targetPort: 9000 },
        ],
      },
    });
  });
  afterEach(() => {
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  const endpoints = (): KObject => c.mustGet(c.res.endpoints, 'default', 'web');
  const slices = (): KObject[] => c.store.list(c.res.endpointSlices, 'default');
  const subsets = (): JsonObject[] => (endpoints()['subsets'] ?? []) as JsonObject[];
  const ipOf = (name: string): string => String(statusOf(c.mustGet(c.res.pods, 'default', name))['podIP']);

  it('lists ready pods as addresses and unready ones as notReadyAddresses, following readiness', () => {
    c.ready = (p) => nameOf(p) !== 'b';
    c.create(pod('a', { app: 'web' }));
    c.create(pod('b', { app: 'web' }));
    c.create(pod('other', { app: 'other' }));
    c.run(500);
    const [subset] = subsets();
    assert.equal(subsets().length, 1);
    const addresses = subset!['addresses'] as JsonObject[];
    const notReady = subset!['notReadyAddresses'] as JsonObject[];
    assert.deepEqual(
      addresses.map((x) => x['ip']),
      [ipOf('a')],
    );
    assert.deepEqual(
      notReady.map((x) => x['ip']),
      [ipOf('b')],
    );
    const a = c.mustGet(c.res.pods, 'default', 'a');
    assert.deepEqual(addresses[0], {
      ip: ipOf('a'),
      nodeName: (a['spec'] as { nodeName: string }).nodeName,
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: a.metadata.uid },
    });
    assert.deepEqual(
      subset!['ports'],
      [
        { name: 'admin', port: 9000, protocol: 'TCP' },
        { name: 'http', port: 8080, protocol: 'TCP' },
      ],
      'named targetPort resolved from the container port',
    );
    assert.deepEqual(endpoints().metadata.labels, { app: 'web' });

    c.setReady(c.mustGet(c.res.pods, 'default', 'b'), true);
    c.run(50);
    assert.deepEqual(
      (subsets()[0]!['addresses'] as JsonObject[]).map((x) => x['ip']).sort(),
      [ipOf('a'), ipOf('b')].sort(),
    );
    assert.equal(subsets()[0]!['notReadyAddresses'], undefined);

    c.setReady(c.mustGet(c.res.pods, 'default', 'a'), false);
    c.run(50);
    assert.deepEqual(
      (subsets()[0]!['notReadyAddresses'] as JsonObject[]).map((x) => x['ip']),
      [ipOf('a')],
    );
  });

  it('keeps an EndpointSlice with ready, serving and terminating conditions, terminating pods included', () => {
    c.create(pod('a', { app: 'web' }));
    c.run(500);
    assert.equal(slices().length, 1);
    const slice = slices()[0]!;
    assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'web');
    assert.equal(
      slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'],
      'endpointslice-controller.k8s.io',
    );
    assert.equal(slice['addressType'], 'IPv4');
    assert.equal(slice.metadata.ownerReferences?.[0]?.kind, 'Service');
    const eps = slice['endpoints'] as JsonObject[];
    assert.deepEqual(eps[0]!['conditions'], { ready: true, serving: true, terminating: false });
    assert.deepEqual(eps[0]!['addresses'], [ipOf('a')]);
    assert.deepEqual(slice['ports'], [
      { name: 'http', protocol: 'TCP', port: 8080 },
      { name: 'admin', protocol: 'TCP', port: 9000 },
    ]);

    // Deleting the pod: gone from Endpoints at once, still in the slice as terminating until it is gone.
    c.store.delete(c.res.pods, 'default', 'a');
    c.run(20);
    assert.ok(isDeleting(c.mustGet(c.res.pods, 'default', 'a')));
    assert.deepEqual(subsets(), []);
    const terminating = (slices()[0]!['endpoints'] as JsonObject[])[0]!;
    assert.deepEqual(terminating['conditions'], { ready: false, serving: true, terminating: true });
    c.run(500);
    assert.equal(slices().length, 1, 'a placeholder slice remains');
    assert.equal(slices()[0]!['endpoints'], null);
  });

  it('removes endpoints and slices with the service', () => {
    c.create(pod('a', { app: 'web' }));
    c.run(500);
    c.store.delete(c.res.services, 'default', 'web');
    c.run(100);
    assert.equal(c.get(c.res.endpoints, 'default', 'web'), undefined);
    assert.deepEqual(slices(), []);
  });
});
