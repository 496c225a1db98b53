// The supervisor against the agent's real WebSocket server, session and topic hub on port 0. Each
// "agent process" runs in this process; its pid is made up and "killing" it closes its server at once,
// as the kernel does to the sockets of a SIGKILLed process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentServer } from '../../agent/server/agent-server';
import { type DiscoveryRecord, readDiscovery, writeDiscovery } from '../../agent/server/discovery';
import { type MethodHandlers, Session } from '../../agent/server/session';
import { type SourceFactory, type TopicSource, TopicHub } from '../../agent/topics/hub';
import {
  AgentFailure,
  type ContextInfo,
  PROTOCOL_VERSION,
  type TopicName,
  type TopicState,
  agentError,
  emptyState,
} from '../../protocol';
import { silentLogger } from '../util/logger';
import { type AgentProcess, Supervisor, type SupervisorDeps, type SupervisorState } from './supervisor';

interface FakeAgent {
  pid: number;
  record: DiscoveryRecord;
  kill(): Promise<void>;
}

function contextNamed(name: string): ContextInfo {
  return {
    name,
    cluster: name,
    user: 'admin',
    server: 'https://127.0.0.1:6443',
    namespace: 'default',
    current: true,
    production: false,
    source: '/tmp/kubeconfig',
  };
}

class World {
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-supervisor-'));
  readonly file = join(this.dir, 'agent.json');
  readonly alive = new Set<number>();
  readonly agents: FakeAgent[] = [];
  spawned = 0;
  private nextPid = 900_001;
  /** Set to make the next spawns fail the way a broken installation would. */
  spawnFails = false;

  /** Starts an agent whose kubeconfig topic holds one context named after its generation. */
  async startAgent(): Promise<FakeAgent> {
    const pid = this.nextPid++;
    const generation = `agent-${pid}`;
    const factory: SourceFactory = <T extends TopicName>(topic: T): TopicSource<T> => {
      const state = emptyState(topic) as TopicState<TopicName>;
      if (topic === 'kubeconfig')
        (state as TopicState<'kubeconfig'>).contexts[generation] = contextNamed(generation);
      return {
        state: () => state as TopicState<T>,
        error: () => null,
        onDelta: () => ({ dispose: () => undefined }),
        dispose: () => undefined,
      };
    };
    const hub = new TopicHub(factory);
    const methods: MethodHandlers = {
      'agent.info': async () => ({
        version: '0.0.0-test',
        protocol: PROTOCOL_VERSION,
        pid,
        startedAt: new Date().toISOString(),
        rssBytes: 0,
        clients: 0,
      }),
      'agent.shutdown': async () => ({}),
      'kubeconfig.read': async () => ({ contexts: [], currentContext: undefined, files: [], problems: [] }),
      'cluster.status': async ({ context }) => ({ context, reachable: true, serverVersion: 'v1.32.4' }),
    };
    const token = `token-${pid}`;
    const server = new AgentServer({
      token,
      onConnection: (ws) =>
        new Session(ws, { hub, methods, agentVersion: '0.0.0-test', log: () => undefined }),
    });
    const port = await server.listen();
    const record: DiscoveryRecord = {
      port,
      token,
      pid,
      version: '0.0.0-test',
      protocol: PROTOCOL_VERSION,
      startedAt: new Date().toISOString(),
    };
    writeDiscovery(this.file, record);
    this.alive.add(pid);
    const agent: FakeAgent = {
      pid,
      record,
      kill: async () => {
        this.alive.delete(pid);
        await server.close();
        hub.dispose();
      },
    };
    this.agents.push(agent);
    return agent;
  }

