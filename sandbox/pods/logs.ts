/**
 * Container log storage that answers `pods/log` the way the kubelet does. Each container keeps the
 * lines of its current instance and of at most one previous instance (what `--previous` shows), and
 * every instance is a bounded ring buffer so a chatty pod cannot grow the sandbox's memory without limit.
 */

export interface LogReadOptions {
  /** Read the instance that ran before the last restart instead of the current one. */
  previous?: boolean;
  /** Only lines stamped at or after this time (ms since the epoch). */
  sinceTime?: number;
  /** Only lines stamped within this many seconds before `now`. */
  sinceSeconds?: number;
  /** Only the last N lines. */
  tailLines?: number;
  /** Prefix each line with its RFC3339Nano timestamp and a space. */
  timestamps?: boolean;
  /** Stop after this many bytes of output, possibly in the middle of a line. */
  limitBytes?: number;
  /** The current time, which `sinceSeconds` is relative to. */
  now: number;
}

export interface ContainerLogLimits {
  /** Lines kept per instance before the oldest are dropped. */
  maxLines: number;
  /** Bytes of text (UTF-8, newline included) kept per instance before the oldest lines are dropped. */
  maxBytes: number;
  /** Longer lines are cut to this many bytes, as a runtime's log line limit would. */
  maxLineBytes: number;
}

export const DEFAULT_LOG_LIMITS: ContainerLogLimits = {
  maxLines: 10_000,
  maxBytes: 4 * 1024 * 1024,
  maxLineBytes: 64 * 1024,
};

/** Thrown by `read`/`follow` with `previous: true` when the container has not restarted yet. */
export class PreviousLogNotFoundError extends Error {
  constructor() {
    super('previous terminated container not found');
    this.name = 'PreviousLogNotFoundError';
  }
}

/**
 * Formats a time the way the kubelet stamps log lines: UTC with exactly nine fractional digits. The
 * sandbox only knows milliseconds, so the last six digits are always zero.
 */
