import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Agent as HttpsAgent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AgentClient, type TopicHandlers } from '../extension/agent/client';
import type { TopicParams, TopicState } from '../protocol';
import { findCodeServerEntry, startWorkbench } from '../test/e2e/harness';
import { KUBECTL } from '../test/support/kubectl';
import { CLI, REPO, type SandboxProcess, startSandboxProcess } from '../test/support/sandbox-process';
import { type BenchResult, percentile, rssMiB } from './harness';

/*
 * The agent as the extension meets it, with its peers: a warm Services expand against `kubectl get`, the
 * delay from a scale to the subscriber's mirror, the agent's memory with a whole scale:10000 cluster
 * subscribed; and the extension's own cost: activation (in code-server and with a stand-in `vscode`) and
 * the VSIX size. Every process started here is stopped in a `finally`, and killed on exit as a last resort.
 */

const NAMESPACE = 'scale-000';
// Enough samples that a p95 is not simply the worst run (or one GC pause) on either side of a ratio.
const WARM_SUBSCRIPTIONS = 100;
const FRESH_CONNECTIONS = 20;
const KUBECTL_RUNS = 20;
const SCALE_CHANGES = 20;
const STANDIN_PROCESSES = 20;
const CODE_SERVER_WORKBENCHES = 3;

type ServicesState = TopicState<'services'>;

