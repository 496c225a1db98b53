/**
 * intstr.GetScaledValueFromIntOrPercent: an absolute number, or a percentage of `total` rounded up or
 * down. Strings that are not percentages are an error upstream; here they are read as numbers, or 0.
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (v.endsWith('%')) {
    const pct = Number.parseInt(v.slice(0, -1), 10);
    if (Number.isNaN(pct)) return 0;
    const exact = (pct * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? 0 : n;
}
