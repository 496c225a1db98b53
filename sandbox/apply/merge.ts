/**
 * Value-level operations of server-side apply: merging an apply configuration into the live object,
 * removing the fields a set names, and checking that a configuration's lists can be keyed.
 */
import { type Json, type JsonObject, clone, isJsonObject } from '../types';
import { keyedItems } from './compare';
import { FieldSet } from './field-set';
import { type Path, type PathElement, describeElement, describePath, fieldElement } from './path-element';
import {
  type GranularList,
  type Site,
  fieldSite,
  itemElement,
  itemElements,
  itemSite,
  shapeOf,
} from './schema';

/**
 * `applied` merged into `live`: maps field by field, associative lists and sets element by element, and
 * everything else (scalars, atomic lists and objects) replaced by the applied value. Explicit nulls are
 * kept so that ownership and conflicts see them; `dropNewNulls` removes them afterwards.
 */
export function mergeValues(live: Json | undefined, applied: Json, site: Site): Json {
  const shape = shapeOf(applied, site);
  if (shape.type === 'map' && isJsonObject(applied)) {
    const base = live !== undefined && isJsonObject(live) && shapeOf(live, site).type === 'map' ? live : {};
    return mergeMaps(base, applied, site);
  }
  if (shape.type === 'list' && Array.isArray(applied)) {
    return mergeLists(Array.isArray(live) ? live : [], applied, shape.strategy, site);
  }
  return clone(applied);
}

function mergeMaps(live: JsonObject, applied: JsonObject, site: Site): JsonObject {
  const out = clone(live);
  for (const [name, value] of Object.entries(applied))
    out[name] = mergeValues(live[name], value, fieldSite(site, name));
  return out;
}

/**
 * Live-only elements keep their place; elements in both follow the applied order and new ones go where
 * the configuration puts them relative to those. Live elements without a usable key never match.
 */
function mergeLists(
  live: readonly Json[],
  applied: readonly Json[],
  strategy: GranularList,
  site: Site,
): Json[] {
  const liveElements = itemElements(live, strategy);
  const appliedElements = itemElements(applied, strategy);
  const appliedByElement = new Map<PathElement, Json>();
  appliedElements.forEach(
    (element, i) => element !== undefined && appliedByElement.set(element, applied[i]!),
  );
  const liveByElement = new Map<PathElement, Json>();
  liveElements.forEach((element, i) => {
    if (element !== undefined && !liveByElement.has(element)) liveByElement.set(element, live[i]!);
  });
  const shared = appliedElements.filter((e): e is PathElement => e !== undefined && liveByElement.has(e));
  const out: Json[] = [];
  const placed = new Set<PathElement>();
  const place = (element: PathElement): void => {
    out.push(mergeValues(liveByElement.get(element), appliedByElement.get(element)!, itemSite(site)));
    placed.add(element);
  };
  const nextShared = (): PathElement | undefined => shared.find((e) => !placed.has(e));
  let li = 0;
  let ai = 0;
  while (li < live.length || ai < applied.length) {
    const liveElement = liveElements[li];
    const appliedElement = appliedElements[ai];
    if (
      li < live.length &&
      ai < applied.length &&
      liveElement !== undefined &&
      liveElement === appliedElement
    ) {
      place(liveElement);
      li++;
      ai++;
      continue;
    }
    if (li < live.length) {
      if (liveElement === undefined || !appliedByElement.has(liveElement)) {
        out.push(clone(live[li]!));
        li++;
        continue;
      }
      if (placed.has(liveElement) || liveElement !== nextShared()) {
        li++;
        continue;
      }
    }
    if (ai < applied.length) {
      if (appliedElement !== undefined && !placed.has(appliedElement)) place(appliedElement);
      ai++;
      continue;
    }
    li++;
  }
  return out;
}

/** `value` without the members of `set` (and everything beneath them). */
export function removeItems(value: Json, set: FieldSet, site: Site): Json {
  const shape = shapeOf(value, site);
  if (shape.type === 'map' && isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [name, child] of Object.entries(value)) {
      const element = fieldElement(name);
      if (set.hasMember(element)) continue;
      const beneath = set.child(element);
      out[name] = beneath === undefined ? child : removeItems(child, beneath, fieldSite(site, name));
    }
    return out;
  }
  if (shape.type === 'list' && Array.isArray(value)) {
    const elements = itemElements(value, shape.strategy);
    const out: Json[] = [];
    value.forEach((item, i) => {
      const element = elements[i];
      if (element === undefined) return void out.push(item);
      if (set.hasMember(element)) return;
      const beneath = set.child(element);
      out.push(beneath === undefined ? item : removeItems(item, beneath, itemSite(site)));
    });
    return out;
  }
  return value;
}

/**
 * Removes the nulls the merge brought in from the configuration, keeping any the live object already had.
 * A null in an apply configuration means "this field is unset", which the server's typed objects store as
 * an absent field.
 */
export function dropNewNulls(merged: Json, live: Json | undefined, site: Site): Json {
  const shape = shapeOf(merged, site);
  if (shape.type === 'map' && isJsonObject(merged)) {
    const before = isJsonObject(live) ? live : {};
    const out: JsonObject = {};
    for (const [name, value] of Object.entries(merged)) {
      if (value === null && before[name] !== null) continue;
      out[name] = dropNewNulls(value, before[name], fieldSite(site, name));
    }
    return out;
  }
  if (shape.type === 'list' && Array.isArray(merged)) {
    const before =
      (Array.isArray(live) ? keyedItems(live, shape.strategy) : undefined) ?? new Map<string, Json>();
    return merged.map((item) => {
      const result = itemElement(item, shape.strategy);
      const previous = 'element' in result ? before.get(result.element) : undefined;
      return dropNewNulls(item, previous, itemSite(site));
    });
  }
  return merged;
}

/**
 * Problems that stop the server from typing an apply configuration: list elements that omit a key field
 * without a default, and two elements with the same key. Each is `<list path>: <message>`.
 */
export function listKeyErrors(value: Json, site: Site, path: Path = []): string[] {
  const shape = shapeOf(value, site);
  if (shape.type === 'map' && isJsonObject(value)) {
    return Object.entries(value).flatMap(([name, child]) =>
      listKeyErrors(child, fieldSite(site, name), [...path, fieldElement(name)]),
    );
  }
  if (shape.type !== 'list' || !Array.isArray(value)) return [];
  const errors: string[] = [];
  const seen = new Set<PathElement>();
  const reported = new Set<PathElement>();
  value.forEach((item, i) => {
    const result = itemElement(item, shape.strategy);
    if ('error' in result) {
      errors.push(`${describePath(path)}: element ${i}: ${result.error}`);
    } else if (seen.has(result.element)) {
      if (!reported.has(result.element)) {
        errors.push(`${describePath(path)}: duplicate entries for key ${describeElement(result.element)}`);
      }
      reported.add(result.element);
    } else {
      seen.add(result.element);
      errors.push(...listKeyErrors(item, itemSite(site), [...path, result.element]));
    }
  });
  return errors;
}
