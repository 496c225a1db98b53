/**
 * Tables for kinds without a built-in printer: custom resources, driven by their CRD's
 * additionalPrinterColumns, and everything else, which gets the generic NAME / CREATED AT table.
 */
import type { CrdPrinterColumn } from '../registry';
import type { KObject } from '../types';
import { NAME, column, nameOf, type Cell, type ColumnDefinition, type Printer } from './columns';
import { DOC } from './docs';
import { humanDuration, parseTime } from './format';
import { compareStrings, isRecord } from './json';
import { JsonPath, JsonPathError } from './jsonpath';

/** The generic convertor's table: the name and the creation time as an RFC 3339 UTC string. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, column('Created At', 'date', DOC['meta/v1.ObjectMeta.creationTimestamp'])],
  cells: (obj) => [nameOf(obj), createdAt(obj)],
};

/** Go's time.RFC3339 rendering of the creation time in UTC; a zero time prints as year one. */
function createdAt(obj: KObject): string {
  const ms = parseTime(obj.metadata.creationTimestamp);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A CRD version without columns is served with a single Age column, as the real server defaults it. */
const DEFAULT_CRD_COLUMNS: CrdPrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: DOC['meta/v1.ObjectMeta.creationTimestamp'],
  },
];

interface ParsedColumn {
  definition: ColumnDefinition;
  path: JsonPath;
}

/**
 * Parses the columns in order. Like the real convertor, an unparsable JSONPath ends the list there: the
 * columns before it are kept, the rest are dropped.
 */
function parseColumns(columns: readonly CrdPrinterColumn[]): ParsedColumn[] {
  const parsed: ParsedColumn[] = [];
  for (const col of columns) {
    let path: JsonPath;
    try {
      path = JsonPath.parse(col.jsonPath);
    } catch (err) {
      if (err instanceof JsonPathError) break;
      throw err;
    }
    const description =
      col.description || `Custom resource definition column (in JSONPath format): ${col.jsonPath}`;
    const definition = column(col.name, col.type, description, {
      format: col.format ?? '',
      priority: col.priority ?? 0,
    });
    parsed.push({ definition, path });
  }
  return parsed;
}

/** The printer for a custom resource version: NAME, then exactly the CRD's columns. */
export function customResourcePrinter(columns: readonly CrdPrinterColumn[]): Printer {
  const parsed = parseColumns(columns.length > 0 ? columns : DEFAULT_CRD_COLUMNS);
  return {
    columns: [NAME, ...parsed.map((p) => p.definition)],
    cells: (obj, now) => [nameOf(obj), ...parsed.map((p) => customCell(p, obj, now))],
  };
}

/** The first value the path selects, typed by the column; errors and misses leave the cell null. */
function customCell(col: ParsedColumn, obj: KObject, now: number): Cell {
  let results: unknown[];
  try {
    results = col.path.find(obj);
  } catch (err) {
    if (err instanceof JsonPathError) return null;
    throw err;
  }
  if (results.length === 0) return null;
  const value = results[0];
  if (col.definition.type === 'string') return printText(value);
  return typedCell(col.definition.type, value, now);
}

/** cellForJSONValue: converts to the column type, or null when the value does not fit it. */
function typedCell(type: string, value: unknown, now: number): Cell {
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? dateCell(value, now) : null;
    default:
      return null;
  }
}

/** A date column shows an age; "" reads as a zero time, and anything not RFC 3339 as "<invalid>". */
function dateCell(value: string, now: number): string {
  if (value === '' || value === 'null') return '<unknown>';
  const ms = parseTime(value);
  return ms === undefined ? '<invalid>' : humanDuration(now - ms);
}

/**
 * How kubectl's JSONPath prints one value: strings bare, numbers and booleans as Go formats them, objects
 * and arrays as compact JSON, and JSON null as Go's "<no value>".
 */
export function printText(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  return goJson(value);
}

/**
 * fmt.Print of a decoded JSON number: integers print plainly, other floats in %g style, which switches to
 * an exponent (at least two digits) from 1e+06 upwards or below 1e-04.
 */
function goNumber(value: number): string {
  if (Number.isSafeInteger(value) || !Number.isFinite(value)) return String(value);
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** encoding/json output: object keys sorted, and HTML-significant characters escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareStrings)) sorted[key] = sortKeys(value[key]);
  return sorted;
}
