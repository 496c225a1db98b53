import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import type { KubeClient } from '../kube/client';

/** The channel protocols the API server's `pods/portforward` WebSocket speaks, newest first. */
const PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
const DATA = 0;
const ERROR = 1;
const CLOSE_STREAM = 255;
/** Above this many bytes queued towards the API server the local socket stops being read. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/**
 * One TCP connection to a pod's port through the API server (`pods/portforward`, one port: channel 0
 * carries data, channel 1 errors, each first carries the port number in 2 bytes). The frames are built
 * here rather than by client-node so both directions keep backpressure and a chunk is copied once.
 */
export class PodTunnel {
  private readonly headerLeft = [2, 2];
  private sink: ((payload: Buffer) => void) | undefined;
  private readonly early: Buffer[] = [];
  private errorText = '';
  private readonly errorListeners: ((message: string) => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) =>
      this.onMessage(isBinary ? data : Buffer.from(data)),
    );
    ws.on('error', () => ws.terminate());
  }

  /** Opens the tunnel; an RBAC refusal, a missing pod or an unreachable server throws AgentFailure. */
  static async open(
    client: KubeClient,
    namespace: string,
    pod: string,
    port: number,
    signal?: AbortSignal,
  ): Promise<PodTunnel> {
    const ws = await client.upgrade(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`,
      { query: { ports: port }, protocols: PROTOCOLS, ...(signal === undefined ? {} : { signal }) },
    );
    const tunnel = new PodTunnel(ws);
    ws.resume();
    return tunnel;
  }

  private onMessage(buf: Buffer): void {
    if (buf.length === 0) return;
    const channel = buf[0]!;
    if (channel !== DATA && channel !== ERROR) return;
    let payload = buf.subarray(1);
    const skip = Math.min(this.headerLeft[channel]!, payload.length);
    if (skip > 0) {
      this.headerLeft[channel]! -= skip;
      payload = payload.subarray(skip);
    }
    if (payload.length === 0) return;
    if (channel === ERROR) {
      this.errorText += payload.toString('utf8');
      const text = this.errorText.trim();
      if (text !== '') for (const l of this.errorListeners) l(text);
      return;
    }
    if (this.sink === undefined) this.early.push(payload);
    else this.sink(payload);
  }

  /** The text the pod's side sent on the error channel so far ('' while all is well). */
  get error(): string {
    return this.errorText.trim();
  }

  onError(listener: (message: string) => void): void {
    this.errorListeners.push(listener);
  }

  get closed(): boolean {
    return this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING;
  }

  /**
   * Joins a local socket to the tunnel until either side ends: bytes flow both ways with backpressure,
   * the socket's end half-closes the pod's side (v5) and the tunnel's close ends the socket.
   */
  pipe(socket: Socket): void {
    const ws = this.ws;
    socket.setNoDelay(true);
    let paused = false;
    const resumeIfDrained = (): void => {
      if (paused && ws.bufferedAmount < LOW_WATER) {
        paused = false;
        socket.resume();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      const frame = Buffer.allocUnsafe(chunk.length + 1);
      frame[0] = DATA;
      chunk.copy(frame, 1);
      ws.send(frame, { binary: true }, resumeIfDrained);
      if (!paused && ws.bufferedAmount > HIGH_WATER) {
        paused = true;
        socket.pause();
      }
    });
    socket.on('end', () => {
      if (ws.protocol === 'v5.channel.k8s.io') ws.send(Buffer.from([CLOSE_STREAM, DATA]));
      else ws.close();
    });
    socket.on('close', () => this.close());
    this.sink = (payload) => {
      if (!socket.write(payload)) {
        ws.pause();
        socket.once('drain', () => ws.resume());
      }
    };
    for (const b of this.early.splice(0)) this.sink(b);
    ws.on('close', () => socket.end());
    socket.resume();
  }

  close(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close();
    else if (this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
  }
}
