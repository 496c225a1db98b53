import type { Socket } from 'node:net';
import type { KubeClient } from '../kube/client';
import { WsFrames } from '../kube/ws-frames';

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
const DATA_CHANNEL = Buffer.from([DATA]);

/**
 * One TCP connection to a pod's port through the API server (`pods/portforward`, one port: channel 0
 * carries data, channel 1 errors, each first carries the port number in 2 bytes). Bytes stream through
 * as they arrive, both ways with backpressure, and are never copied on the way.
 */
export class PodTunnel {
  private readonly headerLeft = [2, 2];
  private channel = -1;
  private sink: ((payload: Buffer) => void) | undefined;
  private readonly early: Buffer[] = [];
  private errorText = '';
  private readonly errorListeners: ((message: string) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private ended = false;
  private readonly frames: WsFrames;

  private constructor(
    private readonly upstream: Socket,
    head: Buffer,
    private readonly protocol: string,
  ) {
    this.frames = new WsFrames(upstream, head, {
      data: (slice, start) => this.onData(slice, start),
      closed: () => {
        this.ended = true;
        for (const l of this.closeListeners.splice(0)) l();
      },
    });
  }

  /** Opens the tunnel; an RBAC refusal, a missing pod or an unreachable server throws AgentFailure. */
  static async open(
    client: KubeClient,
    namespace: string,
    pod: string,
    port: number,
    signal?: AbortSignal,
  ): Promise<PodTunnel> {
    const up = await client.upgrade(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`,
      { query: { ports: port }, protocols: PROTOCOLS, ...(signal === undefined ? {} : { signal }) },
    );
    return new PodTunnel(up.socket, up.head, up.protocol);
  }

  private onData(slice: Buffer, start: boolean): void {
    let payload = slice;
    if (start) {
      this.channel = payload[0]!;
      payload = payload.subarray(1);
    }
    const channel = this.channel;
    if (channel !== DATA && channel !== ERROR) return;
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
    if (this.sink === undefined) this.early.push(Buffer.from(payload));
    else this.sink(payload);
  }

  /** The text the pod's side sent on the error channel so far ('' while all is well). */
  get error(): string {
    return this.errorText.trim();
  }

  onError(listener: (message: string) => void): void {
    this.errorListeners.push(listener);
  }

  /**
   * Joins a local socket to the tunnel until either side ends: bytes flow both ways with backpressure,
   * the socket's end half-closes the pod's side (v5) and the tunnel's close ends the socket.
   */
  pipe(socket: Socket): void {
    const up = this.upstream;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (!this.frames.send([DATA_CHANNEL, chunk]) && !up.destroyed) {
        socket.pause();
        up.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => {
      if (this.protocol === 'v5.channel.k8s.io') this.frames.send([Buffer.from([CLOSE_STREAM, DATA])]);
      else this.frames.close();
    });
    socket.on('close', () => this.close());
    this.sink = (payload) => {
      if (!socket.write(payload)) {
        up.pause();
        socket.once('drain', () => up.resume());
      }
    };
    for (const b of this.early.splice(0)) this.sink(b);
    if (this.ended) socket.end();
    else this.closeListeners.push(() => socket.end());
    socket.resume();
  }

  close(): void {
    this.frames.close();
  }
}
