/** Small structural checks for validating messages at the boundary, without a schema library. */
export type Check<T> = (v: unknown, path?: string) => T;

export class CheckError extends Error {}

function fail(path: string, what: string): never {
  throw new CheckError(`${path} must be ${what}`);
}

export const str: Check<string> = (v, p = 'value') => (typeof v === 'string' ? v : fail(p, 'a string'));
export const num: Check<number> = (v, p = 'value') =>
  typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a number');
export const int: Check<number> = (v, p = 'value') =>
  Number.isSafeInteger(v) ? (v as number) : fail(p, 'an integer');
export const bool: Check<boolean> = (v, p = 'value') => (typeof v === 'boolean' ? v : fail(p, 'a boolean'));

export function optional<T>(c: Check<T>): Check<T | undefined> {
  return (v, p) => (v === undefined ? undefined : c(v, p));
}

export function record(v: unknown, p = 'value'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object');
  return v as Record<string, unknown>;
}

/** An object with exactly the given fields checked; unknown fields are rejected so typos surface. */
export function object<T extends object>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  return (v, p = 'value') => {
    const r = record(v, p);
    for (const k of Object.keys(r)) if (!(k in fields)) fail(`${p}.${k}`, 'absent (unknown field)');
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(fields) as [string, Check<unknown>][]) {
      const value = c(r[k], `${p}.${k}`);
      if (value !== undefined) out[k] = value;
    }
    return out as T;
  };
}

export function oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
  return (v, p = 'value') =>
    typeof v === 'string' && values.includes(v) ? v : fail(p, `one of ${values.join(', ')}`);
}

export function array<T>(c: Check<T>): Check<T[]> {
  return (v, p = 'value') => {
    if (!Array.isArray(v)) fail(p, 'an array');
    return (v as unknown[]).map((x, i) => c(x, `${p}[${i}]`));
  };
}

export function either<A, B>(a: Check<A>, b: Check<B>, what: string): Check<A | B> {
  return (v, p = 'value') => {
    try {
      return a(v, p);
    } catch {
      try {
        return b(v, p);
      } catch {
        return fail(p, what);
      }
    }
  };
}
