import { selectorMatches } from '../selectors';
import type { JsonObject, KObject } from '../types';
import type { ControllerContext } from './controller';
import { fnv32, safeEncodeString } from './hash';
import {
  creationMs,
  labelSelector,
  nameOf,
  namespaceOf,
  newControllerRef,
  num,
  rec,
  sameJson,
  specOf,
  strMap,
} from './objects';
import { claim } from './ownership';
import { isAlreadyExists } from './writes';

/** The label on revisions (and StatefulSet/DaemonSet pods) naming the revision they belong to. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';

/**
 * The patch a StatefulSet or DaemonSet revision stores: the pod template, marked to replace rather than
 * merge. `kubectl rollout history --revision` and `rollout undo` apply it as a strategic merge patch.
 */
export function templatePatch(owner: KObject): JsonObject {
  return { spec: { template: { ...rec(specOf(owner)['template']), $patch: 'replace' } } };
}

/** The pod template a revision holds, without the patch directive. */
export function revisionTemplate(cr: KObject): JsonObject {
  const template = { ...rec(rec(rec(cr['data'])['spec'])['template']) };
  delete template['$patch'];
  return template;
}

export function revisionNumber(cr: KObject): number {
  return num(cr['revision']) ?? 0;
}

/** history.SortControllerRevisions: by revision, then age, then name. */
export function byRevisionNumber(a: KObject, b: KObject): number {
  return (
    revisionNumber(a) - revisionNumber(b) ||
    creationMs(a) - creationMs(b) ||
    nameOf(a).localeCompare(nameOf(b))
  );
}

export function equalRevision(a: KObject, b: KObject): boolean {
  return sameJson(a['data'], b['data']);
}

/** HashControllerRevision: 32-bit FNV-1 of the data's JSON, then of the collision count in decimal. */
export function hashRevision(data: JsonObject, collisionCount: number | undefined): string {
  let h = fnv32(JSON.stringify(data));
  if (collisionCount !== undefined) h = fnv32(String(collisionCount), h);
  return safeEncodeString(String(h));
}

/** The owner's revisions, adopting orphans whose labels its selector matches. */
export function listRevisions(ctx: ControllerContext, owner: KObject): KObject[] {
  const selector = labelSelector(specOf(owner)['selector']);
  const candidates = ctx.cache.list(ctx.res.controllerRevisions, namespaceOf(owner));
  return claim(ctx, ctx.res.controllerRevisions, owner, candidates, (cr) =>
    selectorMatches(selector, cr.metadata.labels),
  ).sort(byRevisionNumber);
}

/**
 * history.NewControllerRevision plus CreateControllerRevision: names the revision `<owner>-<hash>` and, if
 * a different revision already has that name, bumps the collision count and hashes again. Returns the
 * stored revision and the collision count used.
 */
export function createRevision(
  ctx: ControllerContext,
  owner: KObject,
  data: JsonObject,
  revision: number,
  collisionCount: number,
  name: (hash: string) => string = (hash) => `${nameOf(owner)}-${hash}`,
  hashOf: (count: number) => string = (count) => hashRevision(data, count),
): { revision: KObject; collisionCount: number } {
  let count = collisionCount;
  for (;;) {
    const hash = hashOf(count);
    const cr: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: name(hash),
        namespace: namespaceOf(owner),
        labels: {
          ...strMap(rec(rec(specOf(owner)['template'])['metadata'])['labels']),
          [REVISION_HASH_LABEL]: hash,
        },
        ownerReferences: [newControllerRef(owner)],
      },
      data,
      revision,
    };
    const annotations = owner.metadata.annotations;
    if (annotations !== undefined && Object.keys(annotations).length > 0)
      cr.metadata.annotations = { ...annotations };
    try {
      return { revision: ctx.store.create(ctx.res.controllerRevisions, cr), collisionCount: count };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = ctx.store.get(ctx.res.controllerRevisions, namespaceOf(owner), name(hash));
      if (existing !== undefined && sameJson(existing['data'], data))
        return { revision: existing, collisionCount: count };
      count++;
    }
  }
}

/** UpdateControllerRevision: a revision rolled back to gets a new, highest number. */
export function renumberRevision(ctx: ControllerContext, cr: KObject, revision: number): KObject {
  if (revisionNumber(cr) === revision) return cr;
  return ctx.store.update(ctx.res.controllerRevisions, { ...cr, metadata: { ...cr.metadata }, revision });
}
