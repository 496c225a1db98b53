import type { ResourceType } from '../registry';
import { typeKey } from '../registry';
import { rfc3339 } from '../store';
import type { KObject } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import {
  type Condition,
  conditionsJson,
  conditionsOf,
  isDeleting,
  nameOf,
  sameJson,
  specOf,
  statusOf,
  strings,
} from './objects';
import { deleteQuietly, mutateObject } from './writes';

export const NAMESPACE_COMPONENT = 'namespace-controller';
const KUBERNETES_FINALIZER = 'kubernetes';
/** How soon a terminating namespace with content left is looked at again. */
const RECHECK_MS = 1000;

interface Remaining {
  /** "pods. has 2 resource instances" entries, as upstream words them. */
  resources: string[];
  /** "foo.example.com/x in 1 resource instances" entries for content finalizers. */
  finalizers: string[];
  total: number;
}

/**
 * The namespace controller: a namespace marked for deletion turns Terminating, everything in it is
 * deleted, and once nothing is left its `kubernetes` finalizer is removed so the namespace goes. The
 * sandbox's store removes a namespace at once when it has no metadata finalizers, so content left behind
 * by such a deletion is cleaned up here too.
 */
export function startNamespaceController(ctx: ControllerContext): Controller {
  const loop = startLoop(ctx, {
    name: NAMESPACE_COMPONENT,
    initialKeys: () => ctx.cache.list(ctx.res.namespaces).filter(isDeleting).map(nameOf),
    route: (ev, queue) => {
      if (ev.key !== 'core/namespaces') return;
      if (ev.type === 'DELETED' || isDeleting(ev.object)) queue.add(nameOf(ev.object));
    },
    sync: (name) => {
      const ns = ctx.store.get(ctx.res.namespaces, undefined, name);
      if (ns === undefined) {
        // Already gone: delete what is left, and come back until nothing is.
        if (deleteContent(ctx, name).total > 0) loop.queue.addAfter(name, RECHECK_MS);
        return;
      }
      if (!isDeleting(ns)) return;
      markTerminating(ctx, ns, undefined);
      const remaining = deleteContent(ctx, name);
      markTerminating(ctx, ns, remaining);
      if (remaining.total > 0) {
        loop.queue.addAfter(name, RECHECK_MS);
        return;
      }
      mutateObject(
        ctx.store,
        ctx.res.namespaces,
        undefined,
        name,
        (next) => {
          const finalizers = strings(specOf(next)['finalizers']);
          if (!finalizers.includes(KUBERNETES_FINALIZER)) return false;
          next['spec'] = {
            ...specOf(next),
            finalizers: finalizers.filter((f) => f !== KUBERNETES_FINALIZER),
          };
          return true;
        },
        { subresource: 'finalize' },
      );
    },
  });
  return { stop: () => loop.stop() };
}

/** The namespaced types whose objects can be deleted, one version per stored type. */
function contentTypes(ctx: ControllerContext): ResourceType[] {
  const seen = new Map<string, ResourceType>();
  for (const t of ctx.store.registry.all()) {
    if (!t.namespaced || !t.verbs.includes('delete') || seen.has(typeKey(t))) continue;
    seen.set(typeKey(t), t);
  }
  return [...seen.values()];
}

/** Deletes every object in the namespace and reports what is still there (being finalized or terminating). */
function deleteContent(ctx: ControllerContext, namespace: string): Remaining {
  const resources: string[] = [];
  const finalizerCounts = new Map<string, number>();
  let total = 0;
  for (const t of contentTypes(ctx)) {
    const objects = ctx.store.list(t, namespace);
    for (const o of objects) {
      if (!isDeleting(o))
        deleteQuietly(ctx.store, t, namespace, nameOf(o), { propagationPolicy: 'Background' });
    }
    const left = ctx.store.list(t, namespace);
    if (left.length === 0) continue;
    total += left.length;
    resources.push(`${t.plural}.${t.group} has ${left.length} resource instances`);
    for (const o of left)
      for (const f of o.metadata.finalizers ?? []) finalizerCounts.set(f, (finalizerCounts.get(f) ?? 0) + 1);
  }
  const finalizers = [...finalizerCounts.entries()].map(([f, n]) => `${f} in ${n} resource instances`).sort();
  return { resources: resources.sort(), finalizers, total };
}

function cond(type: string, status: string, reason: string, message: string, now: string): Condition {
  return { type, status, lastTransitionTime: now, reason, message };
}

/** Phase Terminating with the deletion conditions a 1.32 namespace controller reports. */
function markTerminating(ctx: ControllerContext, ns: KObject, remaining: Remaining | undefined): void {
  mutateObject(
    ctx.store,
    ctx.res.namespaces,
    undefined,
    nameOf(ns),
    (next) => {
      const now = rfc3339(ctx.clock.now());
      const old = conditionsOf(statusOf(next)['conditions']);
      const wanted: Condition[] = [
        cond(
          'NamespaceDeletionDiscoveryFailure',
          'False',
          'ResourcesDiscovered',
          'All resources successfully discovered',
          now,
        ),
        cond(
          'NamespaceDeletionGroupVersionParsingFailure',
          'False',
          'ParsedGroupVersions',
          'All legacy kube types successfully parsed',
          now,
        ),
        cond(
          'NamespaceDeletionContentFailure',
          'False',
          'ContentDeleted',
          'All content successfully deleted, may be waiting on finalization',
          now,
        ),
      ];
      if (remaining !== undefined) {
        wanted.push(
          remaining.total > 0
            ? cond(
                'NamespaceContentRemaining',
                'True',
                'SomeResourcesRemain',
                `Some resources are remaining: ${remaining.resources.join(', ')}`,
                now,
              )
            : cond(
                'NamespaceContentRemaining',
                'False',
                'ContentRemoved',
                'All content successfully removed',
                now,
              ),
          remaining.finalizers.length > 0
            ? cond(
                'NamespaceFinalizersRemaining',
                'True',
                'SomeFinalizersRemain',
                `Some content in the namespace has finalizers remaining: ${remaining.finalizers.join(', ')}`,
                now,
              )
            : cond(
                'NamespaceFinalizersRemaining',
                'False',
                'ContentHasNoFinalizers',
                'All content-preserving finalizers finished',
                now,
              ),
        );
      }
      const merged = wanted.map((c) => {
        const prev = old.find((o) => o.type === c.type);
        return prev !== undefined && prev.status === c.status && prev.lastTransitionTime !== undefined
          ? { ...c, lastTransitionTime: prev.lastTransitionTime }
          : c;
      });
      const kept = old.filter((o) => !merged.some((c) => c.type === o.type));
      const status = {
        ...statusOf(next),
        phase: 'Terminating',
        conditions: conditionsJson([...merged, ...kept]),
      };
      if (sameJson(status, statusOf(next))) return false;
      next['status'] = status;
      return true;
    },
    { subresource: 'status' },
  );
}
