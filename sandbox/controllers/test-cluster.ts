import { installAdmission } from '../admission';
import { ManualClock } from '../clock';
import { ApiError } from '../errors';
import { EventRecorder } from '../events';
import { Registry, type ResourceType } from '../registry';
import { rfc3339, Store, type StoreEvent } from '../store';
import type { KObject } from '../types';
import type { PodMetricsSource } from './controller';
import { startControllers } from './index';
import { isDeleting, nameOf, namespaceOf, nodeNameOf, podPhase, specOf, statusOf, str } from './objects';
import { type Resources, resolveResources } from './resources';

export interface TestClusterOptions {
  nodes?: number;
  /** How long the fake kubelet takes from binding to Running (and Ready unless `unready` says no). */
  startMs?: number;
  /** How long a deleted pod takes to terminate. */
  stopMs?: number;
  /** How long a pod with restartPolicy Never/OnFailure runs before it finishes. */
  runMs?: number;
  hpaSyncMs?: number;
}

/**
 * A real store, registry and admission with the controllers started on a manual clock, plus a tiny fake
 * kubelet for tests: bound pods become Running (Ready unless the test says otherwise) after `startMs`,
 * deleted pods disappear after `stopMs`, run-to-completion pods finish after `runMs`, and pod usage comes
 * from a table the test fills.
 */
export class TestCluster implements PodMetricsSource {
  readonly clock = new ManualClock();
  readonly registry = new Registry();
  readonly store: Store;
  readonly recorder: EventRecorder;
  readonly res: Resources;
  /** Unexpected (non-API) sync errors, which tests assert to be empty. */
  readonly errors: unknown[] = [];
  /** Decides whether a started pod reports Ready. */
  ready: (pod: KObject) => boolean = () => true;
  /** Decides whether a run-to-completion pod succeeds. */
  succeeds: (pod: KObject) => boolean = () => true;
  /** Per-pod usage for the HPA, keyed `namespace/name`; a missing entry means no metrics. */
  readonly usage = new Map<string, { cpuMillicores: number; memoryBytes: number }>();
  private readonly stopControllers: () => void;
  private readonly unsubscribe: () => void;
  private readonly started = new Set<string>();
  private readonly stopping = new Set<string>();
  private nextIP = 1;
  private readonly startMs: number;
  private readonly stopMs: number;
  private readonly runMs: number;

  constructor(opts: TestClusterOptions = {}) {
    this.store = new Store(this.registry, this.clock);
    installAdmission(this.store);
    this.res = resolveResources(this.registry);
    this.recorder = new EventRecorder(this.store, this.clock);
    this.startMs = opts.startMs ?? 100;
    this.stopMs = opts.stopMs ?? 100;
    this.runMs = opts.runMs ?? 1000;
    this.namespace('default');
    for (let i = 1; i <= (opts.nodes ?? 2); i++) this.addNode(`sandbox-node-${i}`);
    this.unsubscribe = this.store.subscribe((ev) => this.kubelet(ev));
    const controllers = startControllers({
      store: this.store,
      clock: this.clock,
      recorder: this.recorder,
      metrics: this,
      ...(opts.hpaSyncMs === undefined ? {} : { hpaSyncMs: opts.hpaSyncMs }),
      onError: (_c, _k, e) => {
        if (!(e instanceof ApiError)) this.errors.push(e);
      },
    });
    this.stopControllers = () => controllers.stop();
  }

  stop(): void {
    this.stopControllers();
    this.unsubscribe();
  }

  podUsage(
    namespace: string,
    name: string,
  ): { containers: { name: string; cpuMillicores: number; memoryBytes: number }[] } | undefined {
    const u = this.usage.get(`${namespace}/${name}`);
    return u === undefined ? undefined : { containers: [{ name: 'app', ...u }] };
  }

  namespace(name: string): KObject {
    return this.store.create(this.res.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }

