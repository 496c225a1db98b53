/**
 * Path elements as managedFields spells them: `f:<field>`, `k:<json of key fields>`, `v:<json value>` and
 * `i:<index>`. A path is a list of these strings from the object root. Elements are kept in their encoded
 * form everywhere so that equal elements are equal strings; the helpers here order and print them.
 */
import { type Json, isJsonObject } from '../types';

export type PathElement = string;
export type Path = readonly PathElement[];

export type ParsedElement =
  | { type: 'field'; name: string }
  | { type: 'key'; fields: [string, Json][] }
  | { type: 'value'; value: Json }
  | { type: 'index'; index: number };

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** Key fields are written sorted by name, as the server does, whatever order the schema lists them in. */
export function keyElement(fields: readonly (readonly [string, Json])[]): PathElement {
  const sorted = [...fields].sort(([a], [b]) => compareStrings(a, b));
  return `k:{${sorted.map(([name, value]) => `${goJson(name)}:${goJson(value)}`).join(',')}}`;
}

export function valueElement(value: Json): PathElement {
  return `v:${goJson(value)}`;
}

export function parseElement(element: PathElement): ParsedElement {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case 'k:':
      return parseKey(body) ?? { type: 'field', name: element };
    case 'v:':
      return parseValue(body) ?? { type: 'field', name: element };
    case 'i:':
      return { type: 'index', index: Number(body) };
    default:
      return { type: 'field', name: body };
  }
}

function parseKey(body: string): ParsedElement | undefined {
  const parsed = parseJson(body);
  if (!isJsonObject(parsed)) return undefined;
  return { type: 'key', fields: Object.entries(parsed).sort(([a], [b]) => compareStrings(a, b)) };
}

function parseValue(body: string): ParsedElement | undefined {
  const parsed = parseJson(body);
  return parsed === undefined ? undefined : { type: 'value', value: parsed };
}

function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/**
 * Re-encodes an element that a client wrote (e.g. kubectl rewriting managedFields during its
 * client-side to server-side apply migration) so it compares equal to the ones computed here.
 */
export function canonicalElement(element: PathElement): PathElement {
  const parsed = parseElement(element);
  if (parsed.type === 'key') return keyElement(parsed.fields);
  if (parsed.type === 'value') return valueElement(parsed.value);
  return element;
}

/** The element as the server prints it in conflict messages: `.name`, `[name="web"]`, `[="x"]`, `[0]`. */
export function describeElement(element: PathElement): string {
  const parsed = parseElement(element);
  switch (parsed.type) {
    case 'field':
      return `.${parsed.name}`;
    case 'key':
      return `[${parsed.fields.map(([name, value]) => `${name}=${describeValue(value)}`).join(',')}]`;
    case 'value':
      return `[=${describeValue(parsed.value)}]`;
    case 'index':
      return `[${parsed.index}]`;
  }
}

export function describePath(path: Path): string {
  return path.map(describeElement).join('');
}

function describeValue(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(describeValue).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${describeValue(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const ELEMENT_RANK: Readonly<Record<ParsedElement['type'], number>> = {
  field: 0,
  key: 1,
  value: 2,
  index: 3,
};

/** The server's ordering of elements: fields, then keys, then values, then indices, each by content. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a === b) return 0;
  const left = parseElement(a);
  const right = parseElement(b);
  if (left.type !== right.type) return ELEMENT_RANK[left.type] - ELEMENT_RANK[right.type];
  if (left.type === 'field' && right.type === 'field') return compareStrings(left.name, right.name);
  if (left.type === 'key' && right.type === 'key') return compareFieldLists(left.fields, right.fields);
  if (left.type === 'value' && right.type === 'value') return compareValues(left.value, right.value);
  if (left.type === 'index' && right.type === 'index') return left.index - right.index;
  return 0;
}

function compareFieldLists(a: readonly [string, Json][], b: readonly [string, Json][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [nameA, valueA] = a[i]!;
    const [nameB, valueB] = b[i]!;
    const byName = compareStrings(nameA, nameB);
    if (byName !== 0) return byName;
    const byValue = compareValues(valueA, valueB);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}

/** Orders values across types the way the server does: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: Json, b: Json): number {
  const rankA = valueRank(a);
  const rankB = valueRank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return compareLists(a, b);
  if (isJsonObject(a) && isJsonObject(b)) {
    const sortedA = Object.entries(a).sort(([x], [y]) => compareStrings(x, y));
    const sortedB = Object.entries(b).sort(([x], [y]) => compareStrings(x, y));
    return compareFieldLists(sortedA, sortedB);
  }
  return 0;
}

function compareLists(a: readonly Json[], b: readonly Json[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const byItem = compareValues(a[i]!, b[i]!);
    if (byItem !== 0) return byItem;
  }
  return a.length - b.length;
}

function valueRank(value: Json): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'string') return 1;
  if (typeof value === 'boolean') return 2;
  if (Array.isArray(value)) return 3;
  if (value === null) return 5;
  return 4;
}

/** Byte-wise comparison, as Go compares strings (localeCompare would fold case). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * JSON as Go's encoding/json writes it: object keys sorted, and `<`, `>`, `&`, U+2028 and U+2029 escaped.
 * Used wherever the server's exact bytes are visible (key elements, the last-applied annotation).
 */
export function goJson(value: Json): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const sorted: Record<string, Json> = {};
  for (const key of Object.keys(value).sort(compareStrings)) sorted[key] = sortKeys(value[key]!);
  return sorted;
}
