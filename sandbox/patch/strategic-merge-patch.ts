/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`) as the kube-apiserver
 * applies it to built-in kinds. Objects merge recursively and null deletes, as in a JSON merge patch;
 * lists follow the strategy `listStrategy` gives for their field: merged by key, merged as a set of
 * primitives, or replaced whole. Directives in the patch refine this:
 *
 * - `$patch: replace | delete | merge` on a map, and `{$patch: replace}` or `{$patch: delete, <key>: …}`
 *   as elements of a keyed list;
 * - `$retainKeys: [...]` clears the members of a map that the list does not name;
 * - `$setElementOrder/<field>: [...]` fixes the order of a merged list;
 * - `$deleteFromPrimitiveList/<field>: [...]` removes values from a list of primitives.
 *
 * Element order follows the real implementation: elements the patch names are ordered as the patch (or
 * its `$setElementOrder` list) orders them, and elements only the server has keep their place relative
 * to them as far as the live order allows. No directive ever reaches the result.
 */
import { type Json, type JsonObject, isJsonObject, clone } from '../types';
import { PatchError, getMember, setMember } from './json-patch';
import { listStrategy } from './merge-keys';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

// The messages of k8s.io/apimachinery's mergepatch errors, which the real server returns as they are.
const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const BAD_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';
const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';

/** The kind being patched and the field names from the object root down to the value at hand. */
interface Place {
  readonly kind: string;
  readonly path: readonly string[];
}

/** How list elements are told apart: by merge key for lists of maps, by value for primitives. */
type Identity = (item: Json) => Json;

/**
 * Applies `patch` to a copy of `doc`, an object of the built-in `kind`, and returns the copy; neither
 * argument is modified. Throws {@link PatchError} for a malformed patch.
 */
export function applyStrategicMergePatch(kind: string, doc: unknown, patch: unknown): unknown {
  // The real server decodes a `null` body as an empty patch.
  const body = patch === null ? {} : patch;
  if (!isJsonObject(body)) throw badRequest('invalid JSON document');
  const target = isJsonObject(doc) ? clone(doc) : {};
  // Deleting the whole object leaves an empty one, as upstream does.
  return mergeObject({ kind, path: [] }, target, body) ?? {};
}

function badRequest(message: string): PatchError {
  return new PatchError('BadRequest', message);
}

function child(place: Place, field: string): Place {
  return { kind: place.kind, path: [...place.path, field] };
}

function isDirectiveKey(key: string): boolean {
  return key.startsWith('$');
}

/**
 * Merges `patch` into `target` (owned by the caller and modified in place, or undefined when there is no
 * map yet). Returns undefined when the patch deletes the map.
 */
function mergeObject(
  place: Place,
  target: JsonObject | undefined,
  patch: JsonObject,
): JsonObject | undefined {
  const directive = getMember(patch, PATCH);
  switch (directive) {
    case undefined:
    case 'merge':
      return mergeFields(place, target ?? {}, patch);
    case 'replace':
      return mergeFields(place, {}, patch);
    case 'delete':
      // Upstream leaves an empty map behind when the map existed; like the strategic merge patch
      // documentation, we treat `$patch: delete` as the equivalent of null and remove the member.
      return undefined;
    default:
      throw badRequest(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
  }
}

/** Merges the members of `patch` into `target`, ignoring any `$patch` directive of the map itself. */
function mergeFields(place: Place, target: JsonObject, patch: JsonObject): JsonObject {
  applyRetainKeys(target, patch);
  const ordered = applyElementOrders(place, target, patch);
  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key) || ordered.has(key)) continue;
    mergeField(place, target, key, value);
  }
  applyPrimitiveListDeletions(target, patch);
  return target;
}

function mergeField(place: Place, target: JsonObject, key: string, value: Json): void {
  const merged = value === null ? undefined : mergeValue(child(place, key), getMember(target, key), value);
  if (merged === undefined) Reflect.deleteProperty(target, key);
  else setMember(target, key, merged);
}

/** The patch value merged into the current one; undefined when the patch deletes it. */
function mergeValue(place: Place, current: Json | undefined, patch: Json): Json | undefined {
  if (isJsonObject(patch)) return mergeObject(place, isJsonObject(current) ? current : undefined, patch);
  if (!Array.isArray(patch)) return patch;
  return Array.isArray(current) ? mergeList(place, current, patch).items : freshList(place, patch);
}

/**
 * `$retainKeys` lists the members the map may keep; every other member is cleared. Every member the patch
 * sets must be in the list.
 */
function applyRetainKeys(target: JsonObject, patch: JsonObject): void {
  const retain = getMember(patch, RETAIN_KEYS);
  if (retain === undefined) return;
  if (!Array.isArray(retain)) throw badRequest(BAD_RETAIN_KEYS);
  const kept = new Set<Json>(retain);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !isDirectiveKey(key) && !kept.has(key)) throw badRequest(BAD_RETAIN_KEYS);
  }
  for (const key of Object.keys(target)) {
    if (!kept.has(key)) Reflect.deleteProperty(target, key);
  }
}

/** Removes the values of each `$deleteFromPrimitiveList/<field>` from that list, whatever its strategy. */
function applyPrimitiveListDeletions(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    if (!Array.isArray(value)) throw badRequest(BAD_PRIMITIVE_LIST);
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    const current = getMember(target, field);
    if (!Array.isArray(current)) continue;
    const doomed = new Set<Json>(value);
    setMember(
      target,
      field,
      current.filter((item) => !doomed.has(item)),
    );
  }
}

/**
 * Merges every list that has a `$setElementOrder/<field>` directive and puts it in the directive's order.
 * Returns the fields it handled, whose patch values must not be merged a second time.
 */
function applyElementOrders(place: Place, target: JsonObject, patch: JsonObject): Set<string> {
  const handled = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!Array.isArray(order)) throw badRequest(BAD_SET_ELEMENT_ORDER);
    const field = key.slice(SET_ELEMENT_ORDER.length);
    applyElementOrder(child(place, field), target, field, order, getMember(patch, field));
    handled.add(field);
  }
  return handled;
}

function applyElementOrder(
  place: Place,
  target: JsonObject,
  field: string,
  order: Json[],
  patchValue: Json | undefined,
): void {
  const current = optionalList(getMember(target, field), `expected a list for ${field}`);
  const patchList = optionalList(patchValue, BAD_SET_ELEMENT_ORDER);
  if (current === undefined && patchList === undefined) return;
  const identity = identityFor(place);
  if (patchList !== undefined) checkOrderMatchesPatch(patchList, order, identity);
  const { items, liveOrder } = mergeOptionalLists(place, current, patchList);
  setMember(target, field, normalizeOrder(items, order, liveOrder, identity));
}

function optionalList(value: Json | undefined, message: string): Json[] | undefined {
  if (value === undefined || Array.isArray(value)) return value;
  throw badRequest(message);
}

function mergeOptionalLists(
  place: Place,
  current: Json[] | undefined,
  patch: Json[] | undefined,
): MergedList {
  if (patch === undefined) return { items: current ?? [], liveOrder: current ?? [] };
  if (current === undefined) return { items: freshList(place, patch), liveOrder: [] };
  return mergeList(place, current, patch);
}

function identityFor(place: Place): Identity {
  const strategy = listStrategy(place.kind, place.path);
  if (strategy.kind !== 'map') return (item) => item;
  const { mergeKey } = strategy;
  return (item) => mergeKeyOf(item, mergeKey);
}

/** The elements the patch list sets must appear in the `$setElementOrder` list, in the same order. */
function checkOrderMatchesPatch(patch: Json[], order: Json[], identity: Identity): void {
  if (order.length === 0) return;
  const ordered = order.map(identity);
  let from = 0;
  for (const item of patch) {
    if (hasDirective(item)) continue;
    const found = ordered.indexOf(identity(item), from);
    if (found < 0) {
      throw badRequest(
        `The order in patch list:\n${JSON.stringify(patch)}\n doesn't match $setElementOrder list:\n${JSON.stringify(order)}\n`,
      );
    }
    from = found + 1;
  }
}

