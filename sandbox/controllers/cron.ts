/**
 * Cron schedules as CronJobs take them (robfig/cron's standard parser): five fields — minute, hour,
 * day of month, month, day of week — with `*`, `?`, lists, ranges, steps and month/day names, plus
 * the @yearly, @monthly, @weekly, @daily, @hourly and `@every <duration>` descriptors.
 */
export interface Schedule {
  /** The first activation strictly after `after` (ms since the epoch), or undefined within a few years. */
  next(after: number): number | undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function parseValue(s: string, names: string[] | undefined, offset: number): number {
  const i = names?.indexOf(s.toLowerCase()) ?? -1;
  if (i >= 0) return i + offset;
  if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
  return Number(s);
}

function parseField(
  text: string,
  min: number,
  max: number,
  names?: string[],
  nameOffset = 0,
): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : parseValue(stepText, undefined, 0);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = parseValue(a, names, nameOffset);
      hi = parseValue(b, names, nameOffset);
    } else {
      lo = parseValue(range, names, nameOffset);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi || step < 1)
      throw new Error(`end of range (${hi}) above maximum (${max}): ${part}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

function durationMs(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let matched = '';
  for (const m of text.matchAll(re)) {
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3_600_000 : m[2] === 'm' ? v * 60_000 : m[2] === 's' ? v * 1000 : v;
    matched += m[0];
  }
  if (matched !== text || total <= 0) throw new Error(`failed to parse duration ${text}`);
  return total;
}

/** Wall-clock fields of an instant in a time zone (UTC unless given). */
function fieldsIn(
  ms: number,
  zone: string | undefined,
): { minute: number; hour: number; day: number; month: number; weekday: number } {
  if (zone === undefined || zone === 'UTC' || zone === 'Etc/UTC') {
    const d = new Date(ms);
    return {
      minute: d.getUTCMinutes(),
      hour: d.getUTCHours(),
      day: d.getUTCDate(),
      month: d.getUTCMonth() + 1,
      weekday: d.getUTCDay(),
    };
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hour12: false,
    minute: 'numeric',
    hour: 'numeric',
    day: 'numeric',
    month: 'numeric',
    weekday: 'short',
  }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '0';
  return {
    minute: Number(get('minute')),
    hour: Number(get('hour')) % 24,
    day: Number(get('day')),
    month: Number(get('month')),
    weekday: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)),
  };
}

export function parseSchedule(text: string, zone?: string): Schedule {
  const trimmed = text.trim();
  if (trimmed.startsWith('@every ')) {
    const every = durationMs(trimmed.slice(7).trim());
    return {
      next: (after) => Math.floor(after / 1000) * 1000 + Math.max(1000, Math.floor(every / 1000) * 1000),
    };
  }
  const spec = DESCRIPTORS[trimmed] ?? trimmed;
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${text}`);
  const minute = parseField(fields[0]!, 0, 59);
  const hour = parseField(fields[1]!, 0, 23);
  const dom = parseField(fields[2]!, 1, 31);
  const month = parseField(fields[3]!, 1, 12, MONTHS, 1);
  const dow = parseField(fields[4]!.replace(/\b7\b/g, '0'), 0, 6, DAYS, 0);
  const dayMatches = (day: number, weekday: number): boolean =>
    dom.star || dow.star
      ? dom.set.has(day) && dow.set.has(weekday)
      : dom.set.has(day) || dow.set.has(weekday);
  return {
    next(after: number): number | undefined {
      let t = Math.floor(after / 60_000) * 60_000 + 60_000;
      const end = after + 5 * 366 * 86_400_000;
      while (t < end) {
        const f = fieldsIn(t, zone);
        if (!month.set.has(f.month) || !dayMatches(f.day, f.weekday)) {
          t += (60 - f.minute) * 60_000 + (23 - f.hour) * 3_600_000;
          continue;
        }
        if (!hour.set.has(f.hour)) {
          t += (60 - f.minute) * 60_000;
          continue;
        }
        if (minute.set.has(f.minute)) return t;
        t += 60_000;
      }
      return undefined;
    },
  };
}
