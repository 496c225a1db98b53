import { createHash } from 'node:crypto';
import type { Json } from './shared';

/** Go's encoding/json: map keys sorted, and <, >, & escaped as it does by default. */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (typeof x === 'object' && x !== null) {
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sorted((x as Json)[k])]),
      );
    }
    return x;
  };
  return JSON.stringify(sorted(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The suffix kustomize appends to generated ConfigMap and Secret names: sha256 of the object's encoding
 * (kind, data, type for Secrets; the name is empty when kustomize hashes), its first ten hex digits with
 * 0, 1, 3, a, e replaced so the suffix never reads as a number or a word.
 */
export function nameHash(obj: Json): string {
  const kind = String(obj['kind']);
  const m: Json = { kind, name: '', data: obj['data'] ?? {} };
  if (kind === 'Secret') m['type'] = obj['type'] ?? 'Opaque';
  if (kind === 'ConfigMap' && obj['binaryData'] !== undefined) m['binaryData'] = obj['binaryData'];
  const hex = createHash('sha256').update(goJson(m)).digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}
