import { get as httpGet } from 'node:http';
import { Readable } from 'node:stream';
import type { Clock, Timer } from './clock';
import type { EventRecorder } from './events';
import { ApiError, badRequest } from './errors';
import type { LogRequest, PodRuntimeView } from './http/pod-runtime';
import { AddressPool } from './pods/address-pool';
import { PodApp } from './pods/app';
import { type Behavior, parseBehavior } from './pods/behavior';
import { startLogGenerator, crashMessage } from './pods/log-generator';
import { ContainerLog } from './pods/logs';
import { PostgresServer, isPostgresImage, postgresBin } from './pods/postgres';
import type { Registry, ResourceType } from './registry';
import { rfc3339, type Store, type StoreEvent } from './store';
import { type JsonObject, type KObject, clone, isJsonObject } from './types';

export interface KubeletOptions {
  store: Store;
  registry: Registry;
  clock: Clock;
  recorder: EventRecorder;
  /** Probe delays and periods from pod specs are multiplied by this, so rollouts take seconds. */
  timeScale?: number;
  /** Bind pod ports only when something connects through the API (port-forward, proxy). */
  lazyPorts?: boolean;
  /** The nodes this kubelet runs pods for. */
  nodeNames: string[];
}

interface Probe {
  path: string;
  port: number | string;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

interface ContainerSpec {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { containerPort: number; name?: string }[];
  livenessProbe?: { httpGet?: { path?: string; port: number | string } } & Partial<Probe>;
  readinessProbe?: { httpGet?: { path?: string; port: number | string } } & Partial<Probe>;
  startupProbe?: { httpGet?: { path?: string; port: number | string } } & Partial<Probe>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

type ContainerPhase = 'creating' | 'running' | 'backoff' | 'terminated';

interface ContainerState {
  spec: ContainerSpec;
  behavior: Behavior;
  phase: ContainerPhase;
  restartCount: number;
  startedAt: number;
  ready: boolean;
  log: ContainerLog;
  lastTerminated: JsonObject | undefined;
  terminated: JsonObject | undefined;
  timers: Timer[];
  probeFailures: { liveness: number; readiness: number };
  probeSuccesses: number;
  backoffMs: number;
}

interface PodState {
  uid: string;
  namespace: string;
  name: string;
  ip: string;
  app: PodApp | undefined;
  /** A real PostgreSQL server for a container whose image is postgres (when PostgreSQL is installed). */
  db: PostgresServer | undefined;
  dbReady: boolean;
  listening: Promise<void> | undefined;
  containers: Map<string, ContainerState>;
  restartPolicy: string;
  startTime: number;
  deleting: boolean;
  statusTimer: Timer | undefined;
}

const PULL_MS = 150;
const CRASH_AFTER_MS = 800;
const JOB_RUN_MS = 1_500;
const MAX_BACKOFF_MS = 30_000;

function probeOf(raw: ContainerSpec['readinessProbe']): Probe | undefined {
  if (raw?.httpGet === undefined) return undefined;
  return {
    path: raw.httpGet.path ?? '/',
    port: raw.httpGet.port,
    initialDelaySeconds: raw.initialDelaySeconds ?? 0,
    periodSeconds: raw.periodSeconds ?? 10,
    timeoutSeconds: raw.timeoutSeconds ?? 1,
    failureThreshold: raw.failureThreshold ?? 3,
    successThreshold: raw.successThreshold ?? 1,
  };
}

/**
 * The simulated kubelet: runs the pods bound to its nodes. Each pod gets a loopback address and a real
 * HTTP app on its container ports; containers start, crash, restart with back-off, write logs and pass
 * or fail real HTTP probes, and the pod status and events follow as a real kubelet reports them.
 */
export class Kubelet implements PodRuntimeView {
  private readonly pods = new Map<string, PodState>();
  private readonly logStreams = new Set<Readable>();
  /**
   * Each sandbox starts its pod addresses in a different /16 of 127.0.0.0/8 (253 of them), so sandboxes
   * running side by side — parallel test runs, a demo next to the tests — rarely bind the same address.
   */
  private readonly addresses = new AddressPool({
    first: `127.${2 + Math.floor(Math.random() * 200)}.0.1`,
    last: '127.255.255.254',
  });
  private readonly podType: ResourceType;
  private readonly nodeType: ResourceType;
  private readonly scale: number;
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly o: KubeletOptions) {
    this.podType = o.registry.lookup('', 'v1', 'pods')!;
    this.nodeType = o.registry.lookup('', 'v1', 'nodes')!;
    this.scale = o.timeScale ?? 0.1;
  }