function hasDirective(item: Json): boolean {
  return isJsonObject(item) && getMember(item, PATCH) !== undefined;
}

/**
 * A merged list, and the live order a later `$setElementOrder` compares positions against. Upstream
 * deletes from and appends to the live list in place, so the live list it looks at afterwards shows new
 * elements in the slots that deleted ones left; mirroring that keeps the final order identical to the
 * real server's.
 */
interface MergedList {
  readonly items: Json[];
  readonly liveOrder: Json[];
}

/** Merges the patch list into the current list per the field's strategy. */
function mergeList(place: Place, current: Json[], patch: Json[]): MergedList {
  const strategy = listStrategy(place.kind, place.path);
  if (strategy.kind === 'atomic') return { items: freshList(place, patch), liveOrder: current };
  const elements = classify(current, patch);
  if (elements.kind === 'primitives') {
    return { items: mergePrimitiveSet(elements.current, elements.patch), liveOrder: current };
  }
  if (strategy.kind === 'set') {
    throw badRequest(`cannot merge lists without merge key for ${place.path.join('.')}`);
  }
  return mergeKeyedList(place, strategy.mergeKey, elements.current, elements.patch);
}

type Elements =
  | { readonly kind: 'objects'; readonly current: JsonObject[]; readonly patch: JsonObject[] }
  | { readonly kind: 'primitives'; readonly current: Json[]; readonly patch: Json[] };

