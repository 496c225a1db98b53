import { randomUUID } from 'node:crypto';
import type { Clock } from './clock';
import { ApiError, MODIFIED_CONFLICT, alreadyExists, conflict, gone, invalid, notFound } from './errors';
import { type Registry, type ResourceType, typeKey } from './registry';
import { type KObject, clone } from './types';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change in the store, numbered by the global resourceVersion it produced. */
export interface StoreEvent {
  type: EventType;
  rv: number;
  key: string;
  object: KObject;
  /** The object before this change, for selector transitions; undefined on ADDED. */
  old: KObject | undefined;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** 'status' for /status writes: only status changes; otherwise status is kept as stored. */
  subresource?: string;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

/**
 * Defaulting and validation run on every create and update, before the object is stored. They may
 * change the object in place (defaults) or throw an ApiError (validation).
 */
export type Admission = (type: ResourceType, obj: KObject, old: KObject | undefined) => void;

const GENERATION_GROUPS = new Set(['apps', 'batch', 'autoscaling', 'policy', 'apiextensions.k8s.io']);
const GENERATION_KINDS = new Set(['Ingress', 'NetworkPolicy']);
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function hasGeneration(t: ResourceType): boolean {
  return GENERATION_GROUPS.has(t.group) || GENERATION_KINDS.has(t.kind) || t.crd !== undefined;
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** Everything outside metadata and status: what a generation counts changes of. */
function specPart(obj: KObject): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k !== 'metadata' && k !== 'status') rest[k] = v;
  return JSON.stringify(rest);
}

type Listener = (event: StoreEvent) => void;

/**
 * The sandbox's etcd: every object of every type, one global resourceVersion counter, a bounded history
 * of changes for watch resumption, and listeners (watch streams and in-process controllers).
 * Stored objects are never mutated after they are stored: writers pass new objects.
 */
export class Store {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  /** Watch resumption from a version at or below this one answers 410 Gone. */
  private compactedRv = 0;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly allListeners = new Set<Listener>();
  private readonly admissions: Admission[] = [];

  constructor(
    readonly registry: Registry,
    readonly clock: Clock,
    private readonly historyLimit = 20_000,
  ) {}

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestResumableVersion(): number {
    return this.compactedRv;
  }

  addAdmission(a: Admission): void {
    this.admissions.push(a);
  }