  start(): void {
    this.unsubscribe = this.o.store.subscribe((ev) => this.onEvent(ev));
    for (const pod of this.o.store.list(this.podType)) this.reconcile(pod);
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await Promise.all([...this.pods.values()].map((p) => this.teardown(p)));
    this.pods.clear();
  }

  private key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  private onEvent(ev: StoreEvent): void {
    if (ev.key !== 'core/pods') return;
    if (ev.type === 'DELETED') {
      const state = this.pods.get(
        this.key(ev.object.metadata.namespace ?? '', ev.object.metadata.name ?? ''),
      );
      if (state !== undefined && state.uid === ev.object.metadata.uid) {
        this.pods.delete(this.key(state.namespace, state.name));
        void this.teardown(state);
      }
      return;
    }
    this.reconcile(ev.object);
  }

  private reconcile(pod: KObject): void {
    const spec = (pod['spec'] ?? {}) as {
      nodeName?: string;
      containers?: ContainerSpec[];
      restartPolicy?: string;
      terminationGracePeriodSeconds?: number;
    };
    if (spec.nodeName === undefined || !this.o.nodeNames.includes(spec.nodeName)) return;
    const key = this.key(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
    let state = this.pods.get(key);
    if (state !== undefined && state.uid !== pod.metadata.uid) {
      void this.teardown(state);
      state = undefined;
    }
    if (state === undefined) {
      const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return;
      state = this.admit(pod, spec.containers ?? [], spec.restartPolicy ?? 'Always');
      this.pods.set(key, state);
    }
    if (pod.metadata.deletionTimestamp !== undefined && !state.deleting) {
      this.terminate(
        state,
        pod.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30,
      );
    }
  }

  private admit(pod: KObject, containers: ContainerSpec[], restartPolicy: string): PodState {
    const state: PodState = {
      uid: pod.metadata.uid ?? '',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      ip: this.addresses.allocate(),
      app: undefined,
      db: undefined,
      dbReady: false,
      listening: undefined,
      containers: new Map(),
      restartPolicy,
      startTime: this.o.clock.now(),
      deleting: false,
      statusTimer: undefined,
    };
    // A postgres container is served by a real PostgreSQL on its port; the others by the HTTP app.
    const dbContainer =
      postgresBin() === undefined ? undefined : containers.find((c) => isPostgresImage(c.image));
    if (dbContainer !== undefined) {
      const env = this.containerEnv(state.namespace, dbContainer);
      state.db = new PostgresServer({
        host: state.ip,
        port: dbContainer.ports?.[0]?.containerPort ?? 5432,
        user: env['POSTGRES_USER'] ?? 'postgres',
        ...(env['POSTGRES_PASSWORD'] === undefined ? {} : { password: env['POSTGRES_PASSWORD'] }),
        ...(env['POSTGRES_DB'] === undefined ? {} : { database: env['POSTGRES_DB'] }),
      });
    }
    const ports = containers
      .filter((c) => c !== dbContainer)
      .flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
    const probePaths = containers.flatMap((c) =>
      [c.livenessProbe, c.readinessProbe, c.startupProbe].flatMap((p) =>
        p?.httpGet?.path === undefined ? [] : [p.httpGet.path],
      ),
    );
    const readinessPaths = containers.flatMap((c) =>
      c.readinessProbe?.httpGet?.path === undefined ? [] : [c.readinessProbe.httpGet.path],
    );
    const behaviors = containers.map((c) => parseBehavior(c.image, c.env ?? []));
    const first = behaviors[0] ?? parseBehavior('', []);
    state.app = new PodApp({
      ip: state.ip,
      ports,
      probePaths,
      readinessPaths,
      behavior: first,
      clock: this.o.clock,
      podName: state.name,
      namespace: state.namespace,
      onAccessLog: (line: string) =>
        state.containers.values().next().value?.log.append(line, this.o.clock.now()),
    });
    containers.forEach((spec, i) => {
      state.containers.set(spec.name, {
        spec,
        behavior: behaviors[i]!,
        phase: 'creating',
        restartCount: 0,
        startedAt: 0,
        ready: false,
        log: new ContainerLog(),
        lastTerminated: undefined,
        terminated: undefined,
        timers: [],
        probeFailures: { liveness: 0, readiness: 0 },
        probeSuccesses: 0,
        backoffMs: 1_000,
      });
    });
    const hasProbes = probePaths.length > 0;
    if (!(this.o.lazyPorts ?? false) || hasProbes || state.db !== undefined) void this.ensureListening(state);
    const podRef = pod;
    for (const c of state.containers.values()) {
      this.event(podRef, 'Normal', 'Pulling', `Pulling image "${c.spec.image}"`, c.spec.name);
      c.timers.push(this.o.clock.setTimeout(() => this.startContainer(state, c, true), PULL_MS));
    }
    this.writeStatus(state);
    return state;
  }

  /** A container's environment as plain values, Secret references resolved from the store. */
  private containerEnv(namespace: string, c: ContainerSpec): Record<string, string> {
    const out: Record<string, string> = {};
    const secretType = this.o.registry.lookup('', 'v1', 'secrets');
    for (const e of c.env ?? []) {
      if (e.value !== undefined) out[e.name] = e.value;
      const ref = e.valueFrom?.secretKeyRef;
      if (ref === undefined || secretType === undefined) continue;
      const secret = this.o.store.get(secretType, namespace, ref.name);
      const data = (secret?.['data'] ?? {}) as Record<string, string>;
      const str = (secret?.['stringData'] ?? {}) as Record<string, string>;
      if (data[ref.key] !== undefined) out[e.name] = Buffer.from(data[ref.key]!, 'base64').toString('utf8');
      else if (str[ref.key] !== undefined) out[e.name] = str[ref.key]!;
    }
    return out;
  }

  private ensureListening(state: PodState): Promise<void> {
    const failed = (e: unknown): void => {
      process.stderr.write(
        `sandbox: pod ${state.namespace}/${state.name} could not listen: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    };
    const listening =
      state.listening ??
      Promise.all([
        state.app!.listen().catch(failed),
        state.db
          ?.start()
          .then(() => {
            state.dbReady = !state.deleting;
          })
          .catch(failed),
      ]).then(() => undefined);
    state.listening = listening;
    return listening;
  }

  private currentPod(state: PodState): KObject | undefined {
    const pod = this.o.store.get(this.podType, state.namespace, state.name);
    return pod?.metadata.uid === state.uid ? pod : undefined;
  }

  private event(
    pod: KObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    container?: string,
  ): void {
    const fieldPath = container === undefined ? undefined : `spec.containers{${container}}`;
    this.o.recorder.record(pod, type, reason, message, {
      component: 'kubelet',
      host: (pod['spec'] as { nodeName?: string }).nodeName ?? '',
      fieldPath,
    });
  }

  private startContainer(state: PodState, c: ContainerState, firstStart: boolean): void {
    if (state.deleting) return;
    const pod = this.currentPod(state);
    if (pod === undefined) return;
    if (firstStart) {
      this.event(
        pod,
        'Normal',
        'Pulled',
        `Successfully pulled image "${c.spec.image}" in ${PULL_MS}ms (${PULL_MS}ms including waiting). Image size: 48213904 bytes.`,
        c.spec.name,
      );
    } else {
      this.event(
        pod,
        'Normal',
        'Pulled',
        `Container image "${c.spec.image}" already present on machine`,
        c.spec.name,
      );
    }
    this.event(pod, 'Normal', 'Created', `Created container: ${c.spec.name}`, c.spec.name);
    this.event(pod, 'Normal', 'Started', `Started container ${c.spec.name}`, c.spec.name);
    c.phase = 'running';
    c.startedAt = this.o.clock.now();
    c.terminated = undefined;
    c.ready = false;
    c.probeFailures = { liveness: 0, readiness: 0 };
    c.probeSuccesses = 0;
    const gen = startLogGenerator({
      clock: this.o.clock,
      ratePerSec: c.behavior.logRatePerSec,
      write: (line: string) => c.log.append(line, this.o.clock.now()),
      podName: state.name,
      container: c.spec.name,
      format: c.behavior.logFormat,
    });
    c.timers.push(gen);
    const startupMs = c.behavior.slowStartMs;
    if (c.behavior.crash) {
      c.timers.push(
        this.o.clock.setTimeout(() => this.containerExited(state, c, 1, 'Error'), CRASH_AFTER_MS),
      );
    } else if (state.restartPolicy !== 'Always') {
      c.timers.push(
        this.o.clock.setTimeout(() => this.containerExited(state, c, 0, 'Completed'), JOB_RUN_MS + startupMs),
      );
    }
    this.updateApp(state);
    if (startupMs > 0) c.timers.push(this.o.clock.setTimeout(() => this.updateApp(state), startupMs));
    this.scheduleProbes(state, c);
    this.writeStatus(state);
  }

  /** What the pod's app answers on its probe paths follows the containers' behaviour and start time. */
  private updateApp(state: PodState): void {
    const now = this.o.clock.now();
    let started = true;
    let ready = true;
    for (const c of state.containers.values()) {
      const up = c.phase === 'running' && now - c.startedAt >= c.behavior.slowStartMs;
      started &&= c.phase === 'running';
      ready &&= up && !c.behavior.unready && !c.behavior.crash;
    }
    state.app?.setState({ started, ready });
  }

  private scheduleProbes(state: PodState, c: ContainerState): void {
    const readiness = probeOf(c.spec.readinessProbe);
    const liveness = probeOf(c.spec.livenessProbe);
    const startup = c.behavior.slowStartMs;
    if (readiness === undefined) {
      // Without a readiness probe a container is ready once it runs (after its start-up time).
      const becomeReady = (): void => {
        if (c.phase !== 'running' || c.behavior.crash) return;
        if (state.db !== undefined && !state.dbReady) {
          // A database container is ready once its server accepts connections.
          c.timers.push(this.o.clock.setTimeout(becomeReady, 100));
          return;
        }
        c.ready = !c.behavior.unready;
        this.writeStatus(state);
      };
      if (startup > 0) c.timers.push(this.o.clock.setTimeout(becomeReady, startup));
      else becomeReady();
    } else {
      this.loopProbe(state, c, readiness, 'readiness');
    }
    if (liveness !== undefined) this.loopProbe(state, c, liveness, 'liveness');
  }

  private loopProbe(state: PodState, c: ContainerState, probe: Probe, kind: 'readiness' | 'liveness'): void {
    const period = Math.max(100, probe.periodSeconds * 1000 * this.scale);
    const initial = Math.max(50, probe.initialDelaySeconds * 1000 * this.scale);
    const run = (): void => {
      if (c.phase !== 'running' || state.deleting) return;
      void this.probe(state, c, probe).then((failure) => {
        if (c.phase !== 'running' || state.deleting) return;
        this.probeResult(state, c, probe, kind, failure);
        c.timers.push(this.o.clock.setTimeout(run, period));
      });
    };
    c.timers.push(this.o.clock.setTimeout(run, initial));
  }

  private probeResult(
    state: PodState,
    c: ContainerState,
    probe: Probe,
    kind: 'readiness' | 'liveness',
    failure: string | undefined,
  ): void {
    const pod = this.currentPod(state);
    if (failure === undefined) {
      c.probeFailures[kind] = 0;
      if (kind === 'readiness') {
        c.probeSuccesses++;
        if (!c.ready && c.probeSuccesses >= probe.successThreshold) {
          c.ready = true;
          this.writeStatus(state);
        }
      }
      return;
    }
    c.probeFailures[kind]++;
    c.probeSuccesses = 0;
    if (pod !== undefined) {
      this.event(
        pod,
        'Warning',
        'Unhealthy',
        `${kind === 'readiness' ? 'Readiness' : 'Liveness'} probe failed: ${failure}`,
        c.spec.name,
      );
    }
    if (c.probeFailures[kind] < probe.failureThreshold) return;
    if (kind === 'readiness' && c.ready) {
      c.ready = false;
      this.writeStatus(state);
    }
    if (kind === 'liveness' && pod !== undefined) {
      this.event(
        pod,
        'Normal',
        'Killing',
        `Container ${c.spec.name} failed liveness probe, will be restarted`,
        c.spec.name,
      );
      this.containerExited(state, c, 137, 'Error');
    }
  }

  /** One real HTTP probe against the pod's app; undefined on success, else kubelet's failure text. */
  private async probe(state: PodState, c: ContainerState, probe: Probe): Promise<string | undefined> {
    const port =
      typeof probe.port === 'number'
        ? probe.port
        : (c.spec.ports ?? []).find((p) => p.name === probe.port)?.containerPort;
    if (port === undefined) return `port ${String(probe.port)} not found`;
    await this.ensureListening(state);
    return new Promise((resolve) => {
      const req = httpGet(
        { host: state.ip, port, path: probe.path, timeout: probe.timeoutSeconds * 1000, agent: false },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(code >= 200 && code < 400 ? undefined : `HTTP probe failed with statuscode: ${code}`);
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve(
          `Get "http://${state.ip}:${port}${probe.path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        );
      });
      req.on('error', (e) => resolve(`Get "http://${state.ip}:${port}${probe.path}": ${e.message}`));
    });
  }