  deps(over: Partial<SupervisorDeps> = {}): SupervisorDeps {
    return {
      readDiscovery: () => readDiscovery(this.file),
      removeStaleDiscovery: (stale) => {
        if (readDiscovery(this.file)?.token === stale.token) rmSync(this.file, { force: true });
      },
      processAlive: (pid) => this.alive.has(pid),
      spawnAgent: (): AgentProcess => {
        this.spawned++;
        if (this.spawnFails) {
          throw new AgentFailure(agentError('INTERNAL', 'This Slipway installation is missing its agent.'));
        }
        // Like a real process, it advertises itself a little later.
        void this.startAgent();
        return { onExit: () => undefined };
      },
      connect: (client, endpoint) => client.connect(endpoint, 2_000),
      delay: (ms, signal) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        }),
      now: () => Date.now(),
      log: silentLogger,
      pollMs: 10,
      ...over,
    };
  }

  async dispose(): Promise<void> {
    for (const a of this.agents) if (this.alive.has(a.pid)) await a.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function waitForState(
  s: Supervisor,
  kind: SupervisorState['kind'],
  timeoutMs = 5_000,
): Promise<SupervisorState> {
  if (s.state.kind === kind) return Promise.resolve(s.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kind} state within ${timeoutMs} ms`)), timeoutMs);
    const sub = s.onDidChangeState((state) => {
      if (state.kind !== kind) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(state);
    });
  });
}

/** Subscribes to the kubeconfig topic and yields the context names of each state it receives. */
function watchContexts(s: Supervisor): { next(timeoutMs?: number): Promise<string[]>; dispose(): void } {
  const queue: string[][] = [];
  let wake: (() => void) | undefined;
  const sub = s.client.subscribe(
    'kubeconfig',
    {},
    {
      onState: (state) => {
        queue.push(Object.keys(state.contexts));
        wake?.();
      },
    },
  );
  return {
    next: async (timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (Date.now() > deadline) throw new Error('no topic state arrived');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return queue.shift()!;
    },
    dispose: () => sub.dispose(),
  };
}

describe('Supervisor', function () {
  this.timeout(10_000);
  let world: World;
  let supervisor: Supervisor | undefined;

  beforeEach(() => {
    world = new World();
  });

  afterEach(async () => {
    supervisor?.dispose();
    supervisor = undefined;
    await world.dispose();
  });

  it('starts an agent when none is advertised, connects, and serves topics', async () => {
    supervisor = new Supervisor(world.deps());
    const contexts = watchContexts(supervisor);
    supervisor.start();
    await waitForState(supervisor, 'connected');
    assert.equal(world.spawned, 1);
    assert.deepEqual(await contexts.next(), [`agent-${world.agents[0]!.pid}`]);
  });

  it('uses the agent that is already running instead of starting another', async () => {
    await world.startAgent();
    supervisor = new Supervisor(world.deps());
    supervisor.start();
    await waitForState(supervisor, 'connected');
    assert.equal(world.spawned, 0);
  });

  it('starts a new agent when the advertised pid is alive but refuses connections', async () => {
    const stale = await world.startAgent();
    await stale.kill();
    // The pid was taken by some other process (or the agent is a zombie): alive, but not our agent.
    world.alive.add(stale.pid);
    supervisor = new Supervisor(world.deps());
    const contexts = watchContexts(supervisor);
    supervisor.start();
    await waitForState(supervisor, 'connected');
    assert.equal(world.spawned, 1);
    assert.deepEqual(await contexts.next(), [`agent-${world.agents[1]!.pid}`]);
  });

  it('recovers within 2 s after the agent is killed, and the views get the new agent’s state', async () => {
    supervisor = new Supervisor(world.deps());
    const contexts = watchContexts(supervisor);
    supervisor.start();
    await waitForState(supervisor, 'connected');
    await contexts.next();
    const first = world.agents[0]!;
    const killedAt = Date.now();
    await first.kill();
    const after = await contexts.next(2_000);
    const elapsed = Date.now() - killedAt;
    const second = world.agents[1]!;
    assert.deepEqual(after, [`agent-${second.pid}`]);
    assert.ok(elapsed < 2_000, `recovered in ${elapsed} ms`);
    assert.equal(supervisor.state.kind, 'connected');
  });

  it('clears the connection scope when the connection ends', async () => {
    supervisor = new Supervisor(world.deps());
    supervisor.start();
    const state = await waitForState(supervisor, 'connected');
    assert.ok(state.kind === 'connected');
    const signal = state.scope.signal;
    let cleared = false;
    state.scope.defer(() => (cleared = true));
    await world.agents[0]!.kill();
    await waitForState(supervisor, 'connecting');
    await waitForState(supervisor, 'connected');
    assert.equal(cleared, true);
    assert.equal(signal.aborted, true);
  });

  it('backs off while the agent cannot start, reports why, and retries at once when asked', async () => {
    world.spawnFails = true;
    supervisor = new Supervisor(world.deps({ backoff: { initialMs: 100, maxMs: 60_000, factor: 10 } }));
    const seen: number[] = [];
    supervisor.onDidChangeState((s) => {
      if (s.kind === 'disconnected') seen.push(s.retryInMs);
    });
    supervisor.start();
    const down = await waitForState(supervisor, 'disconnected');
    assert.equal(
      down.kind === 'disconnected' && down.error.message,
      'This Slipway installation is missing its agent.',
    );
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(seen, [100, 1_000]);
    world.spawnFails = false;
    // The next wait is 1 s; Retry skips it.
    const started = Date.now();
    supervisor.retryNow();
    await waitForState(supervisor, 'connected');
    assert.ok(Date.now() - started < 900);
  });
});
