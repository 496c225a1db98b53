import type { Socket } from 'node:net';

/*
 * The client side of RFC 6455 framing over a connection KubeClient.upgrade switched, kept minimal for
 * the port-forward tunnel's hot path: a data message's payload is handed on slice by slice as it
 * arrives (no waiting for a whole frame, no reassembly copy), and a frame is written as a small header
 * followed by the caller's own buffers.
 *
 * Frames are masked with an all-zero key. Masking guards browsers' script-made frames against poisoning
 * caching proxies (RFC 6455 §10.3); this client is no browser and its frames carry the user's own bytes,
 * mostly inside TLS, so a zero key (which leaves the bytes as they are) costs nothing and risks nothing.
 */

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface FrameHandlers {
  /** A slice of a data message's payload; `start` is true for the first bytes of each message. */
  data(slice: Buffer, start: boolean): void;
  /** The server closed (a close frame) or the connection ended. */
  closed(code: number | undefined, reason: string): void;
}

interface Header {
  fin: boolean;
  opcode: number;
  mask: Buffer | undefined;
  length: number;
  size: number;
}

function parseHeader(b: Buffer): Header | undefined | Error {
  if (b.length < 2) return undefined;
  const fin = (b[0]! & 0x80) !== 0;
  const opcode = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  let length = b[1]! & 0x7f;
  let size = 2;
  if (length === 126) {
    if (b.length < 4) return undefined;
    length = b.readUInt16BE(2);
    size = 4;
  } else if (length === 127) {
    if (b.length < 10) return undefined;
    const big = b.readBigUInt64BE(2);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return new Error('a WebSocket frame longer than 2^53 bytes');
    length = Number(big);
    size = 10;
  }
  let mask: Buffer | undefined;
  if (masked) {
    if (b.length < size + 4) return undefined;
    mask = Buffer.from(b.subarray(size, size + 4));
    size += 4;
  }
  return { fin, opcode, mask, length, size };
}

export class WsFrames {
  private header: Buffer = Buffer.alloc(0);
  private frame: Header | undefined;
  private left = 0;
  private maskOffset = 0;
  private messageStart = false;
  private readonly control: Buffer[] = [];
  private closeSent = false;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    head: Buffer,
    private readonly handlers: FrameHandlers,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('close', () => this.end(undefined, ''));
    socket.on('error', () => socket.destroy());
    if (head.length > 0) this.read(head);
  }

  private end(code: number | undefined, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.closed(code, reason);
  }

  private fail(why: string): void {
    this.end(1002, why);
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0 && !this.socket.destroyed) {
      if (this.frame === undefined) {
        const buf = this.header.length === 0 ? data : Buffer.concat([this.header, data]);
        const h = parseHeader(buf);
        if (h instanceof Error) return this.fail(h.message);
        if (h === undefined) {
          this.header = Buffer.from(buf);
          return;
        }
        this.header = Buffer.alloc(0);
        data = buf.subarray(h.size);
        if (!this.begin(h)) return;
        if (h.length === 0) {
          this.finish();
          continue;
        }
      }
      const take = Math.min(this.left, data.length);
      this.payload(data.subarray(0, take));
      this.left -= take;
      data = data.subarray(take);
      if (this.left === 0) this.finish();
    }
  }

  private begin(h: Header): boolean {
    if (h.opcode === OP_TEXT || h.opcode === OP_BINARY) this.messageStart = true;
    else if (h.opcode !== OP_CONTINUATION && h.opcode !== OP_CLOSE && h.opcode !== OP_PING) {
      if (h.opcode !== OP_PONG) {
        this.fail(`an unknown WebSocket opcode ${h.opcode}`);
        return false;
      }
    }
    this.frame = h;
    this.left = h.length;
    this.maskOffset = 0;
    return true;
  }

  private payload(slice: Buffer): void {
    const h = this.frame!;
    let bytes = slice;
    if (h.mask !== undefined) {
      // Servers do not mask; one that does still gets read right.
      bytes = Buffer.from(slice);
      for (let i = 0; i < bytes.length; i++) bytes[i]! ^= h.mask[(this.maskOffset + i) % 4]!;
      this.maskOffset += bytes.length;
    }
    if (h.opcode >= OP_CLOSE) {
      this.control.push(Buffer.from(bytes));
      return;
    }
    if (bytes.length === 0) return;
    const start = this.messageStart;
    this.messageStart = false;
    this.handlers.data(bytes, start);
  }

  private finish(): void {
    const h = this.frame!;
    this.frame = undefined;
    if (h.opcode < OP_CLOSE) return;
    const body = Buffer.concat(this.control.splice(0));
    if (h.opcode === OP_PING) this.write(OP_PONG, [body]);
    else if (h.opcode === OP_CLOSE) {
      const code = body.length >= 2 ? body.readUInt16BE(0) : undefined;
      this.end(code, body.subarray(2).toString('utf8'));
      this.close(code ?? 1000);
    }
  }

  private write(opcode: number, parts: Buffer[], cb?: () => void): boolean {
    const length = parts.reduce((n, p) => n + p.length, 0);
    const ext = length < 126 ? 0 : length < 65_536 ? 2 : 8;
    const header = Buffer.alloc(2 + ext + 4);
    header[0] = 0x80 | opcode;
    if (ext === 0) header[1] = 0x80 | length;
    else if (ext === 2) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    // The 4 mask bytes stay zero: see above.
    const s = this.socket;
    if (s.destroyed || !s.writable) return false;
    s.cork();
    let ok = s.write(header);
    parts.forEach((p, i) => {
      ok = i === parts.length - 1 && cb !== undefined ? s.write(p, () => cb()) : s.write(p);
    });
    s.uncork();
    return ok;
  }

  /** One binary message of the given parts; false when the connection's buffer is full (wait for `drain`). */
  send(parts: Buffer[], cb?: () => void): boolean {
    if (this.closeSent) return false;
    return this.write(OP_BINARY, parts, cb);
  }

  /** Sends a close frame (once) and ends the connection. */
  close(code = 1000): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code, 0);
    this.write(OP_CLOSE, [body]);
    this.socket.end();
  }
}
