/**
 * What server-side apply needs to know about the shape of built-in kinds beyond the list table in
 * `../patch/merge-keys.ts`: which objects are atomic, which key fields have defaults, and which structs
 * always exist in the server's typed objects. The real server reads all of this from its OpenAPI models.
 */
import { type ListStrategy, listStrategy } from '../patch/merge-keys';
import { type Json, isJsonObject } from '../types';
import { type PathElement, keyElement, valueElement } from './path-element';

/** Where a value sits: the object's kind, field names from the root (list indices left out), and
 * whether the value is itself a list element. */
export interface Site {
  readonly kind: string;
  readonly names: readonly string[];
  readonly item: boolean;
}

export type GranularList = Exclude<ListStrategy, { kind: 'atomic' }>;

export type Shape = { type: 'leaf' } | { type: 'map' } | { type: 'list'; strategy: GranularList };

export function rootSite(kind: string): Site {
  return { kind, names: [], item: false };
}

export function fieldSite(site: Site, name: string): Site {
  return { kind: site.kind, names: [...site.names, name], item: false };
}

export function itemSite(site: Site): Site {
  return { kind: site.kind, names: site.names, item: true };
}

/**
 * Objects the API types mark atomic (`+structType=atomic` / `+mapType=atomic`): label selectors, node
 * selectors and the env source references. They are owned, merged and compared as one value.
 */
const ATOMIC_OBJECT_FIELDS: ReadonlySet<string> = new Set([
  'selector',
  'labelSelector',
  'namespaceSelector',
  'podSelector',
  'nodeSelector',
  'requiredDuringSchedulingIgnoredDuringExecution',
  'fieldRef',
  'resourceFieldRef',
  'configMapKeyRef',
  'secretKeyRef',
]);

/** Lists whose elements are atomic structs: each element is owned as a whole under its key. */
const ATOMIC_ITEM_LISTS: ReadonlySet<string> = new Set(['ownerReferences', 'imagePullSecrets']);

/** Key fields with a schema default; the server keys an element that omits one by the default. */
const KEY_DEFAULTS: Readonly<Record<string, Json>> = { protocol: 'TCP' };

/**
 * Fields the Go types always serialize (value structs, and `containers`, which has no omitempty), so the
 * server's typed objects always have them, possibly empty. A write that fills one in therefore never
 * "adds" the field itself, and its managedFields entry shows `f:spec: {...}` without a `".": {}`.
 */
const ALWAYS_PRESENT_FIELDS: ReadonlySet<string> = new Set([
  'spec',
  'status',
  'metadata',
  'template',
  'strategy',
  'updateStrategy',
  'jobTemplate',
  'resources',
  'containers',
]);

export function shapeOf(value: Json, site: Site): Shape {
  if (Array.isArray(value)) {
    const strategy = listStrategy(site.kind, site.names);
    return strategy.kind === 'atomic' ? { type: 'leaf' } : { type: 'list', strategy };
  }
  if (isJsonObject(value) && !isAtomicObject(site)) return { type: 'map' };
  return { type: 'leaf' };
}

function isAtomicObject(site: Site): boolean {
  const last = site.names[site.names.length - 1];
  if (last === undefined) return false;
  return site.item ? ATOMIC_ITEM_LISTS.has(last) : ATOMIC_OBJECT_FIELDS.has(last);
}

export function isAlwaysPresent(site: Site): boolean {
  const last = site.names[site.names.length - 1];
  return !site.item && last !== undefined && ALWAYS_PRESENT_FIELDS.has(last);
}

export type ItemElement = { element: PathElement } | { error: string };

/** The path element of one list element: its key for associative lists, its value for sets. */
export function itemElement(item: Json, strategy: GranularList): ItemElement {
  if (strategy.kind === 'set') return { element: valueElement(item) };
  if (item === null) return { error: 'associative list with keys may not have a null element' };
  if (!isJsonObject(item)) return { error: 'associative list with keys may not have non-map elements' };
  const fields: [string, Json][] = [];
  for (const key of strategy.keys) {
    const value = item[key] ?? KEY_DEFAULTS[key];
    if (value === undefined || value === null) {
      return {
        error: `associative list with keys has an element that omits key field "${key}" (and doesn't have default value)`,
      };
    }
    fields.push([key, value]);
  }
  return { element: keyElement(fields) };
}

/**
 * Elements of every list item, or undefined for items that have none (a missing key field). Such items
 * never match anything, which keeps live objects with malformed lists workable.
 */
export function itemElements(items: readonly Json[], strategy: GranularList): (PathElement | undefined)[] {
  return items.map((item) => {
    const result = itemElement(item, strategy);
    return 'element' in result ? result.element : undefined;
  });
}
