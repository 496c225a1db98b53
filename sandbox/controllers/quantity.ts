/** Multipliers of the suffixes resource.Quantity accepts. */
const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity string in thousandths of its unit, rounded up like Quantity.MilliValue; undefined if malformed. */
export function milliValue(q: string | number | undefined): number | undefined {
  if (typeof q === 'number') return Math.ceil(q * 1000);
  if (q === undefined) return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (m === null) return undefined;
  const factor = SUFFIXES[m[2] ?? ''];
  if (factor === undefined) return undefined;
  return Math.ceil(Number(m[1]) * factor * 1000 - 1e-6);
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): "250m", "1", "128M". */
export function formatMilli(milli: number): string {
  const v = Math.round(milli);
  if (v % 1000 !== 0) return `${v}m`;
  let whole = v / 1000;
  if (whole === 0) return '0';
  for (const suffix of ['', 'k', 'M', 'G', 'T', 'P', 'E']) {
    if (whole % 1000 !== 0 || suffix === 'E') return `${whole}${suffix}`;
    whole /= 1000;
  }
  return String(whole);
}
