/**
 * The log panel's data, free of the DOM so it is tested and benchmarked in Node: a bounded ring of lines
 * kept in time order (late lines of a slower stream are inserted where they belong), a count of what the
 * bound pushed out, level detection, and the filter the view renders from.
 */
import { stampKey } from '../../protocol/observe';

export { stampKey };

export type Level = 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'fatal' | undefined;

export interface ModelLine {
  /** Sort key: the stamp with its fraction padded, so strings compare like times. */
  key: string;
  ts: string;
  pod: string;
  container: string;
  text: string;
  previous: boolean;
  level: Level;
  /** Set for a line that is a JSON object: the object, for pretty-printing. */
  json: Record<string, unknown> | undefined;
  /** A marker (pod joined/left, deploy) instead of a log line. */
  note?: string;
  /** What kind of marker: a LogNote kind, or 'deploy'. */
  noteKind?: string;
  seq: number;
}

export interface IncomingLine {
  ts: string;
  pod: string;
  container: string;
  text: string;
  previous?: boolean;
}

const LEVEL_WORDS: Record<string, Level> = {
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  notice: 'info',
  debug: 'debug',
  trace: 'trace',
};

const PLAIN_LEVEL =
  /\b(ERROR|ERR|FATAL|PANIC|CRIT(?:ICAL)?|WARN(?:ING)?|INFO|NOTICE|DEBUG|TRACE)\b|^(panic):/i;

/** The line's level: a JSON `level`/`severity` field, else the first level word of a plain line. */
export function detectLevel(text: string): { level: Level; json: Record<string, unknown> | undefined } {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    try {
      const obj = JSON.parse(t) as unknown;
      if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
        const rec = obj as Record<string, unknown>;
        const raw = rec['level'] ?? rec['severity'] ?? rec['lvl'] ?? rec['log.level'];
        const level = typeof raw === 'string' ? LEVEL_WORDS[raw.toLowerCase()] : undefined;
        return { level, json: rec };
      }
    } catch {
      // Not JSON after all: treat as plain text.
    }
  }
  const m = PLAIN_LEVEL.exec(text.slice(0, 200));
  const word = (m?.[1] ?? m?.[2])?.toLowerCase();
  return { level: word === undefined ? undefined : LEVEL_WORDS[word], json: undefined };
}

export interface Filter {
  /** Text (or a regular expression when `regex`) a line must contain. */
  search?: string;
  regex?: boolean;
  /** Lines of context kept around each match. */
  context?: number;
  levels?: Level[];
  pods?: string[];
}

/** The lines a filter keeps, in order, with context lines marked. */
export interface FilterResult {
  indexes: number[];
  matches: Set<number>;
  error?: string;
}

