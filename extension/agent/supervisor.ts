import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import {
  type DiscoveryRecord,
  discoveryPath,
  processAlive,
  readDiscovery,
} from '../../agent/server/discovery';
import { type AgentError, AgentFailure, agentError } from '../../protocol';
import { Emitter, type Event } from '../util/emitter';
import type { Logger } from '../util/logger';
import { type Disposable, Scope } from '../util/scope';
import { type BackoffOptions, DEFAULT_BACKOFF, backoffDelay } from './backoff';
import { AgentClient, type Endpoint } from './client';

export type SupervisorState =
  | { kind: 'connecting'; client: AgentClient }
  | { kind: 'connected'; client: AgentClient; agentVersion: string; pid: number; scope: Scope }
  | { kind: 'disconnected'; client: AgentClient; error: AgentError; retryInMs: number };

/** A started agent process, as far as the supervisor cares. */
export interface AgentProcess {
  onExit(listener: (code: number | null) => void): void;
}

/** Everything the supervisor touches outside itself, injected so tests can stand in (house style rule 9). */
export interface SupervisorDeps {
  readDiscovery(): DiscoveryRecord | undefined;
  /** Removes the advertised record if it still is `stale`, so no one else tries it again. */
  removeStaleDiscovery(stale: DiscoveryRecord): void;
  processAlive(pid: number): boolean;
  /** Starts `slipway agent` detached from this process; it outlives the window. */
  spawnAgent(): AgentProcess;
  connect(client: AgentClient, endpoint: Endpoint): Promise<{ agentVersion: string; pid: number }>;
  /** Resolves after `ms`, or early when `signal` aborts. */
  delay(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  log: Logger;
  backoff?: BackoffOptions;
  /** How long a freshly spawned agent may take to advertise itself. */
  startTimeoutMs?: number;
  /** How often the discovery file is read while waiting for a spawned agent. */
  pollMs?: number;
}

/** The real file system, process table and `child_process`, for the extension host. */
export function nodeSupervisorDeps(cliPath: string, log: Logger): SupervisorDeps {
  const file = discoveryPath();
  return {
    readDiscovery: () => readDiscovery(file),
    removeStaleDiscovery: (stale) => {
      if (readDiscovery(file)?.token === stale.token) rmSync(file, { force: true });
    },
    processAlive,
    spawnAgent: () => {
      if (!existsSync(cliPath)) {
        throw new AgentFailure(
          agentError(
            'INTERNAL',
            'This Slipway installation is missing its agent.',
            `${cliPath} does not exist.`,
          ),
        );
      }
      // VS Code's own runtime runs the agent, so users need no Node.js; one agent serves every window and
      // the CLI, so it is detached and survives this window.
      const child = spawn(process.execPath, [cliPath, 'agent'], {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        detached: true,
        stdio: 'ignore',
        windowsHide: true,
      });
      child.unref();
      log.info(`started the Slipway agent: ${process.execPath} ${cliPath} agent (pid ${child.pid ?? '?'})`);
      return {
        onExit: (listener) => {
          child.once('exit', (code) => listener(code));
          child.once('error', (e) => {
            log.error(e);
            listener(null);
          });
        },
      };
    },
    connect: (client, endpoint) => client.connect(endpoint),
    delay: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) {
          resolve();
          return;
        }
        const onAbort = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    now: () => Date.now(),
    log,
  };
}

const EXITED_GRACE_MS = 1_000;

function toAgentError(e: unknown): AgentError {
  if (e instanceof AgentFailure) return e.error;
  return agentError(
    'INTERNAL',
    'Slipway could not start its agent; see the Slipway log for details.',
    e instanceof Error ? e.message : String(e),
    e instanceof Error ? e.stack : undefined,
  );
}

/**
 * Keeps this window connected to the one Slipway agent of this user: finds it through the discovery
 * file, starts it when there is none (or the advertised one is dead), and reconnects with capped
 * exponential backoff whenever the connection drops, starting a new agent when the old one died.
 *
 * There is one `AgentClient` for the supervisor's lifetime; its subscriptions survive reconnects and
 * resume where they left off, so views subscribe once and never need to know about reconnects.
 */
export class Supervisor implements Disposable {
  readonly client: AgentClient;
  private readonly changed = new Emitter<SupervisorState>();
  readonly onDidChangeState: Event<SupervisorState> = this.changed.event;
  private current: SupervisorState;
  private readonly scope = new Scope();
  /** Cleared whenever the connection ends: what belongs to one connection dies with it. */
  private readonly connectionScope = this.scope.child();
  /** Aborted to cut a backoff wait short (Retry) or to stop (dispose). */
  private wake = new AbortController();
  private started = false;

  constructor(
    private readonly deps: SupervisorDeps,
    client?: AgentClient,
  ) {
    this.client =
      client ?? new AgentClient('vscode', (e) => deps.log.error(e instanceof Error ? e : String(e)));
    this.current = { kind: 'connecting', client: this.client };
    this.scope.add(this.changed);
    this.scope.defer(() => {
      this.wake.abort();
      this.client.close();
    });
  }

  get state(): SupervisorState {
    return this.current;
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Activation must not wait for (or do) any I/O: the first attempt runs on a later turn.
    const timer = setTimeout(() => void this.run(), 0);
    this.scope.defer(() => clearTimeout(timer));
  }

  /** Skips the rest of the current backoff wait. */
  retryNow(): void {
    this.wake.abort();
  }