  private containerExited(state: PodState, c: ContainerState, exitCode: number, reason: string): void {
    if (c.phase !== 'running' || state.deleting) return;
    for (const t of c.timers) t.cancel();
    c.timers = [];
    if (exitCode !== 0 && exitCode !== 137) c.log.append(crashMessage(c.spec.name), this.o.clock.now());
    c.log.end();
    const now = this.o.clock.now();
    c.terminated = {
      exitCode,
      reason,
      startedAt: rfc3339(c.startedAt),
      finishedAt: rfc3339(now),
      containerID: `containerd://${state.uid.replace(/-/g, '')}${c.restartCount}`,
    };
    c.ready = false;
    c.phase = 'terminated';
    this.updateApp(state);
    const restart =
      state.restartPolicy === 'Always' || (state.restartPolicy === 'OnFailure' && exitCode !== 0);
    if (restart) {
      c.phase = 'backoff';
      c.lastTerminated = c.terminated;
      const pod = this.currentPod(state);
      if (pod !== undefined && c.restartCount > 0) {
        this.event(
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.spec.name} in pod ${state.name}_${state.namespace}(${state.uid})`,
          c.spec.name,
        );
      }
      const wait = c.backoffMs;
      c.backoffMs = Math.min(MAX_BACKOFF_MS, c.backoffMs * 2);
      c.timers.push(
        this.o.clock.setTimeout(() => {
          c.restartCount++;
          c.log.restart();
          this.startContainer(state, c, false);
        }, wait),
      );
    }
    this.writeStatus(state);
  }

  private terminate(state: PodState, graceSeconds: number): void {
    state.deleting = true;
    const pod = this.currentPod(state);
    for (const c of state.containers.values()) {
      for (const t of c.timers) t.cancel();
      c.timers = [];
      if (pod !== undefined && c.phase === 'running')
        this.event(pod, 'Normal', 'Killing', `Stopping container ${c.spec.name}`, c.spec.name);
      c.ready = false;
    }
    state.app?.setState({ started: true, ready: false });
    this.writeStatus(state);
    // Apps stop quickly on SIGTERM; the sandbox honours at most a scaled share of the grace period.
    const wait = Math.min(graceSeconds * 1000 * this.scale, 1_000);
    this.o.clock.setTimeout(() => {
      const live = this.currentPod(state);
      if (live !== undefined) {
        try {
          this.o.store.delete(this.podType, state.namespace, state.name, {
            gracePeriodSeconds: 0,
            preconditions: { uid: state.uid },
          });
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }
    }, wait);
  }

  private async teardown(state: PodState): Promise<void> {
    state.deleting = true;
    state.statusTimer?.cancel();
    for (const c of state.containers.values()) {
      for (const t of c.timers) t.cancel();
      c.log.end();
    }
    await state.app?.close();
    await state.db?.stop();
    this.addresses.release(state.ip);
  }

  /** Coalesces status writes: many changes within one tick become one update. */
  private writeStatus(state: PodState): void {
    if (state.statusTimer !== undefined) return;
    state.statusTimer = this.o.clock.setTimeout(() => {
      state.statusTimer = undefined;
      this.flushStatus(state);
    }, 0);
  }

  private flushStatus(state: PodState): void {
    for (let attempt = 0; attempt < 5; attempt++) {
      const pod = this.currentPod(state);
      if (pod === undefined) return;
      const next = clone(pod);
      next['status'] = this.statusOf(state, pod);
      try {
        this.o.store.update(this.podType, next, { subresource: 'status' });
        return;
      } catch (e) {
        if (!(e instanceof ApiError) || e.reason !== 'Conflict') {
          if (e instanceof ApiError && e.reason === 'NotFound') return;
          throw e;
        }
      }
    }
  }

  private statusOf(state: PodState, pod: KObject): JsonObject {
    const now = rfc3339(this.o.clock.now());
    const old = isJsonObject(pod['status']) ? pod['status'] : {};
    const statuses = [...state.containers.values()].map((c) => this.containerStatus(state, c));
    const all = [...state.containers.values()];
    const allReady = all.length > 0 && all.every((c) => c.ready) && !state.deleting;
    const anyRunning = all.some((c) => c.phase === 'running' || c.phase === 'backoff');
    let phase = 'Pending';
    if (state.restartPolicy !== 'Always' && all.length > 0 && all.every((c) => c.phase === 'terminated')) {
      phase = all.every((c) => c.terminated?.['exitCode'] === 0) ? 'Succeeded' : 'Failed';
    } else if (anyRunning || all.some((c) => c.restartCount > 0)) phase = 'Running';
    const oldConditions = Array.isArray(old['conditions']) ? (old['conditions'] as JsonObject[]) : [];
    const cond = (type: string, ok: boolean, reason?: string): JsonObject => {
      const prev = oldConditions.find((x) => x['type'] === type);
      const status = ok ? 'True' : 'False';
      const c: JsonObject = {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime:
          prev !== undefined && prev['status'] === status ? (prev['lastTransitionTime'] ?? now) : now,
      };
      if (!ok && reason !== undefined) {
        c['reason'] = reason;
        const names = all.filter((x) => !x.ready).map((x) => x.spec.name);
        c['message'] = `containers with unready status: [${names.join(' ')}]`;
      }
      return c;
    };
    const succeeded = phase === 'Succeeded' || phase === 'Failed';
    const conditions: JsonObject[] = [
      cond('PodReadyToStartContainers', !state.deleting || anyRunning),
      cond('Initialized', true),
      cond('Ready', allReady, succeeded ? 'PodCompleted' : 'ContainersNotReady'),
      cond('ContainersReady', allReady, succeeded ? 'PodCompleted' : 'ContainersNotReady'),
      cond('PodScheduled', true),
    ];
    return {
      ...old,
      phase,
      conditions,
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: state.ip,
      podIPs: [{ ip: state.ip }],
      startTime: rfc3339(state.startTime),
      containerStatuses: statuses,
      qosClass: old['qosClass'] ?? 'BestEffort',
    };
  }

  private containerStatus(state: PodState, c: ContainerState): JsonObject {
    let st: JsonObject;
    if (c.phase === 'creating') st = { waiting: { reason: 'ContainerCreating' } };
    else if (c.phase === 'running') st = { running: { startedAt: rfc3339(c.startedAt) } };
    else if (c.phase === 'backoff') {
      st = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(c.backoffMs / 2000) * 10}s restarting failed container=${c.spec.name} pod=${state.name}_${state.namespace}(${state.uid})`,
        },
      };
    } else st = { terminated: c.terminated ?? { exitCode: 0, reason: 'Completed' } };
    const s: JsonObject = {
      name: c.spec.name,
      state: st,
      lastState: c.lastTerminated === undefined ? {} : { terminated: c.lastTerminated },
      ready: c.ready,
      restartCount: c.restartCount,
      image: c.spec.image,
      imageID: `docker.io/library/${c.spec.image}@sha256:${'0'.repeat(64)}`,
      started: c.phase === 'running',
    };
    if (c.phase !== 'creating')
      s['containerID'] = `containerd://${state.uid.replace(/-/g, '')}${c.restartCount}`;
    return s;
  }

  // ---- PodRuntimeView ----

  /** Ends every following log stream abruptly, as a dropped connection would (fault injection). */
  dropLogStreams(): number {
    const streams = [...this.logStreams];
    for (const s of streams) s.destroy(new Error('log stream dropped by a sandbox fault'));
    return streams.length;
  }

  openLog(namespace: string, pod: string, req: LogRequest): Readable {
    const state = this.pods.get(this.key(namespace, pod));
    const c = state?.containers.get(req.container);
    if (state === undefined || c === undefined) {
      throw badRequest(`container "${req.container}" in pod "${pod}" is waiting to start: ContainerCreating`);
    }
    if (req.previous && c.restartCount === 0) {
      throw badRequest(`previous terminated container "${req.container}" in pod "${pod}" not found`);
    }
    if (!req.previous && c.phase === 'creating') {
      throw badRequest(`container "${req.container}" in pod "${pod}" is waiting to start: ContainerCreating`);
    }
    const opts = {
      previous: req.previous,
      timestamps: req.timestamps,
      now: this.o.clock.now(),
      ...(req.sinceTime === undefined ? {} : { sinceTime: req.sinceTime }),
      ...(req.sinceSeconds === undefined ? {} : { sinceSeconds: req.sinceSeconds }),
      ...(req.tailLines === undefined ? {} : { tailLines: req.tailLines }),
      ...(req.limitBytes === undefined ? {} : { limitBytes: req.limitBytes }),
    };
    if (!req.follow || req.previous || c.phase !== 'running') return Readable.from([c.log.read(opts)]);
    const stream = new Readable({ read: () => undefined });
    const stop = c.log.follow(
      opts,
      (line: string) => stream.push(line),
      () => stream.push(null),
    );
    this.logStreams.add(stream);
    stream.on('close', () => {
      this.logStreams.delete(stream);
      stop();
    });
    return stream;
  }

  async connectTarget(namespace: string, pod: string, port: number): Promise<{ host: string; port: number }> {
    const state = this.pods.get(this.key(namespace, pod));
    if (state === undefined) throw badRequest(`pod ${pod} is not running on this sandbox's nodes`);
    await this.ensureListening(state);
    return { host: state.ip, port };
  }

  usage(
    namespace: string,
    pod: string,
  ): { name: string; cpuMillicores: number; memoryBytes: number }[] | undefined {
    const state = this.pods.get(this.key(namespace, pod));
    if (state === undefined) return undefined;
    const running = [...state.containers.values()].filter((c) => c.phase === 'running');
    if (running.length === 0) return undefined;
    const base = state.app?.usage() ?? { cpuMillicores: 5, memoryBytes: 32 * 1024 * 1024 };
    return running.map((c) => ({
      name: c.spec.name,
      cpuMillicores: base.cpuMillicores,
      memoryBytes: base.memoryBytes,
    }));
  }

  /** The controllers' view of usage (HPA): containers of a running pod. */
  podUsage(
    namespace: string,
    name: string,
  ): { containers: { name: string; cpuMillicores: number; memoryBytes: number }[] } | undefined {
    const containers = this.usage(namespace, name);
    return containers === undefined ? undefined : { containers };
  }

  /** Marks this kubelet's nodes Ready with realistic capacity, as a kubelet registering itself does. */
  registerNodes(): void {
    for (const name of this.o.nodeNames) {
      const now = rfc3339(this.o.clock.now());
      const node: KObject = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': 'sandbox',
          },
        },
        spec: { podCIDR: '127.1.0.0/16' },
        status: {
          capacity: { cpu: '8', memory: '32Gi', pods: '11000', 'ephemeral-storage': '100Gi' },
          allocatable: { cpu: '8', memory: '31Gi', pods: '11000', 'ephemeral-storage': '95Gi' },
          conditions: [
            {
              type: 'MemoryPressure',
              status: 'False',
              reason: 'KubeletHasSufficientMemory',
              message: 'kubelet has sufficient memory available',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'DiskPressure',
              status: 'False',
              reason: 'KubeletHasNoDiskPressure',
              message: 'kubelet has no disk pressure',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'PIDPressure',
              status: 'False',
              reason: 'KubeletHasSufficientPID',
              message: 'kubelet has sufficient PID available',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: name },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.32.4',
            kubeProxyVersion: 'v1.32.4',
            containerRuntimeVersion: 'containerd://1.7.24',
            operatingSystem: 'linux',
            architecture: 'amd64',
            osImage: 'Slipway Sandbox',
            kernelVersion: '6.1.0',
            machineID: '',
            systemUUID: '',
            bootID: '',
          },
        },
      };
      if (this.o.store.get(this.nodeType, undefined, name) === undefined)
        this.o.store.create(this.nodeType, node);
    }
  }
}