function classify(current: Json[], patch: Json[]): Elements {
  const all = [...current, ...patch];
  if (all.some((item) => Array.isArray(item))) {
    throw new PatchError('Invalid', 'lists of lists are not supported');
  }
  const objects = all.filter(isJsonObject).length;
  if (objects === 0) return { kind: 'primitives', current, patch };
  if (objects !== all.length) {
    throw badRequest(`list element types are not identical: ${JSON.stringify(all)}`);
  }
  return { kind: 'objects', current: current.filter(isJsonObject), patch: patch.filter(isJsonObject) };
}

/**
 * A list taken from the patch as it stands, for atomic lists and lists the object does not have yet:
 * directive elements are dropped and every element is cleaned of directives and nulls.
 */
function freshList(place: Place, patch: Json[]): Json[] {
  return patch.filter((item) => !hasDirective(item)).map((item) => freshValue(place, item));
}

function freshValue(place: Place, value: Json): Json {
  if (isJsonObject(value)) return mergeFields(place, {}, value);
  if (Array.isArray(value)) return freshList(place, value);
  return value;
}

/** A set of primitives: the union of both lists without duplicates. */
function mergePrimitiveSet(current: Json[], patch: Json[]): Json[] {
  const union = [...new Set<Json>([...current, ...patch])];
  return normalizeOrder(union, patch, current, (item) => item);
}

/** The special elements of a keyed patch list, and the elements that merge. */
interface KeyedPatch {
  readonly replace: boolean;
  readonly deletions: readonly Json[];
  readonly items: readonly JsonObject[];
}

/**
 * A list of maps merged by `mergeKey`: `{$patch: delete}` elements delete every element with their key,
 * a `{$patch: replace}` element makes the remaining patch elements the whole list, elements with a known
 * key merge into it and the others are added. As upstream, an element carrying `$patch: replace` only
 * marks the list; its other members are dropped.
 */
