import { isJsonObject } from '../types';

/** The alphabet of apimachinery's rand.SafeEncodeString: no vowels, no look-alike characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** FNV-1a, 32 bit, continuing from `seed` so several writes hash like one stream. */
export function fnv32a(data: string | Uint8Array, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytesOf(data)) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** FNV-1 (multiply, then xor), 32 bit: what ControllerRevision names hash with. */
export function fnv32(data: string | Uint8Array, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytesOf(data)) {
    h = Math.imul(h, FNV_PRIME) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character mapped into the safe alphabet by its code. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[(ch.codePointAt(0) ?? 0) % SAFE_ALPHABET.length];
  return out;
}

/**
 * JSON with sorted keys and without null members, empty arrays and empty objects: the sandbox's stand-in
 * for apimachinery's semantic equality, where nil and empty collections are equal.
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalize(v)) ?? 'null';
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (!isJsonObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = normalize(v[k]);
    if (x === null || x === undefined) continue;
    if (Array.isArray(x) && x.length === 0) continue;
    if (isJsonObject(x) && Object.keys(x).length === 0 && (k === 'labels' || k === 'annotations')) continue;
    out[k] = x;
  }
  return out;
}

/**
 * controller.ComputeHash: FNV-1a of the pod template, then of the collision count as eight little-endian
 * bytes, printed in decimal and safe-encoded. Upstream hashes Go's dump of the struct; the sandbox hashes
 * the canonical JSON, so names have the same shape and alphabet but not the same letters.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(canonicalJson(template));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}