export function formatRfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}000000Z`;
}

/**
 * Cuts a string to at most `maxBytes` of UTF-8 without splitting a character, because the callers hand
 * out strings and half a character would turn into a replacement character.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes;
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut).toString('utf8');
}

interface Follower {
  onLine: (formattedLine: string) => void;
  onEnd: () => void;
  timestamps: boolean;
  remainingBytes: number;
}

/** One run of a container: a ring buffer of lines plus the streams following it. */
class LogInstance {
  private readonly stamps: number[] = [];
  private readonly texts: string[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private count = 0;
  private bytes = 0;
  private lastStamp = -Infinity;
  private readonly followers = new Set<Follower>();
  ended = false;

  constructor(private readonly limits: ContainerLogLimits) {}

  get length(): number {
    return this.count;
  }

  /**
   * Stores one line. Stamps are kept non-decreasing, as a runtime's are, so `since` can binary-search;
   * eviction is amortised O(1) because every line is evicted at most once.
   */
  append(text: string, ts: number): void {
    const line = truncateUtf8(text, this.limits.maxLineBytes);
    const stamp = Math.max(ts, this.lastStamp);
    this.lastStamp = stamp;
    this.push(stamp, line, Buffer.byteLength(line, 'utf8') + 1);
    this.notify(stamp, line);
  }

  /** The instance stopped: followers are told so their streams can close, as kubelet's do. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const followers = [...this.followers];
    this.followers.clear();
    for (const f of followers) safeCall(f.onEnd);
  }

  /** Logical index of the first line `read`/`follow` should return for these options. */
  startIndex(opts: LogReadOptions): number {
    let start = 0;
    if (opts.tailLines !== undefined && opts.tailLines >= 0) start = Math.max(0, this.count - opts.tailLines);
    const since = sinceMs(opts);
    if (since !== undefined) start = Math.max(start, this.lowerBound(since));
    return start;
  }

  stampAt(index: number): number {
    return this.stamps[this.physical(index)]!;
  }

  textAt(index: number): string {
    return this.texts[this.physical(index)]!;
  }

  subscribe(follower: Follower): () => void {
    this.followers.add(follower);
    return () => {
      this.followers.delete(follower);
    };
  }

  private push(stamp: number, text: string, size: number): void {
    while (
      this.count > 0 &&
      (this.count >= this.limits.maxLines || this.bytes + size > this.limits.maxBytes)
    ) {
      this.dropOldest();
    }
    const slot = this.physical(this.count);
    this.stamps[slot] = stamp;
    this.texts[slot] = text;
    this.sizes[slot] = size;
    this.count++;
    this.bytes += size;
  }

  private dropOldest(): void {
    this.bytes -= this.sizes[this.head]!;
    // Clearing the slot lets the dropped string be collected before the slot is reused.
    this.texts[this.head] = '';
    this.head = (this.head + 1) % this.limits.maxLines;
    this.count--;
  }

  private physical(index: number): number {
    return (this.head + index) % this.limits.maxLines;
  }

  private lowerBound(since: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.stampAt(mid) < since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private notify(stamp: number, text: string): void {
    // A copy, because a callback may unsubscribe itself or start a new follow while we iterate.
    for (const f of [...this.followers]) {
      if (!this.followers.has(f)) continue;
      deliver(f, formatLine(stamp, text, f.timestamps));
      if (f.remainingBytes <= 0) this.finish(f);
    }
  }

  private finish(f: Follower): void {
    this.followers.delete(f);
    safeCall(f.onEnd);
  }
}

/** Sends a line to a follower, cut to its remaining byte budget. */
function deliver(f: Follower, line: string): void {
  const piece = Number.isFinite(f.remainingBytes) ? truncateUtf8(line, f.remainingBytes) : line;
  f.remainingBytes -= Buffer.byteLength(piece, 'utf8');
  if (piece.length < line.length) f.remainingBytes = 0;
  if (piece !== '') safeCall(() => f.onLine(piece));
}

/**
 * A failing consumer (say, a closed HTTP response) must not break the container that is writing logs,
 * so its error is reported as a process warning instead of propagating into the appender.
 */
function safeCall(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`container log consumer failed: ${String(err)}`);
  }
}

function sinceMs(opts: LogReadOptions): number | undefined {
  const candidates: number[] = [];
  if (opts.sinceTime !== undefined) candidates.push(opts.sinceTime);
  if (opts.sinceSeconds !== undefined) candidates.push(opts.now - opts.sinceSeconds * 1000);
  return candidates.length === 0 ? undefined : Math.max(...candidates);
}

function formatLine(stamp: number, text: string, timestamps: boolean): string {
  return timestamps ? `${formatRfc3339Nano(stamp)} ${text}\n` : `${text}\n`;
}

/** The logs of one container across its current and previous instance. */
export class ContainerLog {
  private readonly limits: ContainerLogLimits;
  private current: LogInstance;
  private previousInstance: LogInstance | undefined;

  constructor(limits: Partial<ContainerLogLimits> = {}) {
    this.limits = { ...DEFAULT_LOG_LIMITS, ...limits };
    this.current = new LogInstance(this.limits);
  }

  /** Whether the current instance has stopped and takes no more lines. */
  get ended(): boolean {
    return this.current.ended;
  }

  hasPrevious(): boolean {
    return this.previousInstance !== undefined;
  }

  /** Lines kept for the current (or previous) instance. */
  lineCount(previous = false): number {
    return this.instance(previous).length;
  }

  /**
   * Adds output of the current instance; text with newlines becomes several lines with the same stamp.
   * Output after `end()` is dropped because a stopped container cannot write.
   */
  append(text: string, ts: number): void {
    if (this.current.ended) return;
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    for (const line of body.split('\n')) this.current.append(line, ts);
  }

  /** Marks the current instance as stopped; following streams end. */
  end(): void {
    this.current.end();
  }

  /** The container restarted: the current instance becomes the previous one and a fresh one begins. */
  restart(): void {
    this.current.end();
    this.previousInstance = this.current;
    this.current = new LogInstance(this.limits);
  }

  /** The log text as the kubelet returns it for these options. */
  read(opts: LogReadOptions): string {
    const inst = this.instance(opts.previous === true);
    const timestamps = opts.timestamps === true;
    let remaining = opts.limitBytes ?? Infinity;
    const parts: string[] = [];
    for (let i = inst.startIndex(opts); i < inst.length && remaining > 0; i++) {
      const line = formatLine(inst.stampAt(i), inst.textAt(i), timestamps);
      const piece = Number.isFinite(remaining) ? truncateUtf8(line, remaining) : line;
      parts.push(piece);
      remaining = piece.length < line.length ? 0 : remaining - Buffer.byteLength(piece, 'utf8');
    }
    return parts.join('');
  }

  /**
   * Delivers the matching backlog, then every new line of the same instance, until the returned
   * function is called. `onEnd` fires once when the instance stops (immediately for an instance that
   * already has) or when `limitBytes` is used up; callbacks may run synchronously inside this call.
   */
  follow(
    opts: LogReadOptions,
    onLine: (formattedLine: string) => void,
    onEnd: () => void = () => {},
  ): () => void {
    const inst = this.instance(opts.previous === true);
    const f: Follower = {
      onLine,
      onEnd,
      timestamps: opts.timestamps === true,
      remainingBytes: opts.limitBytes ?? Infinity,
    };
    for (let i = inst.startIndex(opts); i < inst.length && f.remainingBytes > 0; i++) {
      deliver(f, formatLine(inst.stampAt(i), inst.textAt(i), f.timestamps));
    }
    if (inst.ended || f.remainingBytes <= 0) {
      safeCall(onEnd);
      return () => {};
    }
    return inst.subscribe(f);
  }

  private instance(previous: boolean): LogInstance {
    if (!previous) return this.current;
    if (this.previousInstance === undefined) throw new PreviousLogNotFoundError();
    return this.previousInstance;
  }
}
