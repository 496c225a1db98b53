/**
 * "Jump to time": a full timestamp, or a time of day (HH:MM or HH:MM:SS, UTC like the log's stamps) on
 * the day of the reference line. `undefined` when the input is neither.
 */
export function parseJumpTime(input: string, reference: string | undefined): string | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?$/.exec(text);
  if (clock !== null) {
    const [, h, m, s = '00', frac = ''] = clock;
    if (Number(h) > 23 || Number(m) > 59 || Number(s) > 59) return undefined;
    const day =
      reference !== undefined && /^\d{4}-\d\d-\d\d/.test(reference) ? reference.slice(0, 10) : undefined;
    if (day === undefined) return undefined;
    return `${day}T${h!.padStart(2, '0')}:${m}:${s}${frac}Z`;
  }
  const ms = Date.parse(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}