function mergeKeyedList(
  place: Place,
  mergeKey: string,
  current: JsonObject[],
  patch: JsonObject[],
): MergedList {
  const identity: Identity = (item) => mergeKeyOf(item, mergeKey);
  // The real server refuses to merge into a list whose live elements lack the merge key.
  current.forEach(identity);
  const { replace, deletions, items } = splitKeyedPatch(patch, mergeKey);
  const survivors = current.filter((item) => !deletions.includes(identity(item)));
  if (replace) return { items: freshList(place, [...items]), liveOrder: survivors };
  const merged = [...survivors];
  for (const item of items) mergeElement(place, merged, item, identity);
  const added = merged.slice(survivors.length);
  return {
    items: normalizeOrder(merged, [...items], survivors, identity),
    liveOrder: [...survivors, ...added.slice(0, current.length - survivors.length)],
  };
}

function splitKeyedPatch(patch: JsonObject[], mergeKey: string): KeyedPatch {
  let replace = false;
  const deletions: Json[] = [];
  const items: JsonObject[] = [];
  for (const item of patch) {
    const directive = getMember(item, PATCH);
    switch (directive) {
      case undefined:
        items.push(item);
        break;
      case 'delete':
        deletions.push(mergeKeyOf(item, mergeKey));
        break;
      case 'replace':
        replace = true;
        break;
      case 'merge':
        // An explicit merge is what happens anyway; a bare `{$patch: merge}` marker has nothing to add.
        if (getMember(item, mergeKey) !== undefined) items.push(item);
        break;
      default:
        throw badRequest(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(item)}`);
    }
  }
  return { replace, deletions, items };
}

/** Merges one patch element into the element with the same key, or appends it when there is none. */
function mergeElement(place: Place, merged: JsonObject[], item: JsonObject, identity: Identity): void {
  const id = identity(item);
  const existing = merged.find((candidate) => identity(candidate) === id);
  if (existing === undefined) merged.push(mergeFields(place, {}, item));
  else mergeFields(place, existing, item);
}

function mergeKeyOf(item: Json, mergeKey: string): Json {
  const value = isJsonObject(item) ? getMember(item, mergeKey) : undefined;
  if (value === undefined) {
    throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
  }
  return value;
}

/**
 * Orders a merged list the way the real server does. Elements named by `order` come in that order;
 * the others keep their `serverOrder`. The two runs are then interleaved: before each ordered element,
 * the remaining server-only elements that the live list had in front of it are placed.
 */
function normalizeOrder<T extends Json>(
  merged: T[],
  order: Json[],
  serverOrder: Json[],
  identity: Identity,
): T[] {
  const orderIndex = firstIndexes(order, identity);
  const serverIndex = firstIndexes(serverOrder, identity);
  const position = (index: Map<Json, number>, item: T) =>
    index.get(identity(item)) ?? Number.MAX_SAFE_INTEGER;
  const named = merged.filter((item) => orderIndex.has(identity(item)));
  const serverOnly = merged.filter((item) => !orderIndex.has(identity(item)));
  named.sort((a, b) => position(orderIndex, a) - position(orderIndex, b));
  serverOnly.sort((a, b) => position(serverIndex, a) - position(serverIndex, b));
  return interleave(serverOnly, named, (left, right) => {
    const l = serverIndex.get(identity(left));
    const r = serverIndex.get(identity(right));
    return l !== undefined && r !== undefined && l < r;
  });
}

function firstIndexes(list: Json[], identity: Identity): Map<Json, number> {
  const indexes = new Map<Json, number>();
  list.forEach((item, index) => {
    const id = identity(item);
    if (!indexes.has(id)) indexes.set(id, index);
  });
  return indexes;
}

/** Merges two runs, taking from `left` only while `leftFirst` says its head goes before `right`'s head. */
function interleave<T>(left: T[], right: T[], leftFirst: (left: T, right: T) => boolean): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  for (;;) {
    const l = left[i];
    const r = right[j];
    if (l === undefined || r === undefined) break;
    if (leftFirst(l, r)) {
      out.push(l);
      i++;
    } else {
      out.push(r);
      j++;
    }
  }
  return [...out, ...left.slice(i), ...right.slice(j)];
}