  /** Forget all history, as an etcd compaction does: every resuming watch gets 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.historyStart = 0;
    this.compactedRv = this.rv;
  }

  private bucket(t: ResourceType): Map<string, KObject> {
    const key = typeKey(t);
    let b = this.objects.get(key);
    if (b === undefined) {
      b = new Map();
      this.objects.set(key, b);
    }
    return b;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.bucket(t).get(objectKey(t.namespaced ? namespace : undefined, name));
  }

  mustGet(t: ResourceType, namespace: string | undefined, name: string): KObject {
    const obj = this.get(t, namespace, name);
    if (obj === undefined) throw notFound(t, name);
    return obj;
  }

  /** Objects of a type, optionally in one namespace, sorted by namespace and name like etcd keys. */
  list(t: ResourceType, namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const obj of this.bucket(t).values()) {
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    }
    return out.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  }

  count(t: ResourceType): number {
    return this.bucket(t).size;
  }

  create(t: ResourceType, input: KObject, opts: WriteOptions = {}): KObject {
    const obj = clone(input);
    const meta = obj.metadata;
    if ((meta.name === undefined || meta.name === '') && meta.generateName !== undefined) {
      meta.name = meta.generateName + randomSuffix(5);
    }
    const name = meta.name ?? '';
    if (name === '') {
      throw invalid(t, '', [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
          type: 'FieldValueRequired',
        },
      ]);
    }
    if (t.kind !== 'Event' && !DNS_SUBDOMAIN.test(name)) {
      throw invalid(t, name, [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        },
      ]);
    }
    if (t.namespaced) this.checkNamespace(meta.namespace);
    else delete meta.namespace;
    const bucket = this.bucket(t);
    const key = objectKey(meta.namespace, name);
    if (bucket.has(key)) throw alreadyExists(t, name);
    obj.apiVersion = t.group === '' ? t.version : `${t.group}/${t.version}`;
    obj.kind = t.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.clock.now());
    delete meta.deletionTimestamp;
    delete meta.resourceVersion;
    if (hasGeneration(t)) meta.generation = 1;
    else delete meta.generation;
    for (const a of this.admissions) a(t, obj, undefined);
    if (opts.dryRun === true) return { ...obj, metadata: { ...obj.metadata } };
    return this.commit(t, 'ADDED', key, obj, undefined);
  }

  /**
   * Replace an object. The caller's resourceVersion, when set, must match the stored one (optimistic
   * concurrency); an unset one means "last write wins", as for the real server's unconditional update.
   */
  update(t: ResourceType, input: KObject, opts: WriteOptions = {}): KObject {
    const name = input.metadata.name ?? '';
    const namespace = t.namespaced ? input.metadata.namespace : undefined;
    const key = objectKey(namespace, name);
    const old = this.bucket(t).get(key);
    if (old === undefined) throw notFound(t, name);
    const wanted = input.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== old.metadata.resourceVersion) {
      throw conflict(t, name, MODIFIED_CONFLICT);
    }
    if (
      input.metadata.uid !== undefined &&
      input.metadata.uid !== '' &&
      input.metadata.uid !== old.metadata.uid
    ) {
      throw conflict(
        t,
        name,
        `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    const obj = this.mergeForUpdate(t, old, clone(input), opts.subresource);
    for (const a of this.admissions) a(t, obj, old);
    if (hasGeneration(t) && specPart(obj) !== specPart(old))
      obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (JSON.stringify(obj) === JSON.stringify({ ...old, metadata: { ...old.metadata } })) return old;
    if (opts.dryRun === true) return obj;
    // An object that was being deleted goes once its last finalizer is removed.
    if (
      obj.metadata.deletionTimestamp !== undefined &&
      (obj.metadata.finalizers ?? []).length === 0 &&
      specFinalizers(t, obj).length === 0 &&
      t.kind !== 'Pod'
    ) {
      return this.commitDelete(t, key, old, obj);
    }
    return this.commit(t, 'MODIFIED', key, obj, old);
  }

  private mergeForUpdate(
    t: ResourceType,
    old: KObject,
    obj: KObject,
    subresource: string | undefined,
  ): KObject {
    const meta = obj.metadata;
    meta.uid = old.metadata.uid!;
    meta.creationTimestamp = old.metadata.creationTimestamp!;
    if (old.metadata.namespace !== undefined) meta.namespace = old.metadata.namespace;
    if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    if (old.metadata.deletionTimestamp !== undefined) {
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined)
        meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
    }
    obj.apiVersion = old.apiVersion;
    obj.kind = old.kind;
    const hasStatus = t.subresources.includes('status');
    if (subresource === 'status') {
      const merged: KObject = { ...old, metadata: meta };
      if ('status' in obj) merged['status'] = obj['status'];
      return merged;
    }
    if (hasStatus) {
      if ('status' in old) obj['status'] = old['status'];
      else delete obj['status'];
    }
    return obj;
  }

  /**
   * Delete an object. Objects with finalizers, and pods bound to a node (graceful termination), are only
   * marked with a deletionTimestamp; whoever owns the finalizer or the pod finishes the job.
   */
  delete(t: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KObject {
    const key = objectKey(t.namespaced ? namespace : undefined, name);
    const old = this.bucket(t).get(key);
    if (old === undefined) throw notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw conflict(
        t,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(t, name, MODIFIED_CONFLICT);
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
      finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan') && hasDependentsPolicy(t))
      finalizers.push('orphan');
    const grace = this.gracePeriod(t, old, opts.gracePeriodSeconds);
    // A namespace with spec finalizers is only marked Terminating; the namespace controller empties it.
    const nsFinalizers = specFinalizers(t, old);
    if (finalizers.length > 0 || grace > 0 || nsFinalizers.length > 0) {
      if (
        old.metadata.deletionTimestamp !== undefined &&
        grace >= (old.metadata.deletionGracePeriodSeconds ?? 0)
      )
        return old;
      const marked: KObject = {
        ...old,
        metadata: {
          ...old.metadata,
          deletionTimestamp: old.metadata.deletionTimestamp ?? rfc3339(this.clock.now() + grace * 1000),
          deletionGracePeriodSeconds: grace,
        },
      };
      if (finalizers.length > 0) marked.metadata.finalizers = finalizers;
      if (nsFinalizers.length > 0)
        marked['status'] = { ...((old['status'] as object | undefined) ?? {}), phase: 'Terminating' };
      if (opts.dryRun === true) return marked;
      return this.commit(t, 'MODIFIED', key, marked, old);
    }
    if (opts.dryRun === true) return old;
    return this.commitDelete(t, key, old, { ...old, metadata: { ...old.metadata } });
  }

  private gracePeriod(t: ResourceType, obj: KObject, requested: number | undefined): number {
    if (t.kind !== 'Pod' || t.group !== '') return 0;
    const spec = obj['spec'] as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    if (spec?.nodeName === undefined) return 0;
    const status = obj['status'] as { phase?: string } | undefined;
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed') return 0;
    return Math.max(0, requested ?? spec.terminationGracePeriodSeconds ?? 30);
  }

  private commitDelete(t: ResourceType, key: string, old: KObject, last: KObject): KObject {
    this.bucket(t).delete(key);
    this.rv++;
    last.metadata.resourceVersion = String(this.rv);
    this.record({ type: 'DELETED', rv: this.rv, key: typeKey(t), object: last, old });
    return last;
  }

  private commit(
    t: ResourceType,
    type: EventType,
    key: string,
    obj: KObject,
    old: KObject | undefined,
  ): KObject {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    this.bucket(t).set(key, obj);
    this.record({ type, rv: this.rv, key: typeKey(t), object: obj, old });
    return obj;
  }

  private record(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.compactedRv = this.history[this.historyStart]!.rv;
      this.historyStart++;
      if (this.historyStart > this.historyLimit) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const l of this.listeners.get(ev.key) ?? []) l(ev);
    for (const l of this.allListeners) l(ev);
  }

  private checkNamespace(namespace: string | undefined): void {
    const nsType = this.registry.lookup('', 'v1', 'namespaces')!;
    if (namespace === undefined || namespace === '') {
      throw new ApiError(
        'BadRequest',
        'the server could not find the requested resource: namespace is required',
      );
    }
    const ns = this.get(nsType, undefined, namespace);
    if (ns === undefined) throw notFound(nsType, namespace);
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw new ApiError(
        'Forbidden',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name: namespace,
          kind: 'namespaces',
          causes: [
            {
              type: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  /**
   * Events of a type after `fromRv`, then live ones, until the returned function is called.
   * Throws 410 Gone when `fromRv` is older than the retained history.
   */
  watch(t: ResourceType, fromRv: number, listener: Listener): () => void {
    const key = typeKey(t);
    if (fromRv < this.compactedRv) throw gone(fromRv, this.rv);
    for (let i = this.historyStart; i < this.history.length; i++) {
      const ev = this.history[i]!;
      if (ev.rv > fromRv && ev.key === key) listener(ev);
    }
    let set = this.listeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Every change of every type, for in-process controllers. */
  subscribe(listener: Listener): () => void {
    this.allListeners.add(listener);
    return () => this.allListeners.delete(listener);
  }

  /** Number of live watch listeners, for tests and the control endpoint. */
  watcherCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

/** `spec.finalizers` of a Namespace (e.g. ['kubernetes']); other kinds have none. */
function specFinalizers(t: ResourceType, obj: KObject): string[] {
  if (t.group !== '' || t.kind !== 'Namespace') return [];
  const spec = obj['spec'] as { finalizers?: string[] } | undefined;
  return spec?.finalizers ?? [];
}

function hasDependentsPolicy(t: ResourceType): boolean {
  return t.group === 'apps' || t.group === 'batch';
}

function sortKey(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function randomSuffix(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** RFC 3339 with second precision, as metadata timestamps are. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
