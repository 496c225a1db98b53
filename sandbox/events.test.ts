import { strict as assert } from 'node:assert';
import { ManualClock } from './clock';
import { EventRecorder } from './events';
import { Registry } from './registry';
import { Store } from './store';
import type { KObject } from './types';

describe('EventRecorder', () => {
  let clock: ManualClock;
  let store: Store;
  let pod: KObject;
  const events = (): KObject[] => store.list(new Registry().lookup('', 'v1', 'events')!, 'default');
  beforeEach(() => {
    clock = new ManualClock();
    const registry = new Registry();
    store = new Store(registry, clock);
    store.create(registry.lookup('', 'v1', 'namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default' },
    });
    pod = store.create(registry.lookup('', 'v1', 'pods')!, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default' },
      spec: { containers: [] },
    });
  });

  it('writes core/v1 events named after the object with a hex timestamp and the involved object', () => {
    const rec = new EventRecorder(store, clock);
    const ev = rec.record(pod, 'Normal', 'Pulled', 'pulled', {
      component: 'kubelet',
      host: 'node-1',
      fieldPath: 'spec.containers{web}',
    })!;
    assert.match(ev.metadata.name ?? '', /^web-1\.[0-9a-f]{16}$/);
    assert.deepEqual(ev['involvedObject'], {
      kind: 'Pod',
      namespace: 'default',
      name: 'web-1',
      uid: pod.metadata.uid,
      apiVersion: 'v1',
      resourceVersion: pod.metadata.resourceVersion,
      fieldPath: 'spec.containers{web}',
    });
    assert.deepEqual(ev['source'], { component: 'kubelet', host: 'node-1' });
    assert.equal(ev['reportingComponent'], 'kubelet');
    assert.equal(ev['count'], 1);
    assert.equal(ev['firstTimestamp'], '2026-01-01T00:00:00Z');
  });

  it('aggregates identical events into one with a count and a later lastTimestamp', () => {
    const rec = new EventRecorder(store, clock);
    rec.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', { component: 'kubelet' });
    clock.advance(5_000);
    rec.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', { component: 'kubelet' });
    assert.equal(events().length, 1);
    assert.equal(events()[0]!['count'], 2);
    assert.equal(events()[0]!['firstTimestamp'], '2026-01-01T00:00:00Z');
    assert.equal(events()[0]!['lastTimestamp'], '2026-01-01T00:00:05Z');
    rec.record(pod, 'Warning', 'BackOff', 'something else', { component: 'kubelet' });
    assert.equal(events().length, 2, 'a different message is a different event');
  });

  it('combines more than ten distinct messages of one reason, as the event correlator does', () => {
    const rec = new EventRecorder(store, clock);
    for (let i = 0; i < 12; i++)
      rec.record(pod, 'Normal', 'Created', `Created container ${i}`, { component: 'kubelet' });
    const combined = events().filter((e) =>
      String(e['message']).startsWith('(combined from similar events): '),
    );
    assert.equal(combined.length, 1);
    assert.equal(combined[0]!['count'], 3);
    assert.equal(events().length, 10);
  });

  it('caps events per namespace and expires them after the TTL', () => {
    const rec = new EventRecorder(store, clock, { maxPerNamespace: 5, spamBurst: 1000 });
    for (let i = 0; i < 8; i++) rec.record(pod, 'Normal', `R${i}`, 'm', { component: 'c' });
    assert.equal(events().length, 5);
    assert.deepEqual(
      events()
        .map((e) => e['reason'])
        .sort(),
      ['R3', 'R4', 'R5', 'R6', 'R7'],
    );
    clock.advance(3_700_000);
    rec.record(pod, 'Normal', 'Fresh', 'm', { component: 'c' });
    assert.deepEqual(
      events().map((e) => e['reason']),
      ['Fresh'],
    );
  });

  it('drops floods from one source about one object beyond the burst', () => {
    const rec = new EventRecorder(store, clock, { spamBurst: 3 });
    for (let i = 0; i < 5; i++) rec.record(pod, 'Normal', 'Thing', `m${i}`, { component: 'c' });
    assert.equal(events().length, 3);
    clock.advance(300_000);
    rec.record(pod, 'Normal', 'Thing', 'later', { component: 'c' });
    assert.equal(events().length, 4, 'the bucket refills over time');
  });

  it('puts events about cluster-scoped objects in the default namespace', () => {
    const registry = store.registry;
    const node = store.create(registry.lookup('', 'v1', 'nodes')!, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
    });
    const ev = new EventRecorder(store, clock).record(node, 'Normal', 'NodeReady', 'ready', {
      component: 'kubelet',
    })!;
    assert.equal(ev.metadata.namespace, 'default');
    assert.equal((ev['involvedObject'] as Record<string, unknown>)['namespace'], undefined);
  });
});
