import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { ManualClock } from '../clock';
import { PodApp, type PodAppOptions } from './app';
import { healthyBehavior, type Behavior } from './behavior';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over a fresh connection, so no keep-alive socket outlives a test. */
function request(
  host: string,
  port: number,
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, path, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const IP = '127.1.77.5';
const apps: PodApp[] = [];

async function startApp(overrides: Partial<Behavior> = {}, extra: Partial<PodAppOptions> = {}) {
  const clock = new ManualClock();
  const accessLog: string[] = [];
  const app = new PodApp({
    ip: IP,
    ports: [0],
    probePaths: ['/actuator/health/liveness', '/actuator/health/readiness'],
    behavior: { ...healthyBehavior(), ...overrides },
    clock,
    onAccessLog: (line) => accessLog.push(line),
    podName: 'web-7d9f8c6b5-x2k9q',
    namespace: 'shop',
    ...extra,
  });
  apps.push(app);
  await app.listen();
  const port = app.boundPorts()[0]!;
  const get = (path: string, init?: Parameters<typeof request>[3]) => request(IP, port, path, init);
  return { app, clock, accessLog, port, get };
}

async function statuses(get: (p: string) => Promise<Answer>, paths: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const p of paths) out.push((await get(p)).status);
  return out;
}

/** Parses Prometheus text format into sample name+labels → value, checking every line is well formed. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  assert.ok(text.endsWith('\n'));
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('#')) {
      assert.match(line, /^# (HELP|TYPE) [a-z_]+ .+$/);
      continue;
    }
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('PodApp probes', () => {
  it('answers 503 everywhere until started, then liveness 200, then readiness 200 once ready', async () => {
    const { app, get } = await startApp();
    const paths = ['/healthz', '/actuator/health/liveness', '/readyz', '/actuator/health/readiness', '/'];
    assert.deepEqual(await statuses(get, paths), [503, 503, 503, 503, 503]);
    app.setState({ started: true, ready: false });
    assert.deepEqual(await statuses(get, paths), [200, 200, 503, 503, 200]);
    app.setState({ started: true, ready: true });
    assert.deepEqual(await statuses(get, paths), [200, 200, 200, 200, 200]);
    assert.deepEqual(await statuses(get, ['/health', '/livez', '/ready']), [200, 200, 200]);
  });

  it('fails readiness for unready behaviour and liveness for crash behaviour whatever the state says', async () => {
    const unready = await startApp({ unready: true });
    unready.app.setState({ started: true, ready: true });
    assert.deepEqual(await statuses(unready.get, ['/healthz', '/readyz']), [200, 503]);
    const crash = await startApp({ crash: true });
    crash.app.setState({ started: true, ready: true });
    assert.deepEqual(await statuses(crash.get, ['/healthz', '/readyz']), [503, 200]);
  });

  it('classifies declared probe paths with readinessPaths when given', async () => {
    const { app, get } = await startApp(
      {},
      { probePaths: ['/ping', '/status'], readinessPaths: ['/status'] },
    );
    app.setState({ started: true, ready: false });
    assert.deepEqual(await statuses(get, ['/ping', '/status']), [200, 503]);
  });
});

describe('PodApp routes', () => {
  it('greets on / with the pod name and 404s unknown paths', async () => {
    const { app, get, port } = await startApp();
    app.setState({ started: true, ready: true });
    const hello = await get('/');
    assert.equal(hello.status, 200);
    assert.equal(hello.headers['x-served-by'], 'web-7d9f8c6b5-x2k9q');
    assert.deepEqual(JSON.parse(hello.body), {
      message: 'Hello from web-7d9f8c6b5-x2k9q',
      pod: 'web-7d9f8c6b5-x2k9q',
      namespace: 'shop',
      ip: IP,
      port,
    });
    assert.equal((await get('/nope')).status, 404);
  });

  it('echoes method, path, query, headers and body as JSON', async () => {
    const { app, get } = await startApp();
    app.setState({ started: true, ready: true });
    const res = await get('/echo?a=1&a=2&b=x', {
      method: 'POST',
      body: '{"hi":1}',
      headers: { 'x-test': 'yes' },
    });
    const echo = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(echo['method'], 'POST');
    assert.equal(echo['path'], '/echo');
    assert.deepEqual(echo['query'], { a: ['1', '2'], b: 'x' });
    assert.equal((echo['headers'] as Record<string, string>)['x-test'], 'yes');
    assert.equal(echo['body'], '{"hi":1}');
  });

  it('streams exactly n pattern bytes from /bytes and refuses a bad n', async () => {
    const { app, get } = await startApp();
    app.setState({ started: true, ready: true });
    const res = await get('/bytes?n=200001');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 200_001);
    assert.ok(res.body.startsWith('slipway-sandbox-bytes\nslipway'));
    assert.equal((await get('/bytes?n=0')).body, '');
    assert.equal((await get('/bytes?n=-1')).status, 400);
    assert.equal((await get('/bytes')).status, 400);
  });

  it('fails exactly the configured share of application requests, deterministically, never probes or /metrics', async () => {
    const { app, get } = await startApp({ errorRatio: 0.25 });
    app.setState({ started: true, ready: true });
    assert.deepEqual(
      await statuses(get, ['/', '/', '/', '/', '/healthz', '/readyz', '/metrics', '/', '/', '/', '/']),
      [200, 200, 200, 500, 200, 200, 200, 200, 200, 200, 500],
    );
  });

  it('delays application answers by the latency on the injected clock, but not probes or /metrics', async () => {
    const { app, clock, get } = await startApp({ latencyMs: 250 });
    app.setState({ started: true, ready: true });
    assert.equal((await get('/healthz')).status, 200);
    let answered = false;
    const pending = get('/').then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answered, false);
    clock.advance(250);
    assert.equal((await pending).status, 200);
    const metrics = parseMetrics((await get('/metrics')).body);
    assert.equal(metrics.get('http_request_duration_seconds_sum{method="GET",path="/"}'), 0.25);
    assert.equal(metrics.get('http_request_duration_seconds_bucket{method="GET",path="/",le="0.1"}'), 0);
    assert.equal(metrics.get('http_request_duration_seconds_bucket{method="GET",path="/",le="0.25"}'), 1);
  });
});

describe('PodApp /metrics', () => {
  it('serves Prometheus text format 0.0.4 that counts requests by method, path and status', async () => {
    const { app, get } = await startApp();
    app.setState({ started: true, ready: true });
    await statuses(get, ['/', '/', '/healthz', '/x', '/y']);
    await get('/echo', { method: 'POST', body: 'b' });
    const res = await get('/metrics');
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const m = parseMetrics(res.body);
    assert.equal(m.get('http_requests_total{method="GET",path="/",status="200"}'), 2);
    assert.equal(m.get('http_requests_total{method="GET",path="/healthz",status="200"}'), 1);
    assert.equal(m.get('http_requests_total{method="GET",path="unmatched",status="404"}'), 2);
    assert.equal(m.get('http_requests_total{method="POST",path="/echo",status="200"}'), 1);
    assert.equal(m.get('http_request_duration_seconds_count{method="GET",path="/"}'), 2);
    assert.equal(m.get('http_request_duration_seconds_bucket{method="GET",path="/",le="+Inf"}'), 2);
    assert.ok((m.get('process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(m.has('process_cpu_seconds_total'));
    for (const name of ['http_requests_total counter', 'http_request_duration_seconds histogram']) {
      assert.match(res.body, new RegExp(`^# TYPE ${name}$`, 'm'));
    }
  });

  it('counts the scrape itself in the next scrape', async () => {
    const { app, get } = await startApp();
    app.setState({ started: true, ready: true });
    await get('/metrics');
    const m = parseMetrics((await get('/metrics')).body);
    assert.equal(m.get('http_requests_total{method="GET",path="/metrics",status="200"}'), 1);
  });
});

describe('PodApp access log', () => {
  it('writes one combined-format line with request time for every served request, probes included', async () => {
    const { app, get, accessLog } = await startApp();
    app.setState({ started: true, ready: true });
    await get('/?q="x"', { headers: { 'user-agent': 'kube-probe/1.31', referer: 'http://r/' } });
    await get('/missing');
    assert.equal(accessLog.length, 2);
    assert.match(
      accessLog[0]!,
      /^127\.0\.0\.1 - - \[01\/Jan\/2026:00:00:00 \+0000\] "GET \/\?q=\\"x\\" HTTP\/1\.1" 200 \d+ "http:\/\/r\/" "kube-probe\/1\.31" 0\.000$/,
    );
    assert.match(accessLog[1]!, /"GET \/missing HTTP\/1\.1" 404 \d+ "-" "-" /);
  });
});

describe('PodApp ports and usage', () => {
  it('reports a port already in use without rejecting, and keeps serving the other ports', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, IP, r));
    const busy = (blocker.address() as net.AddressInfo).port;
    const warnings: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((w: string | Error) =>
      void warnings.push(String(w))) as typeof process.emitWarning;
    try {
      const { app } = await startApp({}, { ports: [busy, 0] });
      const [failed, ok] = app.bindings();
      assert.equal(failed?.error?.code, 'EADDRINUSE');
      assert.match(
        failed?.error?.message ?? '',
        new RegExp(`shop/web-7d9f8c6b5-x2k9q: cannot listen on ${IP}:${busy}: address already in use`),
      );
      assert.equal(failed?.port, undefined);
      assert.deepEqual(app.boundPorts(), [ok?.port]);
      app.setState({ started: true, ready: true });
      assert.equal((await request(IP, ok!.port!, '/healthz')).status, 200);
      assert.equal(warnings.length, 1);
    } finally {
      process.emitWarning = original;
      await new Promise((r) => blocker.close(r));
    }
  });

  it('releases its ports on close so the next instance can bind the same port', async () => {
    const first = await startApp();
    await first.app.close();
    const second = await startApp({}, { ports: [first.port, first.port] });
    assert.deepEqual(second.app.boundPorts(), [first.port]);
  });

  it('reports CPU that rises with request rate and a startup spike before the app has started', async () => {
    const { app, get } = await startApp();
    const booting = app.usage();
    app.setState({ started: true, ready: true });
    const idle = app.usage();
    assert.ok(
      booting.cpuMillicores > 100 && idle.cpuMillicores < 20,
      `${booting.cpuMillicores} / ${idle.cpuMillicores}`,
    );
    for (let i = 0; i < 300; i++) await get('/');
    const busy = app.usage();
    assert.ok(busy.cpuMillicores > idle.cpuMillicores + 2);
    assert.ok(busy.memoryBytes > idle.memoryBytes);
    assert.equal(busy.memoryBytes % 4096, 0);
  });
});
