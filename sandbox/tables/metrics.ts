/**
 * Tables for metrics.k8s.io, as metrics-server (not kube-apiserver) prints them: NAME, one quantity column per
 * resource named in the first item's usage (sorted), and WINDOW. A pod's usage is the sum over its containers.
 */
import type { KObject } from '../types';
import { column, nameOf, type ColumnDefinition, type Printer } from './columns';
import { compareStrings, list, record, str } from './json';
import { ZERO, addQuantities, formatQuantity, parseQuantity, type Quantity } from '../quantity';

type Usage = Map<string, Quantity>;

function addUsage(total: Usage, usage: Record<string, unknown> | undefined): Usage {
  for (const [resource, value] of Object.entries(usage ?? {})) {
    const q = parseQuantity(value);
    if (q !== undefined) total.set(resource, addQuantities(total.get(resource) ?? ZERO, q));
  }
  return total;
}

function podUsage(obj: KObject): Usage {
  return list(obj, 'containers').reduce<Usage>((total, c) => addUsage(total, record(c, 'usage')), new Map());
}

function nodeUsage(obj: KObject): Usage {
  return addUsage(new Map(), record(obj, 'usage'));
}

const UNITS: [string, number][] = [
  ['h', 3600e9],
  ['m', 60e9],
  ['s', 1e9],
  ['ms', 1e6],
  ['us', 1e3],
  ['µs', 1e3],
  ['ns', 1],
];

/** time.ParseDuration into nanoseconds; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([+-]?)((?:\d*\.?\d*[a-zµ]+)+)$/.exec(text);
  if (match === null || text === '' || match[2] === '') return undefined;
  let total = 0;
  for (const [, amount = '', unit = ''] of match[2]!.matchAll(/(\d*\.?\d*)([a-zµ]+)/g)) {
    const scale = UNITS.find(([name]) => name === unit)?.[1];
    if (scale === undefined || amount === '' || amount === '.') return undefined;
    total += Number(amount) * scale;
  }
  return Math.round(match[1] === '-' ? -total : total);
}

/** Integer part and trailing-zero-free fraction of `value / 10^digits`, as Go's fmtFrac writes them. */
function withFraction(value: number, digits: number): [whole: number, fraction: string] {
  const unit = 10 ** digits;
  const fraction = String(value % unit)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return [Math.floor(value / unit), fraction === '' ? '' : `.${fraction}`];
}

/** time.Duration.String: "1m30s", "10.5s", "1h0m0s", and sub-second values in ms, µs or ns. */
export function formatGoDuration(ns: number): string {
  const sign = ns < 0 ? '-' : '';
  const abs = Math.abs(ns);
  if (abs === 0) return '0s';
  if (abs < 1e9) {
    const [unit, digits] = abs < 1e3 ? ['ns', 0] : abs < 1e6 ? ['µs', 3] : ['ms', 6];
    const [whole, fraction] = withFraction(abs, digits);
    return `${sign}${whole}${fraction}${unit}`;
  }
  const [seconds, fraction] = withFraction(abs, 9);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const secondsText = `${seconds % 60}${fraction}s`;
  if (minutes === 0) return `${sign}${secondsText}`;
  if (hours === 0) return `${sign}${minutes % 60}m${secondsText}`;
  return `${sign}${hours}h${minutes % 60}m${secondsText}`;
}

function windowText(obj: KObject): string {
  const ns = parseGoDuration(str(obj, 'window') ?? '0s');
  return formatGoDuration(ns ?? 0);
}

/** The metrics printer for a list; its resource columns come from the first item, like metrics-server's. */
export function metricsPrinter(kind: 'PodMetrics' | 'NodeMetrics', objects: readonly KObject[]): Printer {
  const usageOf = kind === 'PodMetrics' ? podUsage : nodeUsage;
  const first = objects[0];
  const names = first === undefined ? [] : [...usageOf(first).keys()].sort(compareStrings);
  const columns: ColumnDefinition[] =
    first === undefined
      ? []
      : [
          column('Name', 'string', 'Name of the resource', { format: 'name' }),
          ...names.map((n) => column(n, 'string', '', { format: 'quantity' })),
          column('Window', 'string', '', { format: 'duration' }),
        ];
  return {
    columns,
    cells: (obj) => {
      const usage = usageOf(obj);
      return [nameOf(obj), ...names.map((n) => formatQuantity(usage.get(n) ?? ZERO)), windowText(obj)];
    },
  };
}
