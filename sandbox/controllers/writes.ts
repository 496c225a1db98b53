import { ApiError } from '../errors';
import type { ResourceType } from '../registry';
import type { DeleteOptions, Store } from '../store';
import { type JsonObject, type KObject, clone } from '../types';
import { mergeStatus, statusOf } from './objects';

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'NotFound';
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'Conflict';
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'AlreadyExists';
}

/** True for the errors a create gets once its namespace is being (or has been) deleted. */
export function isNamespaceGone(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  if (e.reason === 'Forbidden' && (e.details?.causes ?? []).some((c) => c.type === 'NamespaceTerminating'))
    return true;
  return e.reason === 'NotFound' && e.details?.kind === 'namespaces';
}

/**
 * Read-modify-write with retry on conflict (client-go's RetryOnConflict): `mutate` edits a fresh copy
 * and returns false to skip the write. Returns the stored object, or undefined if it is gone.
 */
export function mutateObject(
  store: Store,
  t: ResourceType,
  namespace: string | undefined,
  name: string,
  mutate: (o: KObject) => boolean,
  opts: { subresource?: string } = {},
): KObject | undefined {
  for (let attempt = 0; ; attempt++) {
    const live = store.get(t, namespace, name);
    if (live === undefined) return undefined;
    const next = clone(live);
    if (!mutate(next)) return live;
    try {
      return store.update(t, next, opts);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (!isConflict(e) || attempt >= 4) throw e;
    }
  }
}

/**
 * Writes the status fields a controller owns onto `obj` through the status subresource, keeping the
 * rest and skipping the write when nothing changes or the object was replaced (another uid) meanwhile.
 */
export function writeOwnedStatus(
  store: Store,
  t: ResourceType,
  obj: KObject,
  owned: readonly string[],
  status: JsonObject,
): KObject | undefined {
  return mutateObject(
    store,
    t,
    obj.metadata.namespace,
    obj.metadata.name ?? '',
    (next) => {
      if (next.metadata.uid !== obj.metadata.uid) return false;
      const merged = mergeStatus(statusOf(next), owned, status);
      if (merged === undefined) return false;
      next['status'] = merged;
      return true;
    },
    { subresource: 'status' },
  );
}

/** Deletes an object, treating "already gone" as success. */
export function deleteQuietly(
  store: Store,
  t: ResourceType,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions = {},
): boolean {
  try {
    store.delete(t, namespace, name, opts);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
