import { strict as assert } from 'node:assert';
import { AgentFailure, agentError, type AgentError } from '../../protocol';
import { Informer, type InformerEvent } from './informer';
import { realDelay, type Delay } from './lifecycle';
import type { KubeObject } from './objects';
import { RESOURCES, type ResourceDescriptor } from './resources';
import type { KubeTransport, ListResult, WatchEnd, WatchHandlers } from './transport';

function cm(name: string, rv: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { metadata: { name, namespace: 'default', resourceVersion: rv, ...extra } };
}

interface OpenWatch {
  resourceVersion: string;
  handlers: WatchHandlers<KubeObject>;
  end(result: WatchEnd): void;
}

type ListStep = ListResult<KubeObject> | AgentError;

/**
 * A scripted cluster: each list call takes the next step (a result or an error); each watch call waits
 * until the test ends it. With no step left a list waits until aborted, like a hanging request.
 */
class FakeTransport implements KubeTransport {
  readonly lists: ListStep[] = [];
  listCalls = 0;
  readonly watches: OpenWatch[] = [];
  private waiters: (() => void)[] = [];

  list<T extends KubeObject>(
    _r: ResourceDescriptor,
    _ns: string | undefined,
    signal: AbortSignal,
  ): Promise<ListResult<T>> {
    this.listCalls++;
    const step = this.lists.shift();
    if (step === undefined) {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () =>
          reject(new AgentFailure(agentError('CANCELLED', 'cancelled'))),
        ),
      );
    }
    if ('code' in step) return Promise.reject(new AgentFailure(step));
    return Promise.resolve({
      resourceVersion: step.resourceVersion,
      items: step.items.map((o) => structuredClone(o) as T),
    });
  }

  watch<T extends KubeObject>(
    _r: ResourceDescriptor,
    _ns: string | undefined,
    resourceVersion: string,
    handlers: WatchHandlers<T>,
    signal: AbortSignal,
  ): Promise<WatchEnd> {
    return new Promise((resolve) => {
      const end = (result: WatchEnd): void => resolve(result);
      signal.addEventListener('abort', () => end({ kind: 'closed' }));
      this.watches.push({ resourceVersion, handlers: handlers as unknown as WatchHandlers<KubeObject>, end });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the n-th watch (0-based) once the informer has opened it. */
  async watchNumber(n: number): Promise<OpenWatch> {
    while (this.watches.length <= n) await new Promise<void>((r) => this.waiters.push(r));
    return this.watches[n]!;
  }
}

const unreachable = agentError('CLUSTER_UNREACHABLE', 'The cluster is not reachable (connection refused).');

function setup(opts: { delay?: Delay; minWatchMs?: number } = {}) {
  const transport = new FakeTransport();
  const delays: number[] = [];
  const delay: Delay =
    opts.delay ??
    ((ms) => {
      delays.push(ms);
      return Promise.resolve();
    });
  let now = 0;
  const informer = new Informer<KubeObject>({
    transport,
    resource: RESOURCES.pods,
    delay,
    clock: () => now,
    backoff: { initialMs: 100, maxMs: 1000, random: () => 1 },
    minWatchMs: opts.minWatchMs ?? 1000,
  });
  const events: string[] = [];
  informer.onChange((e: InformerEvent<KubeObject>) => {
    if (e.type === 'error') events.push(`error ${e.error?.code ?? 'null'}`);
    else if (e.type === 'synced') events.push('synced');
    else events.push(`${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion ?? ''}`);
  });
  return { transport, informer, events, delays, advance: (ms: number) => (now += ms) };
}

/** Read through a call: TypeScript would otherwise keep a getter narrowed by an earlier assertion. */
function currentError(informer: Informer<KubeObject>): AgentError | null {
  return informer.error;
}

function names(informer: Informer<KubeObject>): string[] {
  return [...informer.objects.keys()].sort();
}

describe('informer (list, watch, resume, relist, retry)', () => {
  it('lists, then watches from the list version and applies adds, updates and deletes', async () => {
    const { transport, informer, events } = setup();
    transport.lists.push({ resourceVersion: '10', items: [cm('a', '5'), cm('b', '6')] });
    informer.start();
    const w = await transport.watchNumber(0);
    assert.equal(w.resourceVersion, '10');
    assert.equal(informer.synced, true);
    w.handlers.opened();
    w.handlers.event({ type: 'ADDED', object: cm('c', '11') });
    w.handlers.event({ type: 'MODIFIED', object: cm('a', '12') });
    w.handlers.event({ type: 'DELETED', object: cm('b', '13') });
    assert.deepEqual(names(informer), ['default/a', 'default/c']);
    assert.deepEqual(events, ['add a@5', 'add b@6', 'synced', 'add c@11', 'update a@12', 'delete b@13']);
    assert.equal(informer.version, '13');
    await informer.stop();
  });

  it('resumes from the last version (bookmarks included) when a stream ends, without listing again', async () => {
    const { transport, informer } = setup();
    transport.lists.push({ resourceVersion: '10', items: [] });
    informer.start();
    const first = await transport.watchNumber(0);
    first.handlers.event({ type: 'ADDED', object: cm('a', '11') });
    first.handlers.event({ type: 'BOOKMARK', resourceVersion: '20' });
    first.end({ kind: 'closed' });
    const second = await transport.watchNumber(1);
    assert.equal(second.resourceVersion, '20');
    assert.equal(transport.listCalls, 1);
    await informer.stop();
  });

  it('lists again on 410 Gone and reconciles: new objects added, changed updated, vanished deleted', async () => {
    const { transport, informer, events } = setup();
    transport.lists.push({
      resourceVersion: '10',
      items: [cm('keep', '1'), cm('change', '2'), cm('vanish', '3')],
    });
    transport.lists.push({
      resourceVersion: '30',
      items: [cm('keep', '1'), cm('change', '25'), cm('new', '26')],
    });
    informer.start();
    (await transport.watchNumber(0)).end({ kind: 'gone' });
    const w = await transport.watchNumber(1);
    assert.equal(w.resourceVersion, '30');
    assert.deepEqual(names(informer), ['default/change', 'default/keep', 'default/new']);
    assert.deepEqual(events.slice(4), ['update change@25', 'add new@26', 'delete vanish@3']);
    assert.equal(events.filter((e) => e === 'synced').length, 1, 'synced is announced once');
    await informer.stop();
  });

  it('shows an error, backs off exponentially, keeps retrying, and clears the error on recovery', async () => {
    const { transport, informer, events, delays } = setup();
    transport.lists.push(unreachable, unreachable, unreachable, {
      resourceVersion: '5',
      items: [cm('a', '4')],
    });
    informer.start();
    const w = await transport.watchNumber(0);
    assert.deepEqual(delays, [100, 200, 400]);
    assert.deepEqual(events, ['error CLUSTER_UNREACHABLE', 'add a@4', 'error null', 'synced']);
    assert.equal(informer.error, null);
    // A failed watch keeps the objects and the version: it resumes rather than re-lists.
    w.end({ kind: 'failed', error: unreachable });
    const again = await transport.watchNumber(1);
    assert.equal(again.resourceVersion, '5');
    assert.equal(currentError(informer)?.code, 'CLUSTER_UNREACHABLE');
    assert.deepEqual(names(informer), ['default/a']);
    again.handlers.opened();
    assert.equal(informer.error, null, 'an accepted watch means the cluster is back');
    assert.equal(transport.listCalls, 4);
    await informer.stop();
  });

  it('caps the backoff', async () => {
    const { transport, informer, delays } = setup();
    for (let i = 0; i < 8; i++) transport.lists.push(unreachable);
    transport.lists.push({ resourceVersion: '1', items: [] });
    informer.start();
    await transport.watchNumber(0);
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    await informer.stop();
  });

  it('waits before reopening a stream the server closes at once, without reporting an error', async () => {
    const { transport, informer, delays, events, advance } = setup();
    transport.lists.push({ resourceVersion: '1', items: [] });
    informer.start();
    (await transport.watchNumber(0)).end({ kind: 'closed' });
    const second = await transport.watchNumber(1);
    assert.deepEqual(delays, [100]);
    advance(5000);
    second.end({ kind: 'closed' });
    await transport.watchNumber(2);
    assert.deepEqual(delays, [100], 'a stream that lived long enough is reopened at once');
    assert.ok(!events.some((e) => e.startsWith('error')));
    await informer.stop();
  });

  it('stops promptly from any state and leaves nothing running', async () => {
    // Waiting in backoff, with the real delay: stop must cancel the timer, not wait 10 s.
    const failing = new FakeTransport();
    failing.lists.push(unreachable);
    const waiting = new Informer<KubeObject>({
      transport: failing,
      resource: RESOURCES.pods,
      delay: realDelay,
      backoff: { initialMs: 10_000, random: () => 1 },
    });
    waiting.start();
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await waiting.stop();
    assert.ok(Date.now() - started < 500, 'stop did not wait for the backoff');

    // Watching: stop aborts the stream and no event arrives afterwards.
    const { transport, informer, events } = setup();
    transport.lists.push({ resourceVersion: '1', items: [] });
    informer.start();
    const w = await transport.watchNumber(0);
    await informer.stop();
    const before = events.length;
    w.handlers.event({ type: 'ADDED', object: cm('late', '2') });
    assert.equal(transport.watches.length, 1, 'no new watch after stop');
    assert.equal(events.length, before, 'events after stop are ignored');

    // Listing: a hanging list is aborted.
    const hanging = setup();
    hanging.informer.start();
    await new Promise((r) => setTimeout(r, 10));
    await hanging.informer.stop();
    assert.equal(hanging.transport.listCalls, 1);
  });

  it('drops managed fields and the last-applied annotation to save memory and keep secrets out', async () => {
    const { transport, informer } = setup();
    const big = cm('a', '1', {
      managedFields: [{ manager: 'kubectl' }],
      annotations: {
        keep: 'me',
        'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"x"}}',
      },
    });
    transport.lists.push({ resourceVersion: '1', items: [big] });
    informer.start();
    await transport.watchNumber(0);
    const stored = informer.objects.get('default/a');
    assert.equal(stored?.metadata.managedFields, undefined);
    assert.deepEqual(stored?.metadata.annotations, { keep: 'me' });
    await informer.stop();
  });
});