  addNode(name: string, ready = true): KObject {
    const now = rfc3339(this.clock.now());
    return this.store.create(this.res.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: 'KubeletReady',
            lastTransitionTime: now,
          },
        ],
      },
    });
  }

  create(obj: KObject): KObject {
    return this.store.create(this.typeOf(obj), obj);
  }

  typeOf(obj: Pick<KObject, 'apiVersion' | 'kind'>): ResourceType {
    const t = this.registry.byKind(obj.apiVersion, obj.kind);
    if (t === undefined) throw new Error(`no type for ${obj.apiVersion} ${obj.kind}`);
    return t;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.store.get(t, namespace, name);
  }

  mustGet(t: ResourceType, namespace: string | undefined, name: string): KObject {
    return this.store.mustGet(t, namespace, name);
  }

  /** Applies `mutate` to the stored object's spec side (a plain update). */
  edit(t: ResourceType, namespace: string | undefined, name: string, mutate: (o: KObject) => void): KObject {
    const o = structuredClone(this.store.mustGet(t, namespace, name));
    mutate(o);
    return this.store.update(t, o);
  }

  pods(namespace = 'default'): KObject[] {
    return this.store.list(this.res.pods, namespace);
  }

  events(namespace = 'default'): KObject[] {
    return this.store.list(this.registry.lookup('', 'v1', 'events')!, namespace);
  }

  eventMessages(namespace = 'default', reason?: string): string[] {
    return this.events(namespace)
      .filter((e) => reason === undefined || e['reason'] === reason)
      .map((e) => String(e['message']));
  }

  /** Moves the clock in steps, running `check` after each step. */
  run(ms: number, check: () => void = () => undefined, step = 10): void {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(step);
      check();
    }
  }

  /** Moves the clock until `done` holds; fails after `maxMs`. */
  until(done: () => boolean, maxMs = 60_000, what = 'condition', step = 10): void {
    for (let t = 0; t <= maxMs; t += step) {
      if (done()) return;
      this.clock.advance(step);
    }
    throw new Error(`timed out after ${maxMs} ms waiting for ${what}`);
  }

  private key(pod: KObject): string {
    return `${namespaceOf(pod)}/${nameOf(pod)}/${pod.metadata.uid ?? ''}`;
  }

  private kubelet(ev: StoreEvent): void {
    if (ev.key !== 'core/pods' || ev.type === 'DELETED') return;
    const pod = ev.object;
    if (nodeNameOf(pod) === '') return;
    const key = this.key(pod);
    if (isDeleting(pod)) {
      if (this.stopping.has(key)) return;
      this.stopping.add(key);
      this.clock.setTimeout(() => this.remove(pod), this.stopMs);
      return;
    }
    if (this.started.has(key) || podPhase(pod) !== 'Pending') return;
    this.started.add(key);
    this.clock.setTimeout(() => this.startPod(pod), this.startMs);
  }

  private remove(pod: KObject): void {
    try {
      this.store.delete(this.res.pods, namespaceOf(pod), nameOf(pod), {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid ?? '' },
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }

  private writeStatus(pod: KObject, status: Record<string, unknown>): KObject | undefined {
    const live = this.store.get(this.res.pods, namespaceOf(pod), nameOf(pod));
    if (live === undefined || live.metadata.uid !== pod.metadata.uid || isDeleting(live)) return undefined;
    return this.store.update(
      this.res.pods,
      { ...live, metadata: { ...live.metadata }, status: { ...statusOf(live), ...status } },
      { subresource: 'status' },
    );
  }

  private startPod(pod: KObject): void {
    const now = rfc3339(this.clock.now());
    const ip = `10.244.0.${this.nextIP++}`;
    const live = this.store.get(this.res.pods, namespaceOf(pod), nameOf(pod));
    if (live === undefined) return;
    const ready = this.ready(live);
    const cond = (type: string, ok: boolean): Record<string, unknown> => ({
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    const running = this.writeStatus(pod, {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      startTime: now,
      conditions: [
        cond('Initialized', true),
        cond('Ready', ready),
        cond('ContainersReady', ready),
        cond('PodScheduled', true),
      ],
    });
    const policy = str(specOf(pod)['restartPolicy']) ?? 'Always';
    if (running !== undefined && policy !== 'Always') {
      this.clock.setTimeout(() => {
        const at = rfc3339(this.clock.now());
        const phase = this.succeeds(running) ? 'Succeeded' : 'Failed';
        this.writeStatus(pod, {
          phase,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'PodCompleted',
              lastProbeTime: null,
              lastTransitionTime: at,
            },
            { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
          ],
        });
      }, this.runMs);
    }
  }

  /** Flips a running pod's readiness, as a probe result would. */
  setReady(pod: KObject, ready: boolean): void {
    const live = this.store.mustGet(this.res.pods, namespaceOf(pod), nameOf(pod));
    const now = rfc3339(this.clock.now());
    const conditions = (
      Array.isArray(statusOf(live)['conditions']) ? (statusOf(live)['conditions'] as unknown[]) : []
    ).map((c) => {
      const r = c as Record<string, unknown>;
      return r['type'] === 'Ready' || r['type'] === 'ContainersReady'
        ? { ...r, status: ready ? 'True' : 'False', lastTransitionTime: now }
        : r;
    });
    this.writeStatus(live, { conditions });
  }
}
