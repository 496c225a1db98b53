import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { AgentClient } from '../extension/agent/client';
import { LogSession } from '../extension/logs/log-session';
import { KubeClient } from '../agent/kube/client';
import type { KubeObject, Pod } from '../agent/kube/objects';
import { LogModel, stampKey } from '../webview/logs/model';
import { KUBECTL } from '../test/support/kubectl';
import { startSandboxProcess } from '../test/support/sandbox-process';
import { startAgentProcess } from './agent.bench';
import { type BenchResult, percentile, rssMiB } from './harness';

/*
 * The incident toolkit under load. Logs: 20 pods × 1,000 lines/s followed for a window through the agent
 * process, its WebSocket and the extension's log session into the panel's model, side by side with
 * `kubectl logs -f -l … --max-log-requests=20` on the same sandbox (lines per second, loss, lag from the
 * kubelet's stamp to arrival, agent RSS). Port-forward: request latency, 48 KiB echo throughput (alternating
 * rounds, medians) and a 32 MiB download through an agent-kept forward against a direct loopback connection
 * to the pod's address.
 */

const NAMESPACE = 'bench-logs';
const PODS = 20;
const RATE = 1_000;
const WINDOW_MS = 10_000;

function logDeployment(): KubeObject & Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'chatty', namespace: NAMESPACE },
    spec: {
      replicas: PODS,
      selector: { matchLabels: { app: 'chatty' } },
      template: {
        metadata: { labels: { app: 'chatty' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'ghcr.io/bench/chatty:1.0.0',
              ports: [{ containerPort: 8080 }],
              env: [
                { name: 'SANDBOX_LOG_FORMAT', value: 'sequence' },
                { name: 'SANDBOX_LOG_RATE', value: String(RATE) },
              ],
            },
          ],
        },
      },
    },
  };
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Per pod, the sequence numbers seen must be contiguous: returns how many are missing or repeated. */
function gaps(seqsByPod: Map<string, number[]>): number {
  let bad = 0;
  for (const seqs of seqsByPod.values()) {
    for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1]! + 1) bad++;
  }
  return bad;
}

function addSeq(map: Map<string, number[]>, pod: string, text: string): void {
  const m = /^seq=(\d+) /.exec(text);
  if (m === null) return;
  let list = map.get(pod);
  if (list === undefined) map.set(pod, (list = []));
  list.push(Number(m[1]));
}

