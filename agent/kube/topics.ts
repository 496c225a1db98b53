import {
  AgentFailure,
  emptyState,
  type AgentError,
  type CollectionName,
  type DeltaOp,
  type Item,
  type TopicName,
  type TopicParams,
  type TopicState,
  type WorkloadKind,
} from '../../protocol';
import { deepEqual } from './equal';
import { toAgentError } from './errors';
import type { InformerEvent, InformerView } from './informer';
import type { InformerCache } from './informer-cache';
import { kubeConfigFor, type LoadedKubeconfig } from './kubeconfig';
import { Emitter, realSchedule, type Disposable, type Schedule } from './lifecycle';
import {
  controllerOf,
  objectKey,
  type ControllerRevision,
  type DaemonSet,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReplicaSet,
  type StatefulSet,
} from './objects';
import {
  helmRevisionFromSecret,
  hpaInfo,
  ingressInfo,
  namespaceInfo,
  podInfo,
  podOwner,
  revisionFromControllerRevision,
  revisionFromReplicaSet,
  serviceInfo,
  workloadInfo,
  type WorkloadObject,
} from './projections';
import type { ResourceName, ResourceObjects } from './resources';

/** The topics fed by Kubernetes informers; `kubeconfig` is fed by the kubeconfig files instead. */
export type KubeTopic = Exclude<TopicName, 'kubeconfig' | 'forwards'>;

/** A live source of one topic instance, e.g. the services of one namespace of one context. */
export interface TopicSource<T extends TopicName> {
  /** The state as of the last delta batch emitted; with the deltas that follow it, always current. */
  state(): TopicState<T>;
  error(): AgentError | null;
  onDelta(listener: (ops: DeltaOp<T>[]) => void): Disposable;
  /**
   * Resolves once every informer behind the topic has listed once or failed, with everything seen so far
   * already in state(): a snapshot taken then shows the cluster or an error, never a blank that fills in.
   */
  ready(): Promise<void>;
  dispose(): void;
}

export interface TopicDeps {
  cache: InformerCache;
  loaded: () => LoadedKubeconfig;
  scheduler?: Schedule;
  /** How long changes are coalesced before a batch is emitted (default 50 ms). */
  flushMs?: number;
}

type ChangeEvent<T> = Extract<InformerEvent<T>, { type: 'add' | 'update' | 'delete' }>;

interface PendingOp<T extends KubeTopic> {
  c: CollectionName<T>;
  key: string;
  value: unknown;
}

/**
 * What every topic does: lease informers, keep the committed state, collect changes (only real ones:
 * projected values are compared with what was last emitted), and emit them in batches at most every
 * `flushMs`, with an error op whenever the topic's error changes.
 */
abstract class KubeTopicSource<T extends KubeTopic> implements TopicSource<T> {
  private readonly committed: TopicState<T>;
  private readonly pending = new Map<string, PendingOp<T>>();
  private committedError: AgentError | null = null;
  /** Set when the context cannot be used at all; shown until an informer has something better to say. */
  private readonly contextError: AgentError | null = null;
  private readonly views: InformerView<KubeObject>[] = [];
  private readonly owned: Disposable[] = [];
  private readonly deltas = new Emitter<DeltaOp<T>[]>();
  private readonly schedule: Schedule;
  private readonly flushMs: number;
  private cancelFlush: (() => void) | undefined;
  private disposed = false;
  private settled = false;
  private waiters: (() => void)[] = [];

  protected constructor(
    topic: T,
    protected readonly context: string,
    private readonly deps: TopicDeps,
  ) {
    this.committed = emptyState(topic);
    this.schedule = deps.scheduler ?? realSchedule;
    this.flushMs = deps.flushMs ?? 50;
    try {
      kubeConfigFor(deps.loaded(), context);
    } catch (e) {
      this.contextError = e instanceof AgentFailure ? e.error : toAgentError(e);
    }
  }