export class LogModel {
  private lines: ModelLine[] = [];
  private seq = 0;
  dropped = 0;
  total = 0;

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return Math.min(this.lines.length, this.capacity);
  }

  at(i: number): ModelLine | undefined {
    return this.lines[i];
  }

  all(): readonly ModelLine[] {
    return this.lines;
  }

  /** Adds lines (any order); returns the index of the first position that changed. */
  add(
    incoming: readonly IncomingLine[],
    note?: (l: IncomingLine) => { text: string; kind: string } | undefined,
  ): number {
    let firstChanged = this.lines.length;
    for (const l of incoming) {
      const { level, json } = detectLevel(l.text);
      const line: ModelLine = {
        key: stampKey(l.ts),
        ts: l.ts,
        pod: l.pod,
        container: l.container,
        text: l.text,
        previous: l.previous === true,
        level,
        json,
        seq: this.seq++,
      };
      const n = note?.(l);
      if (n !== undefined) {
        line.note = n.text;
        line.noteKind = n.kind;
      }
      // Most lines arrive in order: append. A late one is placed after every line with a stamp <= its own.
      let i = this.lines.length;
      while (i > 0 && this.lines[i - 1]!.key > line.key) i--;
      if (i === this.lines.length) this.lines.push(line);
      else this.lines.splice(i, 0, line);
      if (i < firstChanged) firstChanged = i;
      this.total++;
    }
    // Trimming in steps of a tenth keeps the cost of dropping old lines amortised.
    const over = this.lines.length - this.capacity;
    if (over > 0 && (over >= this.capacity / 10 || incoming.length === 0)) {
      this.lines.splice(0, over);
      this.dropped += over;
      firstChanged = 0;
    }
    return firstChanged;
  }

  /** A marker line at a time (deploys, pods joining or leaving). */
  mark(ts: string, pod: string, text: string, kind = 'note'): void {
    this.add([{ ts, pod, container: '', text }], () => ({ text, kind }));
  }

  clear(): void {
    this.dropped += this.lines.length;
    this.lines = [];
  }

  /** The index of the first line at or after a time, for "jump to time". */
  indexAt(ts: string): number {
    const key = stampKey(ts);
    let lo = 0;
    let hi = this.lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lines[mid]!.key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  filter(f: Filter): FilterResult {
    let re: RegExp | undefined;
    if (f.search !== undefined && f.search !== '') {
      try {
        re = new RegExp(f.regex === true ? f.search : f.search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      } catch (e) {
        return {
          indexes: [],
          matches: new Set(),
          error: `Invalid regular expression: ${(e as Error).message}`,
        };
      }
    }
    const levels = f.levels !== undefined && f.levels.length > 0 ? new Set(f.levels) : undefined;
    const pods = f.pods !== undefined && f.pods.length > 0 ? new Set(f.pods) : undefined;
    const context = Math.max(0, f.context ?? 0);
    const matches = new Set<number>();
    const keep = new Set<number>();
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i]!;
      if (l.note !== undefined) {
        if (re === undefined && levels === undefined) keep.add(i);
        continue;
      }
      if (pods !== undefined && !pods.has(l.pod)) continue;
      if (levels !== undefined && !levels.has(l.level)) continue;
      if (re !== undefined && !re.test(l.text)) continue;
      matches.add(i);
      for (let j = Math.max(0, i - context); j <= Math.min(this.lines.length - 1, i + context); j++)
        keep.add(j);
    }
    if (re === undefined && levels === undefined && pods === undefined) {
      return { indexes: this.lines.map((_, i) => i), matches };
    }
    return { indexes: [...keep].sort((a, b) => a - b), matches };
  }

  /** Plain text of lines, as copy and save write them. */
  text(indexes?: readonly number[], opts: { timestamps?: boolean; prefix?: boolean } = {}): string {
    const pick = indexes ?? this.lines.map((_, i) => i);
    const out: string[] = [];
    for (const i of pick) {
      const l = this.lines[i];
      if (l === undefined) continue;
      if (l.note !== undefined) {
        out.push(`--- ${l.note}`);
        continue;
      }
      const pre = opts.prefix === false ? '' : `[${l.pod}/${l.container}] `;
      out.push(`${opts.timestamps === true ? `${l.ts} ` : ''}${pre}${l.text}`);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

/** ANSI SGR colour runs of a line: text pieces with a CSS colour class, escape codes removed. */
export function ansiRuns(text: string): { text: string; cls?: string }[] {
  if (!text.includes('\u001b[')) return [{ text }];
  const runs: { text: string; cls?: string }[] = [];
  let cls: string | undefined;
  let bold = false;
  // eslint-disable-next-line no-control-regex -- matching the ESC of ANSI colour codes is the point
  const re = /\u001b\[([0-9;]*)m/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last)
      runs.push(
        cls === undefined && !bold
          ? { text: text.slice(last, m.index) }
          : { text: text.slice(last, m.index), cls: `${cls ?? ''}${bold ? ' ansi-bold' : ''}`.trim() },
      );
    for (const code of (m[1] === '' ? '0' : m[1]!).split(';').map(Number)) {
      if (code === 0) {
        cls = undefined;
        bold = false;
      } else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) cls = `ansi-fg-${code}`;
      else if (code === 39) cls = undefined;
    }
    last = re.lastIndex;
  }
  if (last < text.length)
    runs.push(
      cls === undefined && !bold
        ? { text: text.slice(last) }
        : { text: text.slice(last), cls: `${cls ?? ''}${bold ? ' ansi-bold' : ''}`.trim() },
    );
  return runs;
}