async function benchLogs(kubeconfig: string, client: KubeClient, configDir: string): Promise<BenchResult[]> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await client.create(logDeployment());
  await waitFor('20 running pods', async () => {
    const pods = await client.list<Pod>('v1', 'Pod', NAMESPACE);
    return pods.filter((p) => p.status?.phase === 'Running').length === PODS;
  });

  // Slipway: agent process → WebSocket → log session → panel model.
  const agentProc = await startAgentProcess(configDir, kubeconfig);
  const ac = new AgentClient('bench-logs');
  await ac.connect({ port: agentProc.port, token: agentProc.token });
  const model = new LogModel(50_000);
  const lags: number[] = [];
  const seqs = new Map<string, number[]>();
  let counting = false;
  let received = 0;
  let win = { from: 0, to: Infinity };
  const session = new LogSession(
    () => ac,
    {
      context: 'sandbox',
      namespace: NAMESPACE,
      workload: { kind: 'Deployment', name: 'chatty' },
      follow: true,
      tailLines: 0,
    },
    {
      lines: (lines) => {
        const now = Date.now();
        model.add(lines);
        if (!counting) return;
        for (const l of lines) {
          const at = Date.parse(l.ts);
          if (at >= win.from && at < win.to) received++;
          lags.push(now - Date.parse(l.ts));
          addSeq(seqs, l.pod, l.text);
        }
      },
      notes: () => undefined,
      state: () => undefined,
    },
  );
  void session.start();

  // kubectl on the same sandbox and pods, in the same window: both read exactly the lines the pods wrote.
  const child = spawn(
    KUBECTL,
    [
      '--kubeconfig',
      kubeconfig,
      'logs',
      '-f',
      '-l',
      'app=chatty',
      '-n',
      NAMESPACE,
      '--max-log-requests=20',
      '--tail=0',
      '--timestamps',
      '--prefix',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let kCount = 0;
  const kLags: number[] = [];
  const kSeqs = new Map<string, number[]>();
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    const now = Date.now();
    const lines = (rest + d).split('\n');
    rest = lines.pop() ?? '';
    if (!counting) return;
    for (const l of lines) {
      // [pod/NAME/app] STAMP seq=N ...
      const m = /^\[pod\/([^/]+)\/[^\]]+\] (\S+) (.*)$/.exec(l);
      if (m === null) continue;
      const at = Date.parse(m[2]!);
      if (at >= win.from && at < win.to) kCount++;
      kLags.push(now - at);
      addSeq(kSeqs, m[1]!, m[3]!);
    }
  });
  await new Promise((r) => setTimeout(r, 2_000));
  // Throughput: lines stamped inside the window that arrived by one second after it.
  counting = true;
  win = { from: Date.now(), to: Date.now() + WINDOW_MS };
  await new Promise((r) => setTimeout(r, WINDOW_MS + 1_000));
  counting = false;
  const slipwayRate = received / (WINDOW_MS / 1000);
  const kubectlRate = kCount / (WINDOW_MS / 1000);
  const rss = rssMiB(agentProc.pid);
  child.kill('SIGTERM');
  session.stop();
  ac.close();
  await agentProc.stop();
  const sorted = model.all().every((l, i, a) => i === 0 || stampKey(a[i - 1]!.ts) <= l.key);
  return [
    {
      name: 'logs 20 pods × 1,000/s: slipway lines/s (agent → panel model)',
      value: slipwayRate,
      unit: 'lines/s',
      target: '≥ kubectl',
      note: `ratio ${(slipwayRate / kubectlRate).toFixed(2)}× kubectl`,
    },
    { name: 'logs: kubectl logs -f -l --max-log-requests=20 lines/s', value: kubectlRate, unit: 'lines/s' },
    { name: 'logs: slipway lost or repeated lines', value: gaps(seqs), unit: 'lines', target: '0' },
    { name: 'logs: kubectl lost or repeated lines', value: gaps(kSeqs), unit: 'lines' },
    {
      name: 'logs: slipway lag p95 (kubelet stamp → panel model)',
      value: percentile(lags, 95),
      unit: 'ms',
      target: '≤ 250',
      note: `p50 ${percentile(lags, 50).toFixed(0)} ms`,
    },
    {
      name: 'logs: kubectl lag p95 (kubelet stamp → stdout)',
      value: percentile(kLags, 95),
      unit: 'ms',
      note: `p50 ${percentile(kLags, 50).toFixed(0)} ms`,
    },
    {
      name: 'logs: agent RSS after the window',
      value: rss,
      unit: 'MiB',
      note: `panel model kept ${model.size} lines (cap 50,000), dropped ${model.dropped}; in time order: ${String(sorted)}`,
    },
  ];
}

function timedGet(agent: Agent, host: string, port: number, path: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const req = request({ host, port, path, agent, method: body === undefined ? 'GET' : 'POST' }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - t) / 1e6 + n * 0);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ECHO_BODY = Buffer.alloc(48 * 1024, 'x');

async function latency(host: string, port: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 50; i++) await timedGet(agent, host, port, '/health');
  const times: number[] = [];
  for (let i = 0; i < 500; i++) times.push(await timedGet(agent, host, port, '/health'));
  agent.destroy();
  return times;
}

/** 48 KiB echoed back and forth on one keep-alive connection for `ms`: MB/s both ways. */
async function echoThroughput(host: string, port: number, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  await timedGet(agent, host, port, '/echo', ECHO_BODY);
  const t0 = Date.now();
  let bytes = 0;
  while (Date.now() - t0 < ms) {
    await timedGet(agent, host, port, '/echo', ECHO_BODY);
    bytes += ECHO_BODY.length * 2;
  }
  agent.destroy();
  return bytes / 1e6 / ((Date.now() - t0) / 1000);
}

/** One 32 MiB download from the pod's /bytes: MB/s. */
function bulkThroughput(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    const req = request({ host, port, path: `/bytes?n=${32 * 1024 * 1024}` }, (res) => {
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve(bytes / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9)));
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]): number => percentile(xs, 50);