  /** Leases an informer, replays what it already holds (it may be shared), then follows its changes. */
  protected follow<R extends ResourceName>(
    resource: R,
    namespace: string | undefined,
    handler: (e: ChangeEvent<ResourceObjects[R]>) => void,
  ): InformerView<ResourceObjects[R]> {
    const lease = this.deps.cache.acquire(this.context, resource, namespace);
    this.owned.push({ dispose: () => lease.release() });
    const view = lease.informer;
    this.views.push(view);
    for (const object of view.objects.values()) handler({ type: 'add', object });
    this.owned.push(
      view.onChange((e) => {
        if (this.disposed) return;
        if (e.type === 'add' || e.type === 'update' || e.type === 'delete') handler(e);
        this.touch();
        if (e.type === 'synced' || e.type === 'error') this.checkSettled();
      }),
    );
    return view;
  }

  /** Called by subclasses once they follow all their informers: the replayed state becomes the snapshot. */
  protected begin(): void {
    this.settle();
    this.commit();
    this.committedError = this.liveError();
    this.checkSettled();
  }

  /** Records an item's new projection (undefined: gone); only a real change becomes an op. */
  protected set<C extends CollectionName<T>>(c: C, key: string, value: Item<T, C> | undefined): void {
    const id = `${c}\u0000${key}`;
    const have = (this.committed[c] as Record<string, unknown>)[key];
    if (deepEqual(have, value)) this.pending.delete(id);
    else this.pending.set(id, { c, key, value });
  }

  /** Re-projects whatever the events since the last flush marked dirty; subclasses override. */
  protected settle(): void {}

  private touch(): void {
    if (this.cancelFlush === undefined && !this.disposed) {
      this.cancelFlush = this.schedule(() => this.flush(), this.flushMs);
    }
  }

  private liveError(): AgentError | null {
    for (const v of this.views) if (v.error !== null) return v.error;
    if (this.contextError !== null && !this.views.some((v) => v.synced)) return this.contextError;
    return null;
  }

