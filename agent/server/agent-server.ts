import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../protocol';
import { timingSafeEqual } from 'node:crypto';

export interface AgentServerOptions {
  token: string;
  port?: number;
  /** Milliseconds between pings; a peer that misses one is terminated. */
  heartbeatMs?: number;
  onConnection(ws: WebSocket, req: IncomingMessage): void;
  log?: (line: string) => void;
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The bearer token of an upgrade request: `Authorization: Bearer …`, or the `slipway.token.…` subprotocol. */
export function tokenOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const m = auth === undefined ? null : /^Bearer\s+(\S+)$/i.exec(auth);
  if (m !== null) return m[1];
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const p = protocols.find((x) => x.startsWith('slipway.token.'));
  return p?.slice('slipway.token.'.length);
}

function refuse(socket: Socket, code: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroy();
}

/**
 * The agent's WebSocket endpoint, locked down: loopback only, the per-user token checked before the
 * upgrade completes, browser origins refused (only Node clients — the extension host, the CLI — connect),
 * a frame size cap and heartbeats that terminate dead peers.
 */
export class AgentServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly alive = new WeakMap<WebSocket, boolean>();

  constructor(private readonly o: AgentServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      clientTracking: true,
      perMessageDeflate: false,
    });
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' });
      res.end('The Slipway agent speaks WebSocket only.\n');
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== '') {
      this.o.log?.(`refused a connection from origin ${origin}`);
      refuse(socket, 403, 'Forbidden');
      return;
    }
    const token = tokenOf(req);
    if (token === undefined || !tokensEqual(token, this.o.token)) {
      refuse(socket, 401, 'Unauthorized');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      this.o.onConnection(ws, req);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port ?? 0, '127.0.0.1', () => resolve());
    });
    const every = this.o.heartbeatMs ?? 15_000;
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (this.alive.get(ws) === false) {
          ws.terminate();
          continue;
        }
        this.alive.set(ws, false);
        ws.ping();
      }
    }, every);
    this.heartbeat.unref();
    return this.port;
  }

  get port(): number {
    const a = this.http.address();
    return a !== null && typeof a !== 'string' ? a.port : 0;
  }

  get address(): string {
    const a = this.http.address();
    return a !== null && typeof a !== 'string' ? a.address : '';
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
