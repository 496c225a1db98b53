/**
 * Enough of resource.Quantity to print quantities as the real server does. A real server stores quantities in
 * canonical form ("1024Mi" comes back as "1Gi", "2000m" as "2"), so its tables show canonical text too; the
 * sandbox keeps what was written, and canonicalises only when printing.
 */

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact value, `mantissa × 10^scale`, with the format its text was written in. */
export interface Quantity {
  mantissa: bigint;
  scale: number;
  format: Format;
}

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = new Map(Object.entries(DECIMAL).map(([suffix, exp]) => [exp, suffix]));
const BINARY_SUFFIX = new Map(Object.entries(BINARY).map(([suffix, power]) => [power, suffix]));

const PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)([a-zA-Z]*|[eE][+-]?\d+)$/;

/** Parses quantity text (or a bare JSON number); undefined when it is not a valid quantity. */
export function parseQuantity(value: unknown): Quantity | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = '', digits = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = digits.split('.');
  let mantissa = BigInt(`${sign}${whole}${fraction}` || '0');
  let scale = -fraction.length;
  let format: Format = 'DecimalSI';
  if (/^[eE]/.test(suffix)) {
    format = 'DecimalExponent';
    scale += Number(suffix.slice(1));
  } else if (BINARY[suffix] !== undefined) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(BINARY[suffix]);
  } else if (DECIMAL[suffix] !== undefined) {
    scale += DECIMAL[suffix];
  } else {
    return undefined;
  }
  return roundToNano({ mantissa, scale, format });
}

/** Quantities hold at most nano precision; finer values round up (away from zero), as Quantity does. */
function roundToNano(q: Quantity): Quantity {
  if (q.scale >= -9) return q;
  const divisor = 10n ** BigInt(-9 - q.scale);
  let mantissa = q.mantissa / divisor;
  if (mantissa * divisor !== q.mantissa) mantissa += q.mantissa < 0n ? -1n : 1n;
  return { ...q, mantissa, scale: -9 };
}

/** Sum in the format of the first non-zero addend, as Quantity.Add adopts the format when adding to zero. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const scale = Math.min(a.scale, b.scale);
  const mantissa = a.mantissa * 10n ** BigInt(a.scale - scale) + b.mantissa * 10n ** BigInt(b.scale - scale);
  return { mantissa, scale, format: a.mantissa === 0n ? b.format : a.format };
}

export const ZERO: Quantity = { mantissa: 0n, scale: 0, format: 'DecimalSI' };

/** Strips trailing decimal zeros into the scale. */
function normalise(mantissa: bigint, scale: number): [bigint, number] {
  while (mantissa !== 0n && mantissa % 10n === 0n) {
    mantissa /= 10n;
    scale++;
  }
  return [mantissa, scale];
}

/** The integer value when the quantity is whole, else undefined. */
function wholeValue(q: Quantity): bigint | undefined {
  const [mantissa, scale] = normalise(q.mantissa, q.scale);
  return scale >= 0 ? mantissa * 10n ** BigInt(scale) : undefined;
}

/** Quantity.String: canonical text in the quantity's own format. */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  if (q.format === 'BinarySI') {
    const whole = wholeValue(q);
    // Small or fractional byte counts print in decimal, as the real canonicaliser avoids rounding them.
    if (whole !== undefined && (whole >= 1024n || whole <= -1024n)) return formatBinary(whole);
  }
  return formatDecimal(q);
}

function formatBinary(value: bigint): string {
  let power = 0;
  while (value % 1024n === 0n && BINARY_SUFFIX.has(power + 1)) {
    value /= 1024n;
    power++;
  }
  return `${value}${BINARY_SUFFIX.get(power) ?? ''}`;
}

/** Decimal canonical form: the exponent is lowered to a multiple of three and named by its SI suffix. */
function formatDecimal(q: Quantity): string {
  let [mantissa, scale] = normalise(q.mantissa, q.scale);
  while (((scale % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    scale--;
  }
  if (q.format === 'DecimalExponent') return scale === 0 ? `${mantissa}` : `${mantissa}e${scale}`;
  return `${mantissa}${DECIMAL_SUFFIX.get(scale) ?? `e${scale}`}`;
}

/**
 * The text a printer shows for a quantity field: canonical when it parses, the raw text otherwise, and
 * `missing` when the field is absent.
 */
export function quantityText(value: unknown, missing: string): string {
  if (value === undefined || value === null) return missing;
  const q = parseQuantity(value);
  if (q !== undefined) return formatQuantity(q);
  return typeof value === 'string' ? value : missing;
}

/** The value in thousandths of its unit, rounded up like Quantity.MilliValue; undefined if malformed. */
export function milliValue(value: unknown): number | undefined {
  const q = parseQuantity(value);
  if (q === undefined) return undefined;
  const shift = q.scale + 3;
  if (shift >= 0) return Number(q.mantissa * 10n ** BigInt(shift));
  const divisor = 10n ** BigInt(-shift);
  const whole = q.mantissa / divisor;
  return Number(whole * divisor === q.mantissa || q.mantissa < 0n ? whole : whole + 1n);
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): "250m", "1", "128M". */
export function formatMilli(milli: number): string {
  return formatQuantity({ mantissa: BigInt(Math.round(milli)), scale: -3, format: 'DecimalSI' });
}
