/**
 * Formatting rules shared by the printers. Each mirrors a helper the real API server uses
 * (k8s.io/apimachinery duration.HumanDuration, labels.Set.String, metav1.FormatLabelSelector, …) so that
 * cells read exactly as they do against a real cluster.
 */
import { compareStrings, isRecord, list, str, stringMap } from './json';
import { quantityText } from '../quantity';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * HumanDuration's rules: about two significant figures, switching units at 2m, 10m, 3h, 8h, 48h, 8d, 2y and
 * 8y. Go truncates toward zero when it converts a duration to whole units, hence Math.trunc throughout; a
 * clock skew of under two seconds reads as "0s" rather than "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) return withRemainder(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) return withRemainder(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return withRemainder(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return withRemainder(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds of an RFC 3339 timestamp (metav1.Time and MicroTime on the wire), or undefined when absent or
 * malformed. Absent is how a zero Go time serialises, and the printers treat both alike.
 */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** translateTimestampSince: the age of a timestamp, "<unknown>" when it is zero. */
export function since(timestamp: unknown, now: number): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

/** labels.Set.String: "k=v" pairs sorted as whole strings, comma-joined. */
function labelString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort(compareStrings)
    .join(',');
}

/** labels.FormatLabels: like labelString, but "<none>" for an empty map. */
export function formatLabels(labels: Record<string, string>): string {
  return labelString(labels) || '<none>';
}

interface Requirement {
  key: string;
  text: string;
}

const OPERATORS: Record<string, string> = { In: ' in ', NotIn: ' notin ', Exists: '', DoesNotExist: '' };

/** One matchExpressions entry as labels.Requirement prints it, or undefined if NewRequirement would reject it. */
function expressionRequirement(expr: unknown): Requirement | undefined {
  const key = str(expr, 'key') ?? '';
  const operator = str(expr, 'operator') ?? '';
  const infix = OPERATORS[operator];
  if (infix === undefined) return undefined;
  const values = list(expr, 'values').filter((v): v is string => typeof v === 'string');
  if (infix === '')
    return values.length === 0 ? { key, text: operator === 'Exists' ? key : `!${key}` } : undefined;
  if (values.length === 0) return undefined;
  return { key, text: `${key}${infix}(${[...values].sort(compareStrings).join(',')})` };
}

/**
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, "" for a nil or empty selector,
 * undefined when the selector is invalid.
 */
export function selectorString(selector: unknown): string | undefined {
  if (!isRecord(selector)) return '';
  const reqs: Requirement[] = Object.entries(stringMap(selector, 'matchLabels')).map(([key, value]) => ({
    key,
    text: `${key}=${value}`,
  }));
  for (const expr of list(selector, 'matchExpressions')) {
    const req = expressionRequirement(expr);
    if (req === undefined) return undefined;
    reqs.push(req);
  }
  return reqs
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(selector: unknown): string {
  const text = selectorString(selector);
  if (text === undefined) return '<error>';
  return text || '<none>';
}

/** layoutContainerCells: container names and images, each comma-joined in spec order. */
export function containerCells(podSpec: unknown): [names: string, images: string] {
  const containers = list(podSpec, 'containers');
  return [
    containers.map((c) => str(c, 'name') ?? '').join(','),
    containers.map((c) => str(c, 'image') ?? '').join(','),
  ];
}

/** listWithMoreString: the first few entries and a "+ N more..." tail; "<unset>" when there are none. */
export function listWithMore(items: readonly string[], max: number): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown || '<unset>';
}

/** net.JoinHostPort: IPv6 hosts are bracketed. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * resource.Quantity.String for a quantity field, in canonical form; a missing quantity prints as Go prints a
 * nil *Quantity unless the field is a value the printer reads as zero.
 */
export function quantity(value: unknown, missing = '<nil>'): string {
  return quantityText(value, missing);
}

/** printBoolPtr: "True"/"False", or "<unset>" for a nil pointer. */
export function boolPtr(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>';
  return value ? 'True' : 'False';
}

/** Whether the first condition of `type` has status True, as hasJobCondition and friends test it. */
export function conditionTrue(conditions: readonly unknown[], type: string): boolean {
  const found = conditions.find((c) => str(c, 'type') === type);
  return found !== undefined && str(found, 'status') === 'True';
}

/** Sorted distinct strings, like sets.NewString(...).List(). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}
