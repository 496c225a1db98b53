/**
 * The two ways the server turns objects into field sets: the set an object (an apply configuration)
 * mentions, and the fields that differ between two versions of an object.
 */
import { type Json, type JsonObject, isJsonObject } from '../types';
import { FieldSet } from './field-set';
import { type Path, fieldElement } from './path-element';
import {
  type GranularList,
  type Shape,
  type Site,
  fieldSite,
  isAlwaysPresent,
  itemElement,
  itemElements,
  itemSite,
  rootSite,
  shapeOf,
} from './schema';

/**
 * The fields an object sets: every leaf value (including explicit nulls and empty objects), atomic value
 * and list element. Objects and lists that merely contain other fields are not members themselves.
 */
export function fieldSetOf(kind: string, object: JsonObject): FieldSet {
  const set = new FieldSet();
  collect(object, rootSite(kind), [], set);
  return set;
}

function collect(value: Json, site: Site, path: Path, set: FieldSet): void {
  const shape = shapeOf(value, site);
  if (shape.type === 'leaf') {
    set.insert(path);
  } else if (shape.type === 'map' && isJsonObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) set.insert(path);
    for (const [name, child] of entries)
      collect(child, fieldSite(site, name), [...path, fieldElement(name)], set);
  } else if (shape.type === 'list' && Array.isArray(value)) {
    for (const item of value) {
      const result = itemElement(item, shape.strategy);
      if ('error' in result) continue;
      const itemPath = [...path, result.element];
      collect(item, itemSite(site), itemPath, set);
      set.insert(itemPath);
    }
  }
}

export interface Comparison {
  /** Fields present only in the new object, including the maps and list elements that hold them. */
  readonly added: FieldSet;
  /** Leaf fields present in both with different values. */
  readonly modified: FieldSet;
  /** Fields present only in the old object. */
  readonly removed: FieldSet;
}

/**
 * What changed from `before` to `after`. A null on either side reads as an absent field unless the other
 * side has a real value, because the server's typed objects cannot tell the two apart.
 */
export function compareObjects(kind: string, before: JsonObject, after: JsonObject): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNode(before, after, rootSite(kind), [], out);
  return out;
}

function compareNode(
  lhs: Json | undefined,
  rhs: Json | undefined,
  site: Site,
  path: Path,
  out: Comparison,
): void {
  const left = lhs ?? undefined;
  const right = rhs === null && left === undefined ? undefined : rhs;
  if (left === undefined && right === undefined) return;
  const leftShape = left === undefined ? undefined : shapeOf(left, site);
  const rightShape = right === undefined ? undefined : shapeOf(right, site);
  if (leftShape !== undefined && rightShape !== undefined && leftShape.type !== rightShape.type) {
    out.modified.insert(path);
    compareContents(left, undefined, leftShape, site, path, out);
    compareContents(undefined, right, rightShape, site, path, out);
    return;
  }
  const shape = (leftShape ?? rightShape)!;
  if (shape.type === 'leaf' || (isEmpty(left) && isEmpty(right))) {
    compareLeaf(left, right, path, out);
  } else if (!compareContents(left, right, shape, site, path, out)) {
    compareLeaf(left, right, path, out);
  } else {
    markPresence(left, right, site, path, out);
  }
}

function compareLeaf(left: Json | undefined, right: Json | undefined, path: Path, out: Comparison): void {
  if (path.length === 0) return;
  if (left === undefined) out.added.insert(path);
  else if (right === undefined) out.removed.insert(path);
  else if (!jsonEqual(left, right)) out.modified.insert(path);
}

/** A map or list that appears or disappears as a whole is itself added or removed. */
function markPresence(
  left: Json | undefined,
  right: Json | undefined,
  site: Site,
  path: Path,
  out: Comparison,
): void {
  if (path.length === 0 || isAlwaysPresent(site)) return;
  if (left === undefined) out.added.insert(path);
  if (right === undefined) out.removed.insert(path);
}

/** Compares children; false when a list cannot be keyed, so the caller compares it as one value. */
function compareContents(
  left: Json | undefined,
  right: Json | undefined,
  shape: Shape,
  site: Site,
  path: Path,
  out: Comparison,
): boolean {
  if (shape.type === 'map') {
    const l = isJsonObject(left) ? left : {};
    const r = isJsonObject(right) ? right : {};
    for (const name of new Set([...Object.keys(l), ...Object.keys(r)])) {
      compareNode(l[name], r[name], fieldSite(site, name), [...path, fieldElement(name)], out);
    }
    return true;
  }
  if (shape.type === 'list') return compareListItems(left, right, shape.strategy, site, path, out);
  return true;
}

function compareListItems(
  left: Json | undefined,
  right: Json | undefined,
  strategy: GranularList,
  site: Site,
  path: Path,
  out: Comparison,
): boolean {
  const l = keyedItems(Array.isArray(left) ? left : [], strategy);
  const r = keyedItems(Array.isArray(right) ? right : [], strategy);
  if (l === undefined || r === undefined) return false;
  for (const element of new Set([...l.keys(), ...r.keys()])) {
    compareNode(l.get(element), r.get(element), itemSite(site), [...path, element], out);
  }
  return true;
}

/** Items by element, or undefined when some item has no key or two share one. */
export function keyedItems(items: readonly Json[], strategy: GranularList): Map<string, Json> | undefined {
  const elements = itemElements(items, strategy);
  const out = new Map<string, Json>();
  for (let i = 0; i < items.length; i++) {
    const element = elements[i];
    if (element === undefined || out.has(element)) return undefined;
    out.set(element, items[i]!);
  }
  return out;
}

function isEmpty(value: Json | undefined): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}
