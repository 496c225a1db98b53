import { type LogCursor, stampKey } from '../../protocol';

export { stampKey };

/**
 * Resuming a container's log without losing or repeating a line. The kubelet stamps every line
 * (RFC3339Nano) and serves lines in order; a stream resumed with `sinceTime` starts at a whole second,
 * so the cursor drops everything older than the last stamp it delivered and, of the lines carrying exactly
 * that stamp, as many as it had already delivered.
 */

/** Splits "STAMP text" as the kubelet writes it with `timestamps=true`; undefined when no stamp leads. */
export function splitStamp(line: string): { ts: string; text: string } | undefined {
  const sp = line.indexOf(' ');
  const ts = sp < 0 ? line : line.slice(0, sp);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(ts) || Number.isNaN(Date.parse(ts))) return undefined;
  return { ts, text: sp < 0 ? '' : line.slice(sp + 1) };
}

/** The `sinceTime` to resume from: the cursor's second, as the API's metav1.Time carries no fraction. */
export function resumeSinceTime(ts: string): string {
  return `${stampKey(ts).slice(0, 19)}Z`;
}

export class ContainerCursor {
  private key: string | undefined;
  private ts: string | undefined;
  private n = 0;
  /** Lines with the cursor's stamp still to skip in the stream being read. */
  private skip = 0;

  constructor(start?: Pick<LogCursor, 'ts' | 'n'>) {
    if (start !== undefined) {
      this.ts = start.ts;
      this.key = stampKey(start.ts);
      this.n = start.n;
    }
  }

  /** Call before reading a stream again from `resumeSinceTime(ts)`. */
  rewind(): void {
    this.skip = this.n;
  }

  /** Whether a line with this stamp is new; a new line moves the cursor. */
  accept(ts: string): boolean {
    const k = stampKey(ts);
    if (this.key !== undefined) {
      if (k < this.key) return false;
      if (k === this.key && this.skip > 0) {
        this.skip--;
        return false;
      }
    }
    if (k === this.key) this.n++;
    else {
      this.key = k;
      this.ts = ts;
      this.n = 1;
    }
    this.skip = 0;
    return true;
  }

  get position(): { ts: string; n: number } | undefined {
    return this.ts === undefined ? undefined : { ts: this.ts, n: this.n };
  }
}

/**
 * Cuts a byte stream into lines. A partial last line is held until its newline arrives and dropped when
 * the stream breaks, so the resumed stream delivers it whole.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  /** The unterminated remainder at a clean end of stream (a log that does not end in a newline). */
  flush(): string | undefined {
    const r = this.rest;
    this.rest = '';
    return r === '' ? undefined : r;
  }
}
