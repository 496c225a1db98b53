import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, createServer, request } from 'node:http';
import { type AddressInfo, type Socket, createServer as createTcpServer } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsFrames } from './ws-frames';

interface Received {
  messages: Buffer[];
  closed?: { code: number | undefined; reason: string };
}

/** A client-side WebSocket handshake to `port`, returning the switched socket. */
function handshake(port: number): Promise<{ socket: Socket; head: Buffer }> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
      },
    });
    req.on('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => resolve({ socket, head }));
    req.on('error', reject);
    req.end();
  });
}

function frames(socket: Socket, head: Buffer): { f: WsFrames; got: Received } {
  const got: Received = { messages: [] };
  const f = new WsFrames(socket, head, {
    data: (slice, start) => {
      if (start) got.messages.push(Buffer.alloc(0));
      const i = got.messages.length - 1;
      got.messages[i] = Buffer.concat([got.messages[i]!, slice]);
    },
    closed: (code, reason) => (got.closed = { code, reason }),
  });
  return { f, got };
}

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; !ok(); i++) {
    if (i > 500) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('WebSocket framing for tunnels (against the ws server)', () => {
  let http: Server;
  let wss: WebSocketServer;
  let port: number;
  let server: Promise<WebSocket>;

  beforeEach(async () => {
    http = createServer();
    wss = new WebSocketServer({ server: http });
    server = new Promise((resolve) => wss.once('connection', resolve));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    port = (http.address() as AddressInfo).port;
  });
  afterEach(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise((r) => http.close(r));
  });

  it('hands on messages of every length class, and fragmented ones, with one start each', async () => {
    const { socket, head } = await handshake(port);
    const { got } = frames(socket, head);
    const ws = await server;
    const sent = [randomBytes(10), randomBytes(300), randomBytes(70_000), randomBytes(1)];
    for (const b of sent) ws.send(b);
    ws.send(Buffer.from('ab'), { fin: false });
    ws.send(Buffer.from('cd'), { fin: false });
    ws.send(Buffer.from('ef'), { fin: true });
    await until('five messages', () => got.messages.length === 5 && got.messages[4]!.length === 6);
    sent.forEach((b, i) => assert.ok(got.messages[i]!.equals(b), `message ${i} arrives whole`));
    assert.equal(got.messages[4]!.toString(), 'abcdef');
  });

  it('sends parts as one masked binary message the server reads back intact', async () => {
    const { socket, head } = await handshake(port);
    const { f } = frames(socket, head);
    const ws = await server;
    const inbox: Buffer[] = [];
    ws.on('message', (d: Buffer) => inbox.push(d));
    const big = randomBytes(100_000);
    f.send([Buffer.from([0]), big]);
    f.send([Buffer.from([255, 0])]);
    await until('two messages', () => inbox.length === 2);
    assert.ok(inbox[0]!.equals(Buffer.concat([Buffer.from([0]), big])));
    assert.deepEqual([...inbox[1]!], [255, 0]);
  });

  it('answers a ping with a pong and reports the server’s close code and reason', async () => {
    const { socket, head } = await handshake(port);
    const { got } = frames(socket, head);
    const ws = await server;
    const pong = new Promise<Buffer>((r) => ws.once('pong', r));
    ws.ping(Buffer.from('hi'));
    assert.equal((await pong).toString(), 'hi');
    const serverClosed = new Promise<number>((r) => ws.once('close', r));
    ws.close(4000, 'bye');
    await until('the close', () => got.closed !== undefined);
    assert.deepEqual(got.closed, { code: 4000, reason: 'bye' });
    assert.equal(await serverClosed, 4000, 'the close handshake completes');
  });
});

describe('WebSocket framing split at every byte', () => {
  it('reads headers and payloads that arrive one byte at a time', async () => {
    const payload = randomBytes(200);
    // 16-bit length frame in two fragments, then a ping, then a close.
    const wire = Buffer.concat([
      Buffer.from([0x02, 126, 0, 100]),
      payload.subarray(0, 100),
      Buffer.from([0x89, 1, 0x78]),
      Buffer.from([0x80, 126, 0, 100]),
      payload.subarray(100),
      Buffer.from([0x88, 2, 0x03, 0xe8]),
    ]);
    const accept = (key: string): string =>
      createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const fromClient: Buffer[] = [];
    const tcp = createTcpServer((s) => {
      s.setNoDelay(true);
      let req = '';
      s.on('data', (d: Buffer) => {
        if (!req.includes('\r\n\r\n')) {
          req += d.toString('latin1');
          const key = /sec-websocket-key: (\S+)/i.exec(req)?.[1];
          if (!req.includes('\r\n\r\n') || key === undefined) return;
          s.write(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
          );
          void (async () => {
            for (const b of wire) {
              s.write(Buffer.from([b]));
              await new Promise((r) => setImmediate(r));
            }
          })();
          return;
        }
        fromClient.push(d);
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => tcp.once('listening', r));
    try {
      const { socket, head } = await handshake((tcp.address() as AddressInfo).port);
      const { got } = frames(socket, head);
      await until('the close', () => got.closed !== undefined);
      assert.equal(got.messages.length, 1);
      assert.ok(got.messages[0]!.equals(payload));
      assert.deepEqual(got.closed, { code: 1000, reason: '' });
      const sent = Buffer.concat(fromClient);
      // A pong echoing "x" then a close, both masked with a zero key.
      assert.deepEqual([...sent.subarray(0, 7)], [0x8a, 0x81, 0, 0, 0, 0, 0x78]);
      assert.equal(sent[7], 0x88);
    } finally {
      tcp.close();
    }
  });
});