  private commit(): DeltaOp<T>[] {
    const ops: DeltaOp<T>[] = [];
    for (const p of this.pending.values()) {
      const coll = this.committed[p.c] as Record<string, unknown>;
      if (p.value === undefined) {
        Reflect.deleteProperty(coll, p.key);
        ops.push({ op: 'del', c: p.c, key: p.key });
      } else {
        coll[p.key] = p.value;
        // The value was projected for collection p.c by set(), which is typed by collection.
        ops.push({ op: 'put', c: p.c, key: p.key, value: p.value } as DeltaOp<T>);
      }
    }
    this.pending.clear();
    return ops;
  }

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    if (this.disposed) return;
    this.settle();
    const ops = this.commit();
    const error = this.liveError();
    if (!deepEqual(error, this.committedError)) {
      this.committedError = error;
      ops.push({ op: 'error', error });
    }
    if (ops.length > 0) this.deltas.fire(ops);
  }

  private checkSettled(): void {
    if (this.settled || this.disposed) return;
    const done = this.contextError !== null || this.views.every((v) => v.synced || v.error !== null);
    if (!done) return;
    this.settled = true;
    this.flush();
    for (const w of this.waiters.splice(0)) w();
  }

  state(): TopicState<T> {
    const copy: Record<string, Record<string, unknown>> = {};
    for (const [c, items] of Object.entries(this.committed))
      copy[c] = { ...(items as Record<string, unknown>) };
    return copy as TopicState<T>;
  }

  error(): AgentError | null {
    return this.committedError;
  }

  onDelta(listener: (ops: DeltaOp<T>[]) => void): Disposable {
    return this.deltas.event(listener);
  }

  ready(): Promise<void> {
    if (this.settled || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    for (const d of this.owned.splice(0).reverse()) d.dispose();
    this.deltas.clear();
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Moves `item` to `target` in a two-way index; returns the previous target when it changed. */
function relink(
  forward: Map<string, string>,
  reverse: Map<string, Set<string>>,
  item: string,
  target: string | undefined,
): string | undefined {
  const before = forward.get(item);
  if (before === target) return undefined;
  if (before !== undefined) {
    const set = reverse.get(before);
    set?.delete(item);
    if (set?.size === 0) reverse.delete(before);
  }
  if (target === undefined) forward.delete(item);
  else {
    forward.set(item, target);
    let set = reverse.get(target);
    if (set === undefined) reverse.set(target, (set = new Set()));
    set.add(item);
  }
  return before;
}

function namespaced(o: KubeObject, name: string): string {
  return `${o.metadata.namespace ?? ''}/${name}`;
}

class NamespacesSource extends KubeTopicSource<'namespaces'> {
  constructor(params: TopicParams<'namespaces'>, deps: TopicDeps) {
    super('namespaces', params.context, deps);
    this.follow('namespaces', undefined, (e) =>
      this.set(
        'namespaces',
        e.object.metadata.name,
        e.type === 'delete' ? undefined : namespaceInfo(e.object),
      ),
    );
    this.begin();
  }
}

type WorkloadViews = {
  Deployment?: InformerView<Deployment>;
  StatefulSet?: InformerView<StatefulSet>;
  DaemonSet?: InformerView<DaemonSet>;
};

/**
 * Workloads with their health, pods with kubectl's STATUS and their owner, services, ingresses and HPAs.
 * Indexes from pods to workloads (through ReplicaSets) keep each event's work proportional to what it
 * touches: a pod change re-projects that pod and its one workload, never the namespace.
 */
class ServicesSource extends KubeTopicSource<'services'> {
  private readonly podWorkload = new Map<string, string>();
  private readonly workloadPods = new Map<string, Set<string>>();
  private readonly podReplicaSet = new Map<string, string>();
  private readonly replicaSetPods = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private readonly workloads: WorkloadViews = {};
  private replicaSets: InformerView<ReplicaSet> | undefined;
  private pods: InformerView<Pod> | undefined;

  constructor(params: TopicParams<'services'>, deps: TopicDeps) {
    super('services', params.context, deps);
    const ns = params.namespace;
    // ReplicaSets and workloads first, so replayed pods find their owners at once.
    this.replicaSets = this.follow('replicasets', ns, (e) => this.onReplicaSet(e));
    this.workloads.Deployment = this.follow('deployments', ns, (e) =>
      this.markWorkload('Deployment', e.object),
    );
    this.workloads.StatefulSet = this.follow('statefulsets', ns, (e) =>
      this.markWorkload('StatefulSet', e.object),
    );
    this.workloads.DaemonSet = this.follow('daemonsets', ns, (e) => this.markWorkload('DaemonSet', e.object));
    this.pods = this.follow('pods', ns, (e) =>
      this.updatePod(objectKey(e.object), e.type === 'delete' ? undefined : e.object),
    );
    this.follow('services', ns, (e) =>
      this.set('services', objectKey(e.object), e.type === 'delete' ? undefined : serviceInfo(e.object)),
    );
    this.follow('ingresses', ns, (e) =>
      this.set('ingresses', objectKey(e.object), e.type === 'delete' ? undefined : ingressInfo(e.object)),
    );
    this.follow('horizontalpodautoscalers', ns, (e) =>
      this.set('hpas', objectKey(e.object), e.type === 'delete' ? undefined : hpaInfo(e.object)),
    );
    this.begin();
  }

  private markWorkload(kind: WorkloadKind, o: KubeObject): void {
    this.dirty.add(`${kind}/${objectKey(o)}`);
  }

  /** A ReplicaSet that appears, goes or changes hands changes the owner of the pods it created. */
  private onReplicaSet(e: ChangeEvent<ReplicaSet>): void {
    if (e.type === 'update' && deepEqual(controllerOf(e.old), controllerOf(e.object))) return;
    const pods = this.replicaSetPods.get(objectKey(e.object));
    if (pods === undefined) return;
    for (const key of [...pods]) this.updatePod(key, this.pods?.objects.get(key));
  }

  private updatePod(key: string, pod: Pod | undefined): void {
    const ref = pod === undefined ? undefined : controllerOf(pod);
    const rsKey = pod !== undefined && ref?.kind === 'ReplicaSet' ? namespaced(pod, ref.name) : undefined;
    relink(this.podReplicaSet, this.replicaSetPods, key, rsKey);
    const owner =
      pod === undefined
        ? undefined
        : podOwner(pod, rsKey === undefined ? undefined : this.replicaSets?.objects.get(rsKey));
    const workload =
      pod === undefined || owner === undefined ? undefined : `${owner.kind}/${namespaced(pod, owner.name)}`;
    const before = relink(this.podWorkload, this.workloadPods, key, workload);
    if (before !== undefined) this.dirty.add(before);
    if (workload !== undefined) this.dirty.add(workload);
    this.set('pods', key, pod === undefined ? undefined : podInfo(pod, owner));
  }

  private workloadObject(kind: WorkloadKind, key: string): WorkloadObject | undefined {
    switch (kind) {
      case 'Deployment': {
        const object = this.workloads.Deployment?.objects.get(key);
        return object === undefined ? undefined : { kind, object };
      }
      case 'StatefulSet': {
        const object = this.workloads.StatefulSet?.objects.get(key);
        return object === undefined ? undefined : { kind, object };
      }
      case 'DaemonSet': {
        const object = this.workloads.DaemonSet?.objects.get(key);
        return object === undefined ? undefined : { kind, object };
      }
    }
  }

  protected override settle(): void {
    for (const id of this.dirty) {
      const slash = id.indexOf('/');
      const kind = id.slice(0, slash) as WorkloadKind;
      const w = this.workloadObject(kind, id.slice(slash + 1));
      if (w === undefined) {
        this.set('workloads', id, undefined);
        continue;
      }
      const pods: Pod[] = [];
      for (const key of this.workloadPods.get(id) ?? []) {
        const p = this.pods?.objects.get(key);
        if (p !== undefined) pods.push(p);
      }
      this.set('workloads', id, workloadInfo(w, pods));
    }
    this.dirty.clear();
  }
}

/** Rollout revisions of Deployments (ReplicaSets) and StatefulSets/DaemonSets (ControllerRevisions), and Helm releases. */
class ReleasesSource extends KubeTopicSource<'releases'> {
  private readonly rsOwner = new Map<string, string>();
  private readonly ownerReplicaSets = new Map<string, Set<string>>();
  private readonly crOwner = new Map<string, string>();
  private readonly ownerRevisions = new Map<string, Set<string>>();
  private readonly dirtyReplicaSets = new Set<string>();
  private readonly dirtyRevisions = new Set<string>();
  private deployments: InformerView<Deployment> | undefined;
  private statefulSets: InformerView<StatefulSet> | undefined;
  private daemonSets: InformerView<DaemonSet> | undefined;
  private replicaSets: InformerView<ReplicaSet> | undefined;
  private controllerRevisions: InformerView<ControllerRevision> | undefined;

  constructor(params: TopicParams<'releases'>, deps: TopicDeps) {
    super('releases', params.context, deps);
    const ns = params.namespace;
    this.deployments = this.follow('deployments', ns, (e) => {
      for (const rs of this.ownerReplicaSets.get(objectKey(e.object)) ?? []) this.dirtyReplicaSets.add(rs);
    });
    this.statefulSets = this.follow('statefulsets', ns, (e) =>
      this.markRevisionsOf(`StatefulSet/${objectKey(e.object)}`),
    );
    this.daemonSets = this.follow('daemonsets', ns, (e) =>
      this.markRevisionsOf(`DaemonSet/${objectKey(e.object)}`),
    );
    this.replicaSets = this.follow('replicasets', ns, (e) => {
      const key = objectKey(e.object);
      const ref = controllerOf(e.object);
      const owner =
        e.type !== 'delete' && ref?.kind === 'Deployment' ? namespaced(e.object, ref.name) : undefined;
      relink(this.rsOwner, this.ownerReplicaSets, key, owner);
      this.dirtyReplicaSets.add(key);
    });
    this.controllerRevisions = this.follow('controllerrevisions', ns, (e) => {
      const key = objectKey(e.object);
      const ref = controllerOf(e.object);
      const owner =
        e.type !== 'delete' && (ref?.kind === 'StatefulSet' || ref?.kind === 'DaemonSet')
          ? `${ref.kind}/${namespaced(e.object, ref.name)}`
          : undefined;
      const before = relink(this.crOwner, this.ownerRevisions, key, owner);
      // A DaemonSet's current revision is its highest, so one revision's change can move the mark.
      if (before !== undefined) this.markRevisionsOf(before);
      if (owner !== undefined) this.markRevisionsOf(owner);
      this.dirtyRevisions.add(key);
    });
    this.follow('helmreleases', ns, (e) =>
      this.set(
        'helm',
        objectKey(e.object),
        e.type === 'delete' ? undefined : helmRevisionFromSecret(e.object),
      ),
    );
    this.begin();
  }

  private markRevisionsOf(owner: string): void {
    for (const cr of this.ownerRevisions.get(owner) ?? []) this.dirtyRevisions.add(cr);
  }

  protected override settle(): void {
    for (const key of this.dirtyReplicaSets) {
      const rs = this.replicaSets?.objects.get(key);
      const owner = this.rsOwner.get(key);
      const deployment = owner === undefined ? undefined : this.deployments?.objects.get(owner);
      this.set(
        'revisions',
        `ReplicaSet/${key}`,
        rs === undefined ? undefined : revisionFromReplicaSet(rs, deployment),
      );
    }
    this.dirtyReplicaSets.clear();
    for (const key of this.dirtyRevisions) {
      const cr = this.controllerRevisions?.objects.get(key);
      const ownerId = this.crOwner.get(key);
      if (cr === undefined || ownerId === undefined) {
        this.set('revisions', `ControllerRevision/${key}`, undefined);
        continue;
      }
      const slash = ownerId.indexOf('/');
      const ownerKey = ownerId.slice(slash + 1);
      const owner = ownerId.startsWith('StatefulSet/')
        ? this.statefulSets?.objects.get(ownerKey)
        : this.daemonSets?.objects.get(ownerKey);
      const siblings: ControllerRevision[] = [];
      for (const k of this.ownerRevisions.get(ownerId) ?? []) {
        const s = this.controllerRevisions?.objects.get(k);
        if (s !== undefined) siblings.push(s);
      }
      this.set('revisions', `ControllerRevision/${key}`, revisionFromControllerRevision(cr, owner, siblings));
    }
    this.dirtyRevisions.clear();
  }
}

const SOURCES: { [K in KubeTopic]: (params: TopicParams<K>, deps: TopicDeps) => TopicSource<K> } = {
  namespaces: (p, d) => new NamespacesSource(p, d),
  services: (p, d) => new ServicesSource(p, d),
  releases: (p, d) => new ReleasesSource(p, d),
};

/** The source for one instance of a Kubernetes topic; its informers come from (and go back to) the cache. */
export function createTopicSource<T extends KubeTopic>(
  topic: T,
  params: TopicParams<T>,
  deps: TopicDeps,
): TopicSource<T> {
  // Indexing the table by a generic key loses the link between topic and params; this restores it.
  const make = SOURCES[topic] as (params: TopicParams<T>, deps: TopicDeps) => TopicSource<T>;
  return make(params, deps);
}