function msSince(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function p50p95(values: number[]): string {
  return `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms`;
}

/** A field of /proc/PID/status in MiB (VmRSS, VmHWM, ...). */
function procMiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

/** SIGKILLs the child if this process exits while it still runs; the returned function cancels that. */
function killOnExit(child: ChildProcess): () => void {
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', kill);
  return () => process.off('exit', kill);
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the child has exited. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function run(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: opts.cwd ?? REPO,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// The agent as a real process.

export interface AgentProcess {
  pid: number;
  port: number;
  token: string;
  stop(): Promise<void>;
}

/** `node dist/cli.js agent` with its discovery file in `configDir`, never the user's own agent. */
export async function startAgentProcess(configDir: string, kubeconfig: string): Promise<AgentProcess> {
  const child = spawn(process.execPath, [CLI, 'agent'], {
    env: { ...process.env, SLIPWAY_CONFIG_DIR: configDir, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const cancelKill = killOnExit(child);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    cancelKill();
  };
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not get ready in 20 s:\n${out}`)), 20_000);
      child.stdout!.on('data', () => {
        const m = /^agent ready (\d+)$/m.exec(out);
        if (m === null) return;
        clearTimeout(timer);
        resolve(Number(m[1]));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent exited with ${String(code)} before ready:\n${out}`));
      });
    });
    const discovery = JSON.parse(readFileSync(join(configDir, 'agent.json'), 'utf8')) as {
      port: number;
      token: string;
    };
    if (discovery.port !== port) throw new Error(`agent.json names port ${discovery.port}, not ${port}`);
    return { pid: child.pid!, port, token: discovery.token, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** One `services` subscription's mirror, as the extension keeps it, with waits on its state. */
class ServicesMirror {
  state: ServicesState | undefined;
  snapshots = 0;
  error: string | undefined;
  private readonly waiters = new Set<{ test: (s: ServicesState) => boolean; resolve: () => void }>();

  readonly handlers: TopicHandlers<'services'> = {
    onState: (state, error, changed) => {
      this.state = state;
      if (changed === 'snapshot') this.snapshots++;
      if (error !== null) this.error = `${error.code}: ${error.message}`;
      for (const w of this.waiters) {
        if (!w.test(state)) continue;
        this.waiters.delete(w);
        w.resolve();
      }
    },
  };

  waitFor(test: (s: ServicesState) => boolean, timeoutMs: number, what: string): Promise<void> {
    if (this.state !== undefined && test(this.state)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}${this.error ? ` (${this.error})` : ''}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

interface OpenSubscription {
  mirror: ServicesMirror;
  /** From sending `sub` to the snapshot handed to the subscriber. */
  ms: number;
  dispose(): void;
}

async function openServices(
  client: AgentClient,
  params: TopicParams<'services'>,
  timeoutMs: number,
): Promise<OpenSubscription> {
  const mirror = new ServicesMirror();
  const t = process.hrtime.bigint();
  const sub = client.subscribe('services', params, mirror.handlers);
  try {
    await mirror.waitFor(
      () => mirror.snapshots > 0,
      timeoutMs,
      `the services snapshot of ${JSON.stringify(params)}`,
    );
  } catch (e) {
    sub.dispose();
    throw e;
  }
  return { mirror, ms: msSince(t), dispose: () => sub.dispose() };
}

function count(state: ServicesState | undefined, c: keyof ServicesState): number {
  return state === undefined ? 0 : Object.keys(state[c]).length;
}

// ---------------------------------------------------------------------------------------------------------
// The sandbox's API, for scaling without kubectl's start-up in the measured path.

interface KubeCreds {
  server: URL;
  ca: string;
  token: string;
}

function kubeCreds(kubeconfig: string, context = 'sandbox'): KubeCreds {
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
  };
  const ctx = cfg.contexts.find((c) => c.name === context)!.context;
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster)!.cluster;
  return {
    server: new URL(cluster.server),
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(),
    token: cfg.users.find((u) => u.name === ctx.user)!.user.token,
  };
}

/** PATCHes a Deployment's scale subresource; resolves with the HTTP status. */
function patchScale(
  c: KubeCreds,
  agent: HttpsAgent,
  namespace: string,
  name: string,
  replicas: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: 'PATCH',
        host: c.server.hostname,
        port: c.server.port,
        path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale`,
        ca: c.ca,
        agent,
        headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'application/merge-patch+json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('PATCH timed out')));
    req.on('error', reject);
    req.end(JSON.stringify({ spec: { replicas } }));
  });
}

/** Waits until every pod of the scenario runs, so the measurements below see a settled cluster. */
async function waitAllRunning(
  c: KubeCreds,
  agent: HttpsAgent,
  pods: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: c.server.hostname,
          port: c.server.port,
          path: '/api/v1/pods?fieldSelector=status.phase%3DRunning&limit=1',
          ca: c.ca,
          agent,
          headers: { Authorization: `Bearer ${c.token}` },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('list timed out')));
      req.on('error', reject);
      req.end();
    });
    const list = JSON.parse(body) as { items: unknown[]; metadata: { remainingItemCount?: number } };
    const running = list.items.length + (list.metadata.remainingItemCount ?? 0);
    if (running >= pods) return;
    if (Date.now() > deadline) throw new Error(`only ${running}/${pods} pods running after ${timeoutMs} ms`);
    await sleep(1_000);
  }
}

// ---------------------------------------------------------------------------------------------------------
// 1–3: warm expand against kubectl, delta latency, RSS with the whole cluster subscribed.

async function benchAgentAtScale(pods: number, work: string): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let sb: SandboxProcess | undefined;
  let cancelSandboxKill: (() => void) | undefined;
  let agent: AgentProcess | undefined;
  const client = new AgentClient('slipway-bench');
  const fresh: AgentClient[] = [];
  const https = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
  try {
    progress(`starting sandbox scale:${pods}, waiting for every pod to run, starting the agent`);
    sb = await startSandboxProcess(`scale:${pods}`);
    cancelSandboxKill = killOnExit(sb.child);
    const creds = kubeCreds(sb.kubeconfig);
    await waitAllRunning(creds, https, pods, 300_000);
    agent = await startAgentProcess(join(work, 'agent-config'), sb.kubeconfig);
    const ep = { port: agent.port, token: agent.token };
    await client.connect(ep);
    const rssIdle = rssMiB(agent.pid);

    // 1. The first expand lists through fresh informers; the warm subscription then stays open all along.
    const params: TopicParams<'services'> = { context: 'sandbox', namespace: NAMESPACE };
    progress(`warm expand of ${NAMESPACE}`);
    const warm = await openServices(client, params, 120_000);
    const nsPods = count(warm.mirror.state, 'pods');
    const nsWorkloads = count(warm.mirror.state, 'workloads');
    const rssOneNamespace = rssMiB(agent.pid);

    // A few unmeasured rounds first, so the figures are of warm code paths as well as a warm cache.
    const subTimes: number[] = [];
    for (let i = -5; i < WARM_SUBSCRIPTIONS; i++) {
      const s = await openServices(client, params, 10_000);
      if (i >= 0) subTimes.push(s.ms);
      s.dispose();
    }
    const connTimes: number[] = [];
    for (let i = -2; i < FRESH_CONNECTIONS; i++) {
      const c = new AgentClient('slipway-bench-fresh');
      fresh.push(c);
      const t = process.hrtime.bigint();
      await c.connect(ep);
      await openServices(c, params, 10_000);
      if (i >= 0) connTimes.push(msSince(t));
      c.close();
    }
    const agentP95 = percentile(subTimes, 95);
    const agentP50 = percentile(subTimes, 50);
    results.push({
      name: `agent warm expand ${NAMESPACE} (sub → snapshot) p95`,
      value: agentP95,
      unit: 'ms',
      target: '≤ 10 ms',
      note: `${p50p95(subTimes)}; ${WARM_SUBSCRIPTIONS} subscriptions on one connection; ${nsPods} pods, ${nsWorkloads} workloads; cold first expand ${warm.ms.toFixed(0)} ms`,
    });
    results.push({
      name: `agent warm expand, fresh connection + subscribe p95`,
      value: percentile(connTimes, 95),
      unit: 'ms',
      note: `${p50p95(connTimes)}; ${FRESH_CONNECTIONS} new AgentClients (WebSocket handshake, hello, sub)`,
    });

    // The peer: kubectl with a warm discovery cache (its first run fills it), same sandbox and namespace.
    progress('kubectl peer');
    const kubectlArgs = [
      '--kubeconfig',
      sb.kubeconfig,
      '--cache-dir',
      join(work, 'kube-cache'),
      'get',
      'deploy,sts,pods',
      '-n',
      NAMESPACE,
    ];
    await run(KUBECTL, kubectlArgs);
    const kTimes: number[] = [];
    for (let i = 0; i < KUBECTL_RUNS; i++) {
      const t = process.hrtime.bigint();
      await run(KUBECTL, kubectlArgs);
      kTimes.push(msSince(t));
    }
    const kP95 = percentile(kTimes, 95);
    const kP50 = percentile(kTimes, 50);
    results.push({
      name: `peer: kubectl get deploy,sts,pods -n ${NAMESPACE} p95`,
      value: kP95,
      unit: 'ms',
      note: `${p50p95(kTimes)}; ${KUBECTL_RUNS} runs, warm discovery cache`,
    });
    results.push({
      name: 'ratio: kubectl / agent warm expand (p95)',
      value: kP95 / agentP95,
      unit: '×',
      target: '≥ 20×',
      note: `p50 ratio ${(kP50 / agentP50).toFixed(1)}×; fresh-connection p95 ratio ${(kP95 / percentile(connTimes, 95)).toFixed(1)}×`,
    });

    // 2. Scale → mirror: each deployment goes up by one, then back, so the cluster ends as it began.
    progress('delta latency');
    const deploymentsInNs = Math.max(1, Math.min(50, Math.ceil(pods / 10)));
    const deltaTimes: number[] = [];
    const patchTimes: number[] = [];
    for (let i = 0; i < SCALE_CHANGES; i++) {
      const name = `svc-${String(Math.floor(i / 2) % deploymentsInNs).padStart(4, '0')}`;
      const key = `Deployment/${NAMESPACE}/${name}`;
      const current = warm.mirror.state?.workloads[key]?.desired;
      if (current === undefined) throw new Error(`the mirror has no ${key}`);
      const replicas = i % 2 === 0 ? current + 1 : current - 1;
      const shown = warm.mirror.waitFor(
        (s) => s.workloads[key]?.desired === replicas,
        10_000,
        `${key} desired ${replicas}`,
      );
      const t = process.hrtime.bigint();
      const patched = patchScale(creds, https, NAMESPACE, name, replicas).then((status) => {
        patchTimes.push(msSince(t));
        if (status !== 200) throw new Error(`PATCH ${key}/scale answered ${status}`);
      });
      await Promise.all([shown.then(() => deltaTimes.push(msSince(t))), patched]);
      // Lets the pod churn of this change settle a little, as between a user's clicks.
      await sleep(250);
    }
    results.push({
      name: 'agent delta: PATCH scale → mirror shows desired, p95',
      value: percentile(deltaTimes, 95),
      unit: 'ms',
      target: '≤ 100 ms',
      note: `${p50p95(deltaTimes)}; ${SCALE_CHANGES} changes; PATCH round trip alone ${p50p95(patchTimes)}`,
    });

    // 3. The whole cluster, as "Show All Namespaces" asks for it.
    progress(`subscribing all namespaces (${pods} pods)`);
    const allNs = await openServices(client, { context: 'sandbox' }, 300_000);
    const snapshotPods = count(allNs.mirror.state, 'pods');
    await allNs.mirror
      .waitFor((s) => Object.keys(s.pods).length >= pods, 15_000, `${pods} pods`)
      .catch(() => undefined);
    const allPods = count(allNs.mirror.state, 'pods');
    const rssAtSnapshot = rssMiB(agent.pid);
    // A short idle lets the collector return the list buffers, as it would in a real session.
    await sleep(3_000);
    const rss = rssMiB(agent.pid);
    results.push({
      name: `agent cold subscribe, all namespaces (${pods} pods) → snapshot`,
      value: allNs.ms,
      unit: 'ms',
      note: `${snapshotPods} pods in the snapshot, ${allPods} in the mirror; ${count(allNs.mirror.state, 'workloads')} workloads`,
    });
    results.push({
      name: `agent RSS, all namespaces subscribed (${pods} pods)`,
      value: rss,
      unit: 'MiB',
      target: '≤ 250 MB (238 MiB)',
      note: `${(rss * 1.048576).toFixed(0)} MB; at snapshot ${rssAtSnapshot.toFixed(0)} MiB, peak ${procMiB(agent.pid, 'VmHWM').toFixed(0)} MiB; idle ${rssIdle.toFixed(0)} MiB, with ${NAMESPACE} only ${rssOneNamespace.toFixed(0)} MiB`,
    });
    allNs.dispose();
    warm.dispose();
  } finally {
    client.close();
    for (const c of fresh) c.close();
    https.destroy();
    await agent?.stop();
    await sb?.stop();
    cancelSandboxKill?.();
    if (sb !== undefined) rmSync(sb.dir, { recursive: true, force: true });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------
// 5: the VSIX, from a production build; a copy of that build is what the activation benchmarks load.

async function benchVsix(
  work: string,
): Promise<{ results: BenchResult[]; extensionDir: string | undefined }> {
  const results: BenchResult[] = [];
  const extensionDir = join(work, 'extension');
  const vsix = join(work, 'slipway.vsix');
  progress('production build and VSIX');
  try {
    await run(process.execPath, ['scripts/build.mjs', '--production']);
    mkdirSync(join(extensionDir, 'dist'), { recursive: true });
    copyFileSync(join(REPO, 'package.json'), join(extensionDir, 'package.json'));
    for (const f of ['extension.js', 'cli.js'])
      copyFileSync(join(REPO, 'dist', f), join(extensionDir, 'dist', f));
    const packed = await run(join(REPO, 'node_modules', '.bin', 'vsce'), [
      'package',
      '--no-dependencies',
      '--out',
      vsix,
    ]);
    const files = /\((\d+) files?/.exec(packed.stdout)?.[1];
    const size = statSync(vsix).size;
    const kib = (f: string): string =>
      `${(statSync(join(extensionDir, 'dist', f)).size / 1024).toFixed(0)} KiB`;
    results.push({
      name: 'VSIX size (production build, vsce package)',
      value: size / 1e6,
      unit: 'MB',
      target: '≤ 3 MB',
      note: `${size} bytes, ${files ?? '?'} files; minified extension.js ${kib('extension.js')}, cli.js ${kib('cli.js')}`,
    });
    return { results, extensionDir };
  } catch (e) {
    results.push({
      name: 'VSIX size (production build, vsce package)',
      value: NaN,
      unit: 'MB',
      target: '≤ 3 MB',
      note: `failed: ${errorText(e)}`,
    });
    return {
      results,
      extensionDir: existsSync(join(extensionDir, 'dist', 'extension.js')) ? extensionDir : undefined,
    };
  } finally {
    // The production build replaced dist/*.js and dropped the sandbox's source map; tests and the rest
    // of the bench need the development build back.
    await run(process.execPath, ['scripts/build.mjs']);
  }
}

// ---------------------------------------------------------------------------------------------------------
// 4a: activate() in fresh Node processes with a stand-in `vscode` that only records calls.

/** The stand-in: the parts of the API activate() touches, each call recorded, nothing drawn. */
const VSCODE_STANDIN = String.raw`'use strict';
const path = require('node:path');
const calls = [];
const record = (name, impl) => (...args) => {
  calls.push(name);
  return impl === undefined ? undefined : impl(...args);
};
class Disposable {
  constructor(fn) { this.fn = fn; }
  static from(...items) { return new Disposable(() => items.forEach((d) => d.dispose())); }
  dispose() { if (this.fn) this.fn(); this.fn = undefined; }
}
class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener) => {
      this.listeners.add(listener);
      return new Disposable(() => this.listeners.delete(listener));
    };
  }
  fire(e) { for (const l of [...this.listeners]) l(e); }
  dispose() { this.listeners.clear(); }
}
const noEvent = () => new Disposable();
/** An API object: known members as given, any other on* member an event, any other member a no-op. */
function standIn(kind, members) {
  return new Proxy(members, {
    get(target, prop) {
      if (prop in target || typeof prop !== 'string' || prop === 'then') return target[prop];
      if (prop.startsWith('on')) return noEvent;
      return record(kind + '.' + prop);
    },
  });
}
class TreeItem { constructor(label, collapsibleState) { this.label = label; this.collapsibleState = collapsibleState; } }
class ThemeIcon { constructor(id, color) { this.id = id; this.color = color; } }
class ThemeColor { constructor(id) { this.id = id; } }
const file = (p) => ({ scheme: 'file', path: p, fsPath: p, toString: () => 'file://' + p });
const Uri = { file, joinPath: (base, ...parts) => file(path.join(base.fsPath, ...parts)) };
const memento = () => {
  const values = new Map();
  return { keys: () => [...values.keys()], get: (k, d) => (values.has(k) ? values.get(k) : d), update: async (k, v) => void values.set(k, v) };
};
const window = standIn('window', {
  createOutputChannel: record('window.createOutputChannel', (name) =>
    standIn('outputChannel', { name, logLevel: 2, onDidChangeLogLevel: noEvent })),
  createTreeView: record('window.createTreeView', () =>
    standIn('treeView', { visible: false, selection: [], description: undefined, message: undefined })),
  createStatusBarItem: record('window.createStatusBarItem', (id) => standIn('statusBarItem', { id })),
  createQuickPick: record('window.createQuickPick', () => standIn('quickPick', { items: [], selectedItems: [] })),
  showErrorMessage: record('window.showErrorMessage', async () => undefined),
  showTextDocument: record('window.showTextDocument', async () => undefined),
});
const workspace = standIn('workspace', {
  getConfiguration: record('workspace.getConfiguration', () =>
    standIn('configuration', { get: (_k, d) => d, update: async () => undefined })),
  onDidChangeConfiguration: record('workspace.onDidChangeConfiguration', noEvent),
});
const commands = standIn('commands', {
  registerCommand: record('commands.registerCommand', () => new Disposable()),
  executeCommand: record('commands.executeCommand', async () => undefined),
});
module.exports = {
  Disposable, EventEmitter, TreeItem, ThemeIcon, ThemeColor, Uri, window, workspace, commands,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
};
Object.defineProperty(module.exports, 'benchRecorder', {
  value: {
    calls,
    context: (extensionPath) => ({
      subscriptions: [],
      extensionPath,
      extensionUri: file(extensionPath),
      workspaceState: memento(),
      globalState: Object.assign(memento(), { setKeysForSync: () => undefined }),
      storageUri: undefined,
      globalStorageUri: file(path.join(extensionPath, '.global-storage')),
      logUri: file(path.join(extensionPath, '.logs')),
      extensionMode: 1,
    }),
  },
});
`;

/** Loads the extension, times activate(), prints one JSON line and exits before any later turn runs. */
const STANDIN_RUNNER = String.raw`'use strict';
const { performance } = require('node:perf_hooks');
const path = require('node:path');
const extensionPath = process.argv[2];
const t0 = performance.now();
const extension = require(path.join(extensionPath, 'dist', 'extension.js'));
const t1 = performance.now();
const { benchRecorder } = require('vscode');
const context = benchRecorder.context(extensionPath);
const t2 = performance.now();
extension.activate(context);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, activateMs: t3 - t2, calls: benchRecorder.calls }) + '\n');
process.exit(0);
`;

async function benchActivationStandIn(extensionDir: string, work: string): Promise<BenchResult[]> {
  progress('extension activation with a stand-in vscode');
  const dir = join(work, 'standin');
  mkdirSync(join(dir, 'node_modules', 'vscode'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'vscode', 'index.js'), VSCODE_STANDIN);
  writeFileSync(join(dir, 'runner.js'), STANDIN_RUNNER);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_PATH: join(dir, 'node_modules'),
    // The supervisor only reads this path during activate(); a stray later turn could not reach a real agent.
    SLIPWAY_CONFIG_DIR: join(dir, 'config'),
  };
  const loads: number[] = [];
  const activations: number[] = [];
  let calls: string[] = [];
  // The first process warms the page cache and is not counted.
  for (let i = 0; i <= STANDIN_PROCESSES; i++) {
    const { stdout } = await run(process.execPath, [join(dir, 'runner.js'), extensionDir], {
      env,
      timeoutMs: 30_000,
    });
    const r = JSON.parse(stdout) as { loadMs: number; activateMs: number; calls: string[] };
    if (i === 0) continue;
    loads.push(r.loadMs);
    activations.push(r.activateMs);
    calls = r.calls;
  }
  const tally = new Map<string, number>();
  for (const c of calls) tally.set(c, (tally.get(c) ?? 0) + 1);
  const summary = [...tally].map(([c, n]) => `${n} ${c}`).join(', ');
  return [
    {
      name: `extension activate(), stand-in vscode, ${STANDIN_PROCESSES} processes p50`,
      value: percentile(activations, 50),
      unit: 'ms',
      target: '≤ 30 ms',
      note: `p95 ${percentile(activations, 95).toFixed(1)} ms; loading dist/extension.js p50 ${percentile(loads, 50).toFixed(1)} ms more; calls: ${summary}`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// 4b: activation in the real extension host (code-server), split the way VS Code reports it.

/**
 * Runs in the extension host as its `extensionTestsPath`: activates Slipway and times the load of its
 * main module and the activate() call by wrapping what Node's loader returns for that module.
 */
const CODE_SERVER_PROBE = String.raw`'use strict';
const Module = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const vscode = require('vscode');
exports.run = async function run() {
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'slipway');
  if (ext === undefined) throw new Error('the Slipway extension is not loaded');
  const main = path.join(ext.extensionPath, 'dist', 'extension.js');
  const result = { wasActive: ext.isActive, loadMs: undefined, activateMs: undefined, totalMs: 0 };
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const t = performance.now();
    const loaded = load.call(this, request, parent, isMain);
    let file;
    try { file = Module._resolveFilename(request, parent, isMain); } catch { file = undefined; }
    if (file !== main || result.loadMs !== undefined) return loaded;
    result.loadMs = performance.now() - t;
    return {
      activate(context) {
        const t1 = performance.now();
        try { return loaded.activate(context); } finally { result.activateMs = performance.now() - t1; }
      },
      deactivate: () => loaded.deactivate(),
    };
  };
  const t0 = performance.now();
  try {
    await ext.activate();
  } finally {
    Module._load = load;
  }
  result.totalMs = performance.now() - t0;
  console.log('slipway-bench-activation ' + JSON.stringify(result));
};
`;

async function benchActivationCodeServer(extensionDir: string, work: string): Promise<BenchResult[]> {
  const name = `extension activate() in code-server, ${CODE_SERVER_WORKBENCHES} workbenches p50`;
  const chromium = process.env['SLIPWAY_CHROMIUM'] ?? '/usr/bin/chromium';
  let entry: string;
  try {
    entry = findCodeServerEntry(REPO);
    if (!existsSync(chromium)) throw new Error(`${chromium} is missing`);
  } catch (e) {
    return [{ name, value: NaN, unit: 'ms', target: '≤ 30 ms', note: `skipped: ${errorText(e)}` }];
  }
  progress('extension activation in code-server');
  const dir = join(work, 'code-server');
  const configDir = join(dir, 'agent-config');
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const probe = join(dir, 'probe.js');
  writeFileSync(probe, CODE_SERVER_PROBE);
  // An agent of our own is advertised to the workbench, so the extension connects instead of starting a
  // detached one that would outlive the bench.
  const kubeconfig = join(dir, 'no-kubeconfig');
  const agent = await startAgentProcess(configDir, kubeconfig);
  const loads: number[] = [];
  const activations: number[] = [];
  const totals: number[] = [];
  const problems: string[] = [];
  try {
    for (let i = 0; i < CODE_SERVER_WORKBENCHES; i++) {
      const wb = await startWorkbench({
        extensionDevelopmentPath: extensionDir,
        extensionTestsPath: probe,
        workspaceFolder: workspace,
        outputDir: join(dir, 'output'),
        codeServerEntry: entry,
        chromiumPath: chromium,
        env: { SLIPWAY_CONFIG_DIR: configDir, KUBECONFIG: kubeconfig },
        output: () => undefined,
      });
      try {
        const code = await wb.waitForTestsExit(60_000);
        const line = wb.logs.find((l) => l.startsWith('slipway-bench-activation '));
        if (code !== 0 || line === undefined) {
          problems.push(`workbench ${i + 1} exited ${code} without a figure`);
          continue;
        }
        const r = JSON.parse(line.slice(line.indexOf(' ') + 1)) as {
          wasActive: boolean;
          loadMs?: number;
          activateMs?: number;
          totalMs: number;
        };
        if (r.wasActive || r.loadMs === undefined || r.activateMs === undefined) {
          problems.push(`workbench ${i + 1}: activation not observed`);
          continue;
        }
        loads.push(r.loadMs);
        activations.push(r.activateMs);
        totals.push(r.totalMs);
      } finally {
        await wb.stop();
      }
    }
  } finally {
    await agent.stop();
    // Had the extension started an agent of its own after all, it would be advertised here: stop it too.
    const advertised = existsSync(join(configDir, 'agent.json'))
      ? (JSON.parse(readFileSync(join(configDir, 'agent.json'), 'utf8')) as { pid: number }).pid
      : undefined;
    if (advertised !== undefined && advertised !== agent.pid) {
      try {
        process.kill(advertised, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }
  if (activations.length === 0)
    return [{ name, value: NaN, unit: 'ms', target: '≤ 30 ms', note: `no figure: ${problems.join('; ')}` }];
  return [
    {
      name,
      value: percentile(activations, 50),
      unit: 'ms',
      target: '≤ 30 ms',
      note: `real extension host, production build; loading dist/extension.js p50 ${percentile(loads, 50).toFixed(1)} ms more; ext.activate() as awaited, host bookkeeping included, p50 ${percentile(totals, 50).toFixed(0)} ms${problems.length > 0 ? `; ${problems.join('; ')}` : ''}`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------

function progress(line: string): void {
  process.stderr.write(`agent bench: ${line}\n`);
}

/** Everything above in one run; a section that fails reports n/a with the reason and the rest still run. */
export async function benchAgent(pods = 10_000): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-bench-agent-'));
  const results: BenchResult[] = [];
  try {
    try {
      results.push(...(await benchAgentAtScale(pods, work)));
    } catch (e) {
      progress(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      results.push({ name: `agent at scale:${pods}`, value: NaN, unit: '', note: `failed: ${errorText(e)}` });
    }
    const vsix = await benchVsix(work);
    const extensionDir = vsix.extensionDir ?? REPO;
    for (const section of [benchActivationCodeServer, benchActivationStandIn]) {
      try {
        results.push(...(await section(extensionDir, work)));
      } catch (e) {
        progress(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        results.push({ name: section.name, value: NaN, unit: '', note: `failed: ${errorText(e)}` });
      }
    }
    results.push(...vsix.results);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
