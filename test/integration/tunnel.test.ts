import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { AgentFailure } from '../../protocol';
import { KubeClient } from '../../agent/kube/client';
import type { KubeObject, Pod } from '../../agent/kube/objects';
import { PodTunnel } from '../../agent/observe/tunnel';
import { type RunningSandbox, startSandbox } from '../support/in-process';

/** One raw HTTP/1.1 exchange over a fresh connection; the reply is read only after `readDelayMs`. */
function exchange(port: number, request: Buffer, readDelayMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('error', reject);
    s.on('connect', () => {
      s.write(request);
      if (readDelayMs > 0) {
        s.pause();
        setTimeout(() => s.resume(), readDelayMs);
      }
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function post(path: string, body: string): Buffer {
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: pod\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

describe('a tunnel to a pod port through the API server (pods/portforward)', function () {
  this.timeout(60_000);
  let sb: RunningSandbox;
  let kube: KubeClient;
  let pod: string | undefined;
  let server: Server;
  let port: number;

  before(async () => {
    sb = await startSandbox('demo');
    kube = new KubeClient(sb.kc, 'sandbox');
    for (let i = 0; pod === undefined; i++) {
      if (i === 200) assert.fail('no gateway pod became ready');
      const pods = await kube.list<Pod>('v1', 'Pod', 'shop');
      const ready = pods.find(
        (p) =>
          p.metadata.name.startsWith('gateway-') &&
          (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (ready !== undefined) pod = ready.metadata.name;
      else await new Promise((r) => setTimeout(r, 100));
    }
    server = await new Promise<Server>((resolve) => {
      const s = createServer({ pauseOnConnect: true }, (socket) => {
        PodTunnel.open(kube, 'shop', pod!, 4000).then(
          (t) => t.pipe(socket),
          () => socket.destroy(),
        );
      }).listen(0, '127.0.0.1', () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.close();
    await sb?.stop();
  });

  it('carries a large body both ways byte for byte, also when the reader is slow', async () => {
    const body = randomBytes(600 * 1024).toString('base64');
    for (const delay of [0, 500]) {
      const reply = await exchange(port, post('/echo', body), delay);
      assert.match(reply, /^HTTP\/1\.1 200 /);
      const json = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { body: string; pod: string };
      assert.equal(json.pod, pod);
      assert.equal(json.body.length, body.length);
      assert.ok(json.body === body, 'the echoed body equals the sent one');
    }
  });

  it('carries many connections at once, each to its own end', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `${i}:${randomBytes(2048).toString('hex')}`);
    const replies = await Promise.all(bodies.map((b) => exchange(port, post('/echo', b))));
    replies.forEach((r, i) => {
      const json = JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4)) as { body: string };
      assert.equal(json.body, bodies[i]);
    });
  });

  it('reports what the kubelet says on the error channel when nothing listens on the port', async () => {
    const t = await PodTunnel.open(kube, 'shop', pod!, 4999);
    const message = await new Promise<string>((resolve) => t.onError(resolve));
    t.close();
    assert.match(message, /4999/);
    assert.equal(t.error, message);
  });

  it('turns a refused upgrade into the server’s reason: RBAC 403 and a missing pod', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sb.kubeconfigPath);
    kc.setCurrentContext('sandbox-readonly');
    const viewer = new KubeClient(kc, 'sandbox-readonly');
    const forbidden = await PodTunnel.open(viewer, 'shop', pod!, 4000).catch((e: unknown) => e);
    assert.ok(forbidden instanceof AgentFailure);
    assert.equal(forbidden.error.code, 'FORBIDDEN');
    assert.match(forbidden.error.message, /portforward/);
    const missing = await PodTunnel.open(kube, 'shop', 'no-such-pod', 4000).catch((e: unknown) => e);
    assert.ok(missing instanceof AgentFailure);
    assert.equal(missing.error.code, 'NOT_FOUND');
  });

  it('says why a pod that is not running cannot be reached, without blaming a manifest', async () => {
    await kube.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'never-scheduled', namespace: 'shop' },
      spec: { nodeName: 'no-such-node', containers: [{ name: 'app', image: 'ghcr.io/x/y:1' }] },
    } as KubeObject);
    const err = await PodTunnel.open(kube, 'shop', 'never-scheduled', 80).catch((e: unknown) => e);
    assert.ok(err instanceof AgentFailure);
    assert.equal(err.error.code, 'INVALID');
    assert.match(
      err.error.message,
      /^The API server refused the connection: pod never-scheduled is not running/,
    );
    assert.doesNotMatch(err.error.message, /manifest/);
  });
});
