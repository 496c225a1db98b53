import type { ResourceType } from '../registry';
import { typeKey } from '../registry';
import type { StoreEvent } from '../store';
import type { KObject } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import { isDeleting, nameOf, ownerRefs, uidOf } from './objects';
import type { WorkQueue } from './queue';
import { deleteQuietly, mutateObject } from './writes';

export const GC_COMPONENT = 'garbage-collector-controller';
const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

interface Node {
  t: ResourceType;
  obj: KObject;
}

type Op = 'delete' | 'orphan' | 'foreground';

function hasFinalizer(o: KObject, f: string): boolean {
  return (o.metadata.finalizers ?? []).includes(f);
}

/**
 * The garbage collector, after pkg/controller/garbagecollector: a graph of every object by uid and of
 * dependents by owner uid, kept from store changes. A dependent whose owners are all gone is deleted
 * (background by default); an owner deleted with propagationPolicy Orphan has its dependents' references
 * removed before its `orphan` finalizer; one deleted in the foreground first sees its dependents deleted
 * and waits for those that block owner deletion before its `foregroundDeletion` finalizer is removed.
 */
export function startGarbageCollector(ctx: ControllerContext): Controller {
  const objects = new Map<string, Node>();
  const dependents = new Map<string, Set<string>>();
  const types = new Map<string, ResourceType>();
  for (const t of ctx.store.registry.all()) if (!types.has(typeKey(t))) types.set(typeKey(t), t);

  const link = (o: KObject): void => {
    for (const r of ownerRefs(o)) {
      let set = dependents.get(r.uid);
      if (set === undefined) {
        set = new Set();
        dependents.set(r.uid, set);
      }
      set.add(uidOf(o));
    }
  };
  const unlink = (o: KObject): void => {
    for (const r of ownerRefs(o)) {
      const set = dependents.get(r.uid);
      set?.delete(uidOf(o));
      if (set !== undefined && set.size === 0) dependents.delete(r.uid);
    }
  };
  const put = (t: ResourceType, o: KObject): void => {
    const old = objects.get(uidOf(o));
    if (old !== undefined) unlink(old.obj);
    objects.set(uidOf(o), { t, obj: o });
    link(o);
  };

  for (const t of types.values()) {
    if (t.kind === 'Event' || !t.verbs.includes('delete')) continue;
    for (const o of ctx.store.list(t)) put(t, o);
  }

  const enqueue = (queue: WorkQueue, op: Op, uid: string): void => queue.add(`${op}/${uid}`);

  const route = (ev: StoreEvent, queue: WorkQueue): void => {
    if (ev.key === 'core/events') return;
    const t = types.get(ev.key) ?? ctx.store.registry.all().find((x) => typeKey(x) === ev.key);
    if (t === undefined) return;
    types.set(ev.key, t);
    const o = ev.object;
    const uid = uidOf(o);
    if (ev.type === 'DELETED') {
      const node = objects.get(uid);
      if (node !== undefined) unlink(node.obj);
      objects.delete(uid);
      for (const dep of dependents.get(uid) ?? []) enqueue(queue, 'delete', dep);
      // An owner deleting its dependents in the foreground waits for this one to be gone.
      for (const r of ownerRefs(o)) {
        const owner = objects.get(r.uid);
        if (owner !== undefined && isDeleting(owner.obj) && hasFinalizer(owner.obj, FOREGROUND))
          enqueue(queue, 'foreground', r.uid);
      }
      return;
    }
    const wasForeground = ev.old !== undefined && isDeleting(ev.old) && hasFinalizer(ev.old, FOREGROUND);
    put(t, o);
    if (isDeleting(o) && hasFinalizer(o, ORPHAN)) enqueue(queue, 'orphan', uid);
    if (isDeleting(o) && hasFinalizer(o, FOREGROUND)) {
      enqueue(queue, 'foreground', uid);
      if (!wasForeground) for (const dep of dependents.get(uid) ?? []) enqueue(queue, 'delete', dep);
    }
    // A dependent whose owner is missing or deleting its dependents needs a look.
    for (const r of ownerRefs(o)) {
      const owner = objects.get(r.uid);
      if (owner === undefined || (isDeleting(owner.obj) && hasFinalizer(owner.obj, FOREGROUND))) {
        enqueue(queue, 'delete', uid);
        break;
      }
    }
  };

  const fresh = (uid: string): Node | undefined => {
    const node = objects.get(uid);
    if (node === undefined) return undefined;
    const live = ctx.store.get(node.t, node.obj.metadata.namespace, nameOf(node.obj));
    return live === undefined || uidOf(live) !== uid ? undefined : { t: node.t, obj: live };
  };

  /** classifyReferences plus attemptToDeleteItem. */
  const attemptToDelete = (uid: string): void => {
    const item = fresh(uid);
    if (item === undefined) return;
    const o = item.obj;
    if (isDeleting(o) && !hasFinalizer(o, FOREGROUND)) return;
    const refs = ownerRefs(o);
    if (refs.length === 0) return;
    const solid: string[] = [];
    const gone: string[] = [];
    const waiting: string[] = [];
    for (const r of refs) {
      const owner = objects.get(r.uid);
      const ns = owner?.obj.metadata.namespace;
      // An owner must be cluster-scoped or in the dependent's namespace; anything else counts as absent.
      if (owner === undefined || (ns !== undefined && ns !== o.metadata.namespace)) gone.push(r.uid);
      else if (isDeleting(owner.obj) && hasFinalizer(owner.obj, FOREGROUND)) waiting.push(r.uid);
      else solid.push(r.uid);
    }
    if (solid.length > 0) {
      const drop = new Set([...gone, ...waiting]);
      if (drop.size === 0) return;
      mutateObject(ctx.store, item.t, o.metadata.namespace, nameOf(o), (next) => {
        if (uidOf(next) !== uid) return false;
        next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
        return true;
      });
      return;
    }
    const hasDependents = (dependents.get(uid)?.size ?? 0) > 0;
    let policy: 'Orphan' | 'Foreground' | 'Background' = 'Background';
    if (waiting.length > 0 && hasDependents) policy = 'Foreground';
    else if (hasFinalizer(o, ORPHAN)) policy = 'Orphan';
    else if (hasFinalizer(o, FOREGROUND)) policy = 'Foreground';
    deleteQuietly(ctx.store, item.t, o.metadata.namespace, nameOf(o), {
      propagationPolicy: policy,
      preconditions: { uid },
    });
  };

  const removeFinalizer = (node: Node, finalizer: string): void => {
    mutateObject(ctx.store, node.t, node.obj.metadata.namespace, nameOf(node.obj), (next) => {
      if (uidOf(next) !== uidOf(node.obj) || !hasFinalizer(next, finalizer)) return false;
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      return true;
    });
  };

  /** attemptToOrphan: drop this owner from every dependent's references, then the orphan finalizer. */
  const orphan = (uid: string): void => {
    const owner = fresh(uid);
    if (owner === undefined || !isDeleting(owner.obj) || !hasFinalizer(owner.obj, ORPHAN)) return;
    for (const depUid of [...(dependents.get(uid) ?? [])]) {
      const dep = fresh(depUid);
      if (dep === undefined) continue;
      mutateObject(ctx.store, dep.t, dep.obj.metadata.namespace, nameOf(dep.obj), (next) => {
        const refs = next.metadata.ownerReferences ?? [];
        if (uidOf(next) !== depUid || !refs.some((r) => r.uid === uid)) return false;
        const kept = refs.filter((r) => r.uid !== uid);
        if (kept.length > 0) next.metadata.ownerReferences = kept;
        else delete next.metadata.ownerReferences;
        return true;
      });
    }
    removeFinalizer(owner, ORPHAN);
  };

  /** processDeletingDependentsItem: finish once no dependent blocks the owner's deletion. */
  const foreground = (uid: string, queue: WorkQueue): void => {
    const owner = fresh(uid);
    if (owner === undefined || !isDeleting(owner.obj) || !hasFinalizer(owner.obj, FOREGROUND)) return;
    const blocking = [...(dependents.get(uid) ?? [])].filter((depUid) => {
      const dep = objects.get(depUid);
      return (
        dep !== undefined && ownerRefs(dep.obj).some((r) => r.uid === uid && r.blockOwnerDeletion === true)
      );
    });
    if (blocking.length === 0) {
      removeFinalizer(owner, FOREGROUND);
      return;
    }
    for (const depUid of blocking) {
      const dep = objects.get(depUid);
      if (dep !== undefined && !(isDeleting(dep.obj) && hasFinalizer(dep.obj, FOREGROUND)))
        enqueue(queue, 'delete', depUid);
    }
  };

  const loop = startLoop(ctx, {
    name: GC_COMPONENT,
    initialKeys: () => {
      const keys: string[] = [];
      for (const [uid, node] of objects) {
        if (isDeleting(node.obj) && hasFinalizer(node.obj, ORPHAN)) keys.push(`orphan/${uid}`);
        if (isDeleting(node.obj) && hasFinalizer(node.obj, FOREGROUND)) keys.push(`foreground/${uid}`);
        if (ownerRefs(node.obj).some((r) => !objects.has(r.uid))) keys.push(`delete/${uid}`);
      }
      return keys;
    },
    route,
    sync: (key) => {
      const slash = key.indexOf('/');
      const op = key.slice(0, slash);
      const uid = key.slice(slash + 1);
      if (op === 'delete') attemptToDelete(uid);
      else if (op === 'orphan') orphan(uid);
      else if (op === 'foreground') foreground(uid, loop.queue);
    },
  });
  return { stop: () => loop.stop() };
}