  /**
   * Stops the running agent so the next connection starts a fresh one (e.g. after an update changed the
   * protocol). Other windows reconnect to the new agent on their own.
   */
  async restartAgent(): Promise<void> {
    if (this.client.connected) {
      await this.client.request('agent.shutdown', {}).catch((e: unknown) => {
        // The agent may close the socket before it answers; that is the shutdown we asked for.
        if (!(e instanceof AgentFailure && e.error.code === 'UNAVAILABLE')) throw e;
      });
    } else if (this.current.kind === 'disconnected' && this.current.error.code === 'PROTOCOL_MISMATCH') {
      // Only an agent that answered (in another protocol) is known to own the advertised pid; a stale
      // record's pid may belong to some unrelated process by now.
      const rec = this.deps.readDiscovery();
      if (rec !== undefined && this.deps.processAlive(rec.pid)) process.kill(rec.pid, 'SIGTERM');
    }
    this.retryNow();
  }

  private setState(state: SupervisorState): void {
    this.current = state;
    try {
      this.changed.fire(state);
    } catch (e) {
      // A listener's bug must not look like a connection failure.
      this.deps.log.error(e instanceof Error ? e : String(e));
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.scope.isDisposed) {
      // While disconnected, quiet retries keep showing why; flipping to "connecting" and back every few
      // seconds would only make the views flicker.
      if (this.current.kind !== 'disconnected') this.setState({ kind: 'connecting', client: this.client });
      try {
        const welcome = await this.connectOnce();
        if (this.scope.isDisposed) {
          // The handshake finished after shutdown began; this socket must not outlive the window.
          this.client.close();
          return;
        }
        failures = 0;
        const closed = new Promise<void>((resolve) => {
          this.connectionScope.add(this.client.onClosed(() => resolve()));
          this.connectionScope.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        this.deps.log.info(`connected to the Slipway agent ${welcome.agentVersion} (pid ${welcome.pid})`);
        this.setState({ kind: 'connected', client: this.client, ...welcome, scope: this.connectionScope });
        await closed;
        this.connectionScope.clear();
        if (this.scope.isDisposed) return;
        this.deps.log.warn('the connection to the Slipway agent was lost; reconnecting');
        // The first attempt after a drop is immediate: the agent may just have restarted.
      } catch (e) {
        if (this.scope.isDisposed) return;
        const error = toAgentError(e);
        const retryInMs = backoffDelay(failures++, this.deps.backoff ?? DEFAULT_BACKOFF);
        this.deps.log.warn(
          `could not connect to the Slipway agent (${error.code}: ${error.message}${
            error.detail === undefined ? '' : ` ${error.detail}`
          }); retrying in ${retryInMs} ms`,
        );
        this.setState({ kind: 'disconnected', client: this.client, error, retryInMs });
        this.wake = new AbortController();
        await this.deps.delay(retryInMs, this.wake.signal);
      }
    }
  }

  /** One attempt: the advertised agent if it answers, else a new one. */
  private async connectOnce(): Promise<{ agentVersion: string; pid: number }> {
    const rec = this.deps.readDiscovery();
    if (rec !== undefined && this.deps.processAlive(rec.pid)) {
      try {
        return await this.deps.connect(this.client, rec);
      } catch (e) {
        // A refused connection means the record is stale (its pid now belongs to someone else, or the
        // agent is a zombie). A slow or incompatible agent is alive: starting another would not help.
        const code = e instanceof AgentFailure ? e.error.code : undefined;
        if (code !== 'UNAVAILABLE' && code !== 'UNAUTHORIZED') throw e;
        this.deps.log.warn(
          `the advertised agent (pid ${rec.pid}, port ${rec.port}) did not accept us: ${code}`,
        );
      }
    }
    if (rec !== undefined) this.deps.removeStaleDiscovery(rec);
    const fresh = await this.spawnAndWait(rec);
    return this.deps.connect(this.client, fresh);
  }

  private async spawnAndWait(stale: DiscoveryRecord | undefined): Promise<DiscoveryRecord> {
    const child = this.deps.spawnAgent();
    let exit: { code: number | null; at: number } | undefined;
    child.onExit((code) => {
      exit = { code, at: this.deps.now() };
    });
    const deadline = this.deps.now() + (this.deps.startTimeoutMs ?? 15_000);
    const poll = this.deps.pollMs ?? 25;
    for (;;) {
      const rec = this.deps.readDiscovery();
      // Another window may have started an agent at the same moment; ours then exits and theirs is fine.
      if (rec !== undefined && rec.token !== stale?.token && this.deps.processAlive(rec.pid)) return rec;
      if (exit !== undefined && exit.code !== 0) {
        throw new AgentFailure(
          agentError(
            'UNAVAILABLE',
            `The Slipway agent exited with code ${String(exit.code)} while starting.`,
          ),
        );
      }
      // Exit code 0 means "an agent is already running"; if none is advertised soon after, that one was
      // on its way out, and the next attempt starts another.
      if (exit !== undefined && this.deps.now() - exit.at > EXITED_GRACE_MS) {
        throw new AgentFailure(agentError('UNAVAILABLE', 'The Slipway agent exited while starting.'));
      }
      if (this.deps.now() >= deadline) {
        throw new AgentFailure(agentError('TIMEOUT', 'The Slipway agent did not start in time.'));
      }
      if (this.scope.isDisposed) throw new AgentFailure(agentError('CANCELLED', 'Slipway is shutting down.'));
      await this.deps.delay(poll, this.scope.signal);
    }
  }

  dispose(): void {
    this.scope.dispose();
  }
}
