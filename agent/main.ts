import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { type TopicName, type TopicParams, PROTOCOL_VERSION } from '../protocol';
import { clusterStatus } from './cluster-status';
import { Guards } from './deploy/guard';
import { deployMethods } from './deploy/methods';
import { KubeClient } from './kube/client';
import { migrateMethods } from './migrate/methods';
import { ForwardManager } from './observe/forwards';
import { MetricsHub } from './observe/metrics-collector';
import { observeMethods } from './observe/methods';
import { fileLogger } from './log-file';
import { InformerCache, clientNodeInformers } from './kube/informer-cache';
import { type LoadedKubeconfig, loadKubeconfigs, toKubeconfigState } from './kube/kubeconfig';
import { mergeLoginShellPath } from './kube/login-shell';
import { type KubeTopic, createTopicSource } from './kube/topics';
import { AgentServer } from './server/agent-server';
import {
  configDir,
  discoveryPath,
  newToken,
  processAlive,
  readDiscovery,
  removeDiscovery,
  writeDiscovery,
} from './server/discovery';
import { type MethodHandlers, Session } from './server/session';
import { KubeconfigSource } from './topics/kubeconfig-source';
import { type SourceFactory, type TopicSource, TopicHub } from './topics/hub';

declare const SLIPWAY_VERSION: string;
const VERSION = typeof SLIPWAY_VERSION === 'string' ? SLIPWAY_VERSION : 'dev';

export const AGENT_USAGE = `Usage: slipway agent [--port 0]

Starts the Slipway agent for this user: a WebSocket server on 127.0.0.1 that VS Code windows and the CLI
share. It advertises its port and token in a discovery file (mode 0600) and exits when asked to shut down
or on SIGINT/SIGTERM. If a live agent is already running, prints its pid and exits 0.`;

/** Whether an advertised agent really answers (a pid can be reused by an unrelated process). */
function answers(port: number, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
      headers: { Authorization: `Bearer ${token}` },
      handshakeTimeout: 1500,
    });
    const done = (ok: boolean): void => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(ok);
    };
    ws.once('open', () => done(true));
    ws.once('error', () => done(false));
    ws.once('unexpected-response', () => done(false));
  });
}

export interface RunningAgent {
  port: number;
  token: string;
  stop(): Promise<void>;
  /** Settles once the agent has stopped, by `stop()` or an `agent.shutdown` request. */
  stopped: Promise<void>;
}

/** Starts an agent in this process; `slipway agent` and the tests both use it. */
export async function startAgent(
  opts: {
    port?: number;
    env?: NodeJS.ProcessEnv;
    writeDiscoveryFile?: boolean;
    log?: (line: string) => void;
  } = {},
): Promise<RunningAgent> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const home = homedir();
  const token = newToken();
  let loaded: LoadedKubeconfig = loadKubeconfigs(env, home);
  const current = (): LoadedKubeconfig => loaded;
  const cache = new InformerCache({ create: clientNodeInformers(current) });
  let kubeconfigSource: KubeconfigSource | undefined;
  const clientFor = (context: string): KubeClient => KubeClient.forContext(current(), context);
  const forwards = new ForwardManager(clientFor);
  const metrics = new MetricsHub();
  const factory: SourceFactory = <T extends TopicName>(topic: T, params: TopicParams<T>): TopicSource<T> => {
    if (topic === 'kubeconfig') {
      kubeconfigSource ??= new KubeconfigSource(() => (loaded = loadKubeconfigs(env, home)), env, home);
      const shared = kubeconfigSource;
      // One watcher for every subscriber: disposing a subscription instance must not stop it.
      const view: TopicSource<'kubeconfig'> = {
        state: () => shared.state(),
        error: () => null,
        onDelta: (l) => shared.onDelta(l),
        dispose: () => undefined,
      };
      return view as unknown as TopicSource<T>;
    }
    if (topic === 'forwards') return forwards as unknown as TopicSource<T>;
    return createTopicSource(topic as KubeTopic, params as TopicParams<KubeTopic>, {
      cache,
      loaded: current,
    }) as unknown as TopicSource<T>;
  };
  const hub = new TopicHub(factory);
  const startedAt = new Date().toISOString();
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (markStopped = r));
  const path = discoveryPath(env);

  const guards = new Guards();
  const methods: MethodHandlers = {
    ...deployMethods({ loaded: current, guards }),
    ...observeMethods({ clientFor, forwards, metrics }),
    ...migrateMethods({ loaded: current, guards }),
    'agent.info': () =>
      Promise.resolve({
        version: VERSION,
        protocol: PROTOCOL_VERSION,
        pid: process.pid,
        startedAt,
        rssBytes: process.memoryUsage().rss,
        clients: server.clientCount,
      }),
    'agent.shutdown': () => {
      setTimeout(() => void stop(), 50);
      return Promise.resolve({});
    },
    'kubeconfig.read': () => {
      loaded = loadKubeconfigs(env, home);
      return Promise.resolve(toKubeconfigState(loaded));
    },
    'cluster.status': async ({ context }, ctx) => clusterStatus(current(), context, ctx.signal),
  };

  const server = new AgentServer({
    token,
    port: opts.port ?? 0,
    onConnection: (ws) => new Session(ws, { hub, methods, agentVersion: VERSION, log }),
    log,
  });
  const port = await server.listen();
  if (opts.writeDiscoveryFile !== false) {
    writeDiscovery(path, {
      port,
      token,
      pid: process.pid,
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      startedAt,
    });
  }
  // Exec credential plugins (aws, gke-gcloud-auth-plugin, kubelogin) live on the login shell's PATH.
  void mergeLoginShellPath(env).catch(() => undefined);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (opts.writeDiscoveryFile !== false) removeDiscovery(path, process.pid);
      hub.dispose();
      kubeconfigSource?.dispose();
      metrics.dispose();
      await forwards.close();
      await server.close();
      await cache.dispose();
      markStopped();
    })();
    return stopping;
  };
  return { port, token, stop, stopped };
}

/** `slipway agent`: resolves with the exit code once the agent has stopped. */
export async function runAgent(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string', default: '0' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`slipway agent: ${e instanceof Error ? e.message : String(e)}\n${AGENT_USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${AGENT_USAGE}\n`);
    return 0;
  }
  const existing = readDiscovery(discoveryPath());
  if (
    existing !== undefined &&
    existing.pid !== process.pid &&
    processAlive(existing.pid) &&
    (await answers(existing.port, existing.token))
  ) {
    process.stdout.write(`agent already running pid ${existing.pid}\n`);
    return 0;
  }
  const log = fileLogger(join(configDir(), 'agent.log'));
  const agent = await startAgent({ port: Number(values.port), log });
  log(`agent ${VERSION} ready on 127.0.0.1:${agent.port}, pid ${process.pid}`);
  process.stdout.write(`agent ready ${agent.port}\n`);
  const stop = (): void => void agent.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await agent.stopped;
  return 0;
}
