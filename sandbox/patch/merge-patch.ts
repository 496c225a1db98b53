/**
 * RFC 7386 JSON merge patch as the kube-apiserver applies it for `application/merge-patch+json`. The real
 * server uses evanphx/json-patch v4, whose two departures from the RFC we keep: a patch that is not an
 * object or array is refused, and nulls inside objects nested in a patch array are dropped.
 */
import { type Json, type JsonObject, isJsonObject, clone } from '../types';
import { PatchError, getMember, setMember, toJson } from './json-patch';

/** Applies `patch` to a copy of `doc` and returns the copy; neither argument is modified. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (isJsonObject(patch)) {
    const target = isJsonObject(doc) ? clone(doc) : {};
    return mergeInto(target, patch);
  }
  if (Array.isArray(patch)) return patch.map((item: unknown) => withoutNulls(toJson(item)));
  throw new PatchError('BadRequest', 'Invalid JSON Patch');
}

/** Merges `patch` into `target`, which the caller owns and which is modified in place. */
function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      Reflect.deleteProperty(target, key);
      continue;
    }
    const current = getMember(target, key);
    const merged =
      isJsonObject(value) && isJsonObject(current) ? mergeInto(current, value) : withoutNulls(value);
    setMember(target, key, merged);
  }
  return target;
}

/**
 * A fresh copy of a patch value with every null object member removed, which is what merging the value
 * into nothing amounts to. Nulls that are list items stay: only object members can be deleted.
 */
function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (isJsonObject(value)) return mergeInto({}, value);
  return value;
}
