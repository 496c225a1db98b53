import { badRequest } from './errors';
import type { KObject } from './types';

/**
 * Label and field selectors in the syntax the API server accepts:
 * `a=b,c!=d,e in (x,y),f notin (z),g,!h` for labels, `metadata.name=x,status.phase!=Running` for fields.
 */
type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Selector = (get: (key: string) => string | undefined) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(part: string, allowSets: boolean): Requirement {
  const setMatch = /^([^\s!=]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (setMatch !== null && allowSets) {
    const values = setMatch[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { op: setMatch[2] === 'in' ? 'in' : 'notin', key: setMatch[1]!, values };
  }
  const neq = /^([^\s!=]+)\s*!=\s*(.*)$/.exec(part);
  if (neq !== null) return { op: 'neq', key: neq[1]!, value: neq[2]!.trim() };
  const eq = /^([^\s!=]+)\s*==?\s*(.*)$/.exec(part);
  if (eq !== null) return { op: 'eq', key: eq[1]!, value: eq[2]!.trim() };
  if (allowSets && /^![^\s!=]+$/.test(part)) return { op: 'notexists', key: part.slice(1) };
  if (allowSets && /^[^\s!=()]+$/.test(part)) return { op: 'exists', key: part };
  throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq':
      return value === req.value;
    case 'neq':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
  }
}

function compile(text: string | undefined, allowSets: boolean): Selector {
  if (text === undefined || text.trim() === '') return () => true;
  const reqs = splitTopLevel(text).map((p) => parseRequirement(p, allowSets));
  return (get) => reqs.every((r) => matches(r, get(r.key)));
}

export function parseLabelSelector(text: string | undefined): Selector {
  return compile(text, true);
}

/** Field selectors support only equality, like the real server. */
export function parseFieldSelector(text: string | undefined): Selector {
  return compile(text, false);
}

export function labelsOf(obj: KObject): (key: string) => string | undefined {
  const labels = obj.metadata.labels ?? {};
  return (key) => labels[key];
}

/** Field values the real server indexes: metadata fields for all kinds plus a few per kind. */
export function fieldsOf(obj: KObject): (key: string) => string | undefined {
  return (key) => {
    if (key === 'metadata.name') return obj.metadata.name;
    if (key === 'metadata.namespace') return obj.metadata.namespace ?? '';
    let cur: unknown = obj;
    for (const part of key.split('.')) {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return '';
      cur = (cur as Record<string, unknown>)[part];
    }
    if (cur === undefined || cur === null) return '';
    return typeof cur === 'string' ? cur : JSON.stringify(cur);
  };
}

/** A matchLabels/matchExpressions selector as it appears in workload specs. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selectorMatches(
  spec: LabelSelectorSpec | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (spec === undefined) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(spec.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of spec.matchExpressions ?? []) {
    const value = l[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (e.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

/** `app=web,tier=api` for a selector spec: what kubectl shows and what label-selector queries take. */
export function selectorString(spec: LabelSelectorSpec | undefined): string {
  if (spec === undefined) return '';
  const parts = Object.entries(spec.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of spec.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