async function benchForward(
  kubeconfig: string,
  client: KubeClient,
  configDir: string,
): Promise<BenchResult[]> {
  // A quiet pod for the forward: the chatty ones are scaled away first so logging does not skew timings.
  await client.patch(
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: 'chatty' },
    { spec: { replicas: 0 } },
    'merge',
  );
  await waitFor('the chatty pods to go', async () => {
    const pods = await client.list<Pod>('v1', 'Pod', NAMESPACE, { labelSelector: 'app=chatty' });
    return pods.length === 0;
  });
  await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'quiet', namespace: NAMESPACE },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'ghcr.io/bench/quiet:1.0.0',
          ports: [{ containerPort: 8080 }],
          env: [{ name: 'SANDBOX_LOG_RATE', value: '0' }],
        },
      ],
    },
  } as KubeObject);
  let ip = '';
  await waitFor('the quiet pod', async () => {
    const p = await client.get<Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE, name: 'quiet' });
    ip = p?.status?.podIP ?? '';
    return p?.status?.phase === 'Running' && ip !== '';
  });
  const agentProc = await startAgentProcess(configDir, kubeconfig);
  const ac = new AgentClient('bench-forward');
  await ac.connect({ port: agentProc.port, token: agentProc.token });
  const fwd = await ac.request('forward.start', {
    context: 'sandbox',
    namespace: NAMESPACE,
    target: { kind: 'pod', name: 'quiet' },
    port: 8080,
  });
  const local = { host: '127.0.0.1', port: fwd.localPort };
  const pod = { host: ip, port: 8080 };
  // Direct and forwarded rounds alternate so that a noisy moment on a shared machine hits both alike.
  const rounds = { direct: [] as number[], forwarded: [] as number[] };
  const bulk = { direct: [] as number[], forwarded: [] as number[] };
  for (let i = 0; i < 5; i++) {
    rounds.direct.push(await echoThroughput(pod.host, pod.port, 1_500));
    rounds.forwarded.push(await echoThroughput(local.host, local.port, 1_500));
  }
  for (let i = 0; i < 3; i++) {
    bulk.direct.push(await bulkThroughput(pod.host, pod.port));
    bulk.forwarded.push(await bulkThroughput(local.host, local.port));
  }
  const directTimes = await latency(pod.host, pod.port);
  const forwardedTimes = await latency(local.host, local.port);
  await ac.request('forward.stop', { id: fwd.id });
  ac.close();
  await agentProc.stop();
  const echo = { direct: median(rounds.direct), forwarded: median(rounds.forwarded) };
  const big = { direct: median(bulk.direct), forwarded: median(bulk.forwarded) };
  const p = (xs: number[], q: number): number => percentile(xs, q);
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
  return [
    {
      name: 'port-forward: direct loopback to the pod, 48 KiB echo throughput',
      value: echo.direct,
      unit: 'MB/s',
      note: `median of 5 rounds: ${list(rounds.direct)}`,
    },
    {
      name: 'port-forward: through the agent, 48 KiB echo throughput',
      value: echo.forwarded,
      unit: 'MB/s',
      target: '≥ 50% of direct',
      note: `ratio ${((echo.forwarded / echo.direct) * 100).toFixed(0)}% of direct; rounds ${list(rounds.forwarded)}`,
    },
    {
      name: 'port-forward: direct loopback, 32 MiB download',
      value: big.direct,
      unit: 'MB/s',
      note: `median of 3: ${list(bulk.direct)}`,
    },
    {
      name: 'port-forward: through the agent, 32 MiB download',
      value: big.forwarded,
      unit: 'MB/s',
      note: `ratio ${((big.forwarded / big.direct) * 100).toFixed(0)}% of direct: TLS to the API server and its WebSocket framing bound a stream; rounds ${list(bulk.forwarded)}`,
    },
    {
      name: 'port-forward: direct GET /health p50',
      value: p(directTimes, 50),
      unit: 'ms',
      note: `p95 ${p(directTimes, 95).toFixed(2)} ms`,
    },
    {
      name: 'port-forward: forwarded GET /health p50',
      value: p(forwardedTimes, 50),
      unit: 'ms',
      target: '≤ direct + 1 ms',
      note: `added ${(p(forwardedTimes, 50) - p(directTimes, 50)).toFixed(2)} ms; p95 ${p(forwardedTimes, 95).toFixed(2)} ms`,
    },
  ];
}

export async function benchObserve(): Promise<BenchResult[]> {
  const sandbox = await startSandboxProcess('empty');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(sandbox.kubeconfig);
  const client = new KubeClient(kc, 'sandbox');
  const configDir = mkdtempSync(join(tmpdir(), 'slipway-bench-observe-'));
  try {
    return [
      ...(await benchLogs(sandbox.kubeconfig, client, configDir)),
      ...(await benchForward(sandbox.kubeconfig, client, configDir)),
    ];
  } finally {
    await sandbox.stop();
  }
}
