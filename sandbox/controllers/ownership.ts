import type { ResourceType } from '../registry';
import type { KObject } from '../types';
import type { ControllerContext } from './controller';
import { controllerRef, isDeleting, nameOf, namespaceOf, newControllerRef, uidOf } from './objects';
import { mutateObject } from './writes';

/**
 * ControllerRefManager.ClaimObjects: of the candidates, keep those this owner controls and still
 * selects, adopt orphans it selects (adding its controller reference), and release those it controls
 * but no longer selects. Objects controlled by someone else are left alone. Returns the claimed objects,
 * current after any adoption.
 */
export function claim(
  ctx: ControllerContext,
  t: ResourceType,
  owner: KObject,
  candidates: readonly KObject[],
  selects: (o: KObject) => boolean,
): KObject[] {
  const ownerUid = uidOf(owner);
  const out: KObject[] = [];
  for (const o of candidates) {
    const ref = controllerRef(o);
    if (ref !== undefined) {
      if (ref.uid !== ownerUid) continue;
      if (selects(o)) {
        out.push(o);
      } else if (!isDeleting(owner)) {
        release(ctx, t, o, ownerUid);
      }
      continue;
    }
    // An orphan: adopt it unless either side is going away, or the owner does not select it.
    if (isDeleting(owner) || isDeleting(o) || !selects(o)) continue;
    if (!canAdopt(ctx, owner)) continue;
    const adopted = mutateObject(ctx.store, t, namespaceOf(o), nameOf(o), (next) => {
      if (controllerRef(next) !== undefined || next.metadata.uid !== o.metadata.uid) return false;
      next.metadata.ownerReferences = [...(next.metadata.ownerReferences ?? []), newControllerRef(owner)];
      return true;
    });
    if (adopted !== undefined && controllerRef(adopted)?.uid === ownerUid) out.push(adopted);
  }
  return out;
}

/** RecheckDeletionTimestamp: adopt only if the owner, read fresh, is the same object and not being deleted. */
function canAdopt(ctx: ControllerContext, owner: KObject): boolean {
  const t = ctx.store.registry.byKind(owner.apiVersion, owner.kind);
  if (t === undefined) return false;
  const fresh = ctx.store.get(t, owner.metadata.namespace, nameOf(owner));
  return fresh !== undefined && uidOf(fresh) === uidOf(owner) && !isDeleting(fresh);
}

function release(ctx: ControllerContext, t: ResourceType, o: KObject, ownerUid: string): void {
  mutateObject(ctx.store, t, namespaceOf(o), nameOf(o), (next) => {
    if (next.metadata.uid !== o.metadata.uid) return false;
    const refs = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
    if (refs.length === (next.metadata.ownerReferences ?? []).length) return false;
    if (refs.length > 0) next.metadata.ownerReferences = refs;
    else delete next.metadata.ownerReferences;
    return true;
  });
}
