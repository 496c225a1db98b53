/**
 * Small typed accessors over the free-form JSON bodies of stored objects. Printers read deeply nested optional
 * fields; funnelling every read through these keeps the narrowing in one place instead of casting at each use.
 */

import type { Json, JsonObject } from '../types';

export type Key = string | number;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks `path` from `value`; any missing or wrongly-shaped step yields undefined. */
export function get(value: unknown, ...path: Key[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[key] as unknown;
    } else {
      if (!isRecord(current)) return undefined;
      current = current[key];
    }
  }
  return current;
}

export function str(value: unknown, ...path: Key[]): string | undefined {
  const found = get(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function num(value: unknown, ...path: Key[]): number | undefined {
  const found = get(value, ...path);
  return typeof found === 'number' ? found : undefined;
}

export function bool(value: unknown, ...path: Key[]): boolean | undefined {
  const found = get(value, ...path);
  return typeof found === 'boolean' ? found : undefined;
}

/** An array at `path`, or an empty one, so that loops need no guard. */
export function list(value: unknown, ...path: Key[]): readonly unknown[] {
  const found = get(value, ...path);
  return Array.isArray(found) ? found : [];
}

export function record(value: unknown, ...path: Key[]): Record<string, unknown> | undefined {
  const found = get(value, ...path);
  return isRecord(found) ? found : undefined;
}

/** The string-valued entries of a map such as labels or a selector; other values are dropped. */
export function stringMap(value: unknown, ...path: Key[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(value, ...path) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Number of keys in a map-valued field (Secret and ConfigMap data counts). */
export function keyCount(value: unknown, ...path: Key[]): number {
  return Object.keys(record(value, ...path) ?? {}).length;
}

/** Non-empty string at `path`, treating '' like absent the way Go code tests `len(s) > 0`. */
export function nonEmpty(value: unknown, ...path: Key[]): string | undefined {
  const found = str(value, ...path);
  return found === undefined || found === '' ? undefined : found;
}

/** Byte-order comparison, as Go's `<` on strings, rather than locale order. */
export function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * A deep copy of `value` as JSON: undefined members are dropped and non-JSON values become null, mirroring
 * what serialisation would do. Rows hand out copies so that a table can never alias the store.
 */
export function toJson(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(toJson);
  if (!isRecord(value)) return null;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
  return out;
}

/** toJson for a value known to be an object, such as a stored object or its metadata. */
export function toJsonObject(value: object): JsonObject {
  const json = toJson(value);
  return isRecord(json) ? json : {};
}
