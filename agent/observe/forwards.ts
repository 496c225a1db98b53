import { randomUUID } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import {
  AgentFailure,
  type DeltaOp,
  type ForwardInfo,
  type ForwardSpec,
  type TopicState,
  agentError,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import { Informer } from '../kube/informer';
import type { KubeObject, LabelSelector, Pod, Service } from '../kube/objects';
import { RESOURCES, type ResourceDescriptor } from '../kube/resources';
import { labelSelectorString } from '../kube/selectors';
import { ClientNodeTransport } from '../kube/transport';
import type { Disposable, TopicSource } from '../topics/hub';
import { PodTunnel } from './tunnel';

/** Labels that differ between pods of one workload; a pod's "family" is its labels without them. */
const POD_UNIQUE_LABELS = [
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
];

const PROBE_MS = 5_000;
/** How long starting a forward waits for a ready pod before it gives up. */
const READY_WAIT_MS = 15_000;

interface PortSpec {
  containerPort: number;
  name?: string;
}

function isReady(p: Pod): boolean {
  return (
    p.metadata.deletionTimestamp === undefined &&
    p.status?.phase === 'Running' &&
    (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

function podPorts(p: Pod): PortSpec[] {
  return (p.spec?.containers ?? []).flatMap((c) => (c as { ports?: PortSpec[] }).ports ?? []);
}

/** How a forward finds its pods: which pods may back it and which port on them to reach. */
interface Backing {
  selector?: string;
  /** The one pod of a pod target without an owner: when it goes, the forward fails. */
  onlyPod?: string;
  podPort(p: Pod): number | undefined;
  describe: string;
}

async function resolveBacking(client: KubeClient, spec: ForwardSpec, signal: AbortSignal): Promise<Backing> {
  const { namespace, target, port } = spec;
  const byName = (p: Pod): number | undefined =>
    typeof port === 'number' ? port : podPorts(p).find((x) => x.name === port)?.containerPort;
  if (target.kind === 'service') {
    const svc = await client.get<Service>(
      { apiVersion: 'v1', kind: 'Service', namespace, name: target.name },
      signal,
    );
    if (svc === undefined) {
      throw new AgentFailure(agentError('NOT_FOUND', `Service ${namespace}/${target.name} was not found.`));
    }
    const ports = (svc.spec?.ports ?? []) as { name?: string; port: number; targetPort?: number | string }[];
    const sp = ports.find((p) => p.port === port || p.name === port || String(p.port) === String(port));
    if (sp === undefined) {
      const list = ports
        .map((p) => (p.name === undefined ? `${p.port}` : `${p.port} (${p.name})`))
        .join(', ');
      throw new AgentFailure(
        agentError('INVALID', `Service ${target.name} has no port ${port}; its ports are ${list || 'none'}.`),
      );
    }
    const sel = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
    if (Object.keys(sel).length === 0) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `Service ${target.name} has no selector, so no pod backs it; forward to a pod instead.`,
        ),
      );
    }
    const tp = sp.targetPort ?? sp.port;
    return {
      selector: labelSelectorString({ matchLabels: sel }),
      podPort: (p) => (typeof tp === 'number' ? tp : podPorts(p).find((x) => x.name === tp)?.containerPort),
      describe: `service ${target.name}:${sp.port}`,
    };
  }
  if (target.kind === 'workload') {
    const kind = target.workloadKind ?? 'Deployment';
    const w = await client.get<KubeObject & { spec?: { selector?: LabelSelector } }>(
      { apiVersion: 'apps/v1', kind, namespace, name: target.name },
      signal,
    );
    if (w === undefined) {
      throw new AgentFailure(agentError('NOT_FOUND', `${kind} ${namespace}/${target.name} was not found.`));
    }
    const selector = labelSelectorString(w.spec?.selector);
    if (selector === '') {
      throw new AgentFailure(
        agentError('INVALID', `${kind} ${target.name} has no pod selector to forward to.`),
      );
    }
    return {
      selector,
      podPort: byName,
      describe: `${kind.toLowerCase()} ${target.name}:${port}`,
    };
  }
  const pod = await client.get<Pod>({ apiVersion: 'v1', kind: 'Pod', namespace, name: target.name }, signal);
  if (pod === undefined)
    throw new AgentFailure(agentError('NOT_FOUND', `Pod ${namespace}/${target.name} was not found.`));
  const family = Object.fromEntries(
    Object.entries(pod.metadata.labels ?? {}).filter(([k]) => !POD_UNIQUE_LABELS.includes(k)),
  );
  const owned = (pod.metadata.ownerReferences ?? []).some((o) => o.controller === true);
  return {
    ...(owned && Object.keys(family).length > 0
      ? { selector: labelSelectorString({ matchLabels: family }) }
      : { onlyPod: target.name }),
    podPort: byName,
    describe: `pod ${target.name}:${port}`,
  };
}

function listen(localPort: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ pauseOnConnect: true, noDelay: true });
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        reject(
          new AgentFailure(
            agentError(
              'CONFLICT',
              `Local port ${localPort} is already in use by another program; choose another port or leave it empty for a free one.`,
            ),
          ),
        );
      } else if (e.code === 'EACCES') {
        reject(
          new AgentFailure(
            agentError(
              'INVALID',
              `Local port ${localPort} needs administrator rights; choose a port above 1023.`,
            ),
          ),
        );
      } else reject(e);
    });
    server.listen(localPort, '127.0.0.1', () => resolve(server));
  });
}

/**
 * One port-forward the agent keeps: a local listener whose every connection is tunnelled to a ready
 * backing pod through the API server (a PodTunnel over the portforward WebSocket). When that pod goes
 * away or stops being ready, new connections go to another ready pod at once; a probe through the tunnel
 * keeps the status honest.
 */
class Forward {
  info: ForwardInfo;
  private informer: Informer<Pod> | undefined;
  private readonly sockets = new Set<Socket>();
  private closedIn = 0;
  private closedOut = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    readonly spec: ForwardSpec,
    private readonly backing: Backing,
    private readonly server: Server,
    private readonly changed: () => void,
  ) {
    this.info = {
      id: randomUUID(),
      spec,
      localPort: (server.address() as AddressInfo).port,
      state: 'starting',
      bytesIn: 0,
      bytesOut: 0,
      connections: 0,
      totalConnections: 0,
      startedAt: new Date().toISOString(),
    };
    server.on('connection', (s: Socket) => void this.accept(s));
  }

  async start(): Promise<void> {
    // An ownerless pod has no selector of its own: its namespace's pods are watched and filtered by name.
    const resource: ResourceDescriptor =
      this.backing.selector === undefined
        ? RESOURCES.pods
        : { ...RESOURCES.pods, labelSelector: this.backing.selector };
    const inf = new Informer<Pod>({
      transport: new ClientNodeTransport({
        context: this.client.context,
        kubeConfig: () => this.client.kubeConfig,
      }),
      resource,
      namespace: this.spec.namespace,
    });
    this.informer = inf;
    const synced = new Promise<void>((resolve) => {
      inf.onChange((e) => {
        if (e.type === 'synced') resolve();
        this.repick();
      });
    });
    inf.start();
    await Promise.race([synced, new Promise((r) => setTimeout(r, 10_000))]);
    this.repick();
    if (this.info.pod === undefined) {
      // Pods still starting (a rollout in progress) get a moment to become ready.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, READY_WAIT_MS);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.info.pod === undefined) {
      await this.stop();
      throw new AgentFailure(
        agentError(
          'UNAVAILABLE',
          `No ready pod backs ${this.backing.describe} yet; wait for the rollout and try again.`,
        ),
      );
    }
    await this.probe();
    this.probeTimer = setInterval(() => void this.probe(), PROBE_MS);
  }

  /** Keeps the current pod while it is ready; otherwise picks another ready one (or none). */
  private repick(): void {
    const inf = this.informer;
    if (inf === undefined) return;
    const current =
      this.info.pod === undefined ? undefined : inf.objects.get(`${this.spec.namespace}/${this.info.pod}`);
    if (current !== undefined && isReady(current)) return;
    const candidates = [...inf.objects.values()].filter(
      (p) => isReady(p) && (this.backing.onlyPod === undefined || p.metadata.name === this.backing.onlyPod),
    );
    const next = candidates.find((p) => this.backing.podPort(p) !== undefined);
    const before = this.info.pod;
    if (next === undefined) {
      if (this.info.pod !== undefined || this.info.state === 'starting') {
        this.set({
          state: this.backing.onlyPod !== undefined && current === undefined ? 'failed' : 'moving',
          message:
            before === undefined
              ? `Waiting for a ready pod behind ${this.backing.describe}.`
              : `Pod ${before} went away; waiting for another ready pod.`,
        });
        Reflect.deleteProperty(this.info, 'pod');
        Reflect.deleteProperty(this.info, 'podPort');
      }
      return;
    }
    const port = this.backing.podPort(next);
    this.info.pod = next.metadata.name;
    if (port !== undefined) this.info.podPort = port;
    this.set({
      state: 'active',
      message:
        before === undefined || before === next.metadata.name
          ? undefined
          : `Moved from ${before} to ${next.metadata.name}.`,
    });
    for (const w of this.waiters.splice(0)) w();
  }

  private set(patch: { state: ForwardInfo['state']; message: string | undefined }): void {
    this.info.state = patch.state;
    if (patch.message === undefined) Reflect.deleteProperty(this.info, 'message');
    else this.info.message = patch.message;
    this.changed();
  }

  /** A pod to connect to now, waiting up to 2 s for one while the forward is moving. */
  private async pod(): Promise<{ pod: string; port: number } | undefined> {
    if (this.info.pod === undefined) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2_000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.info.pod === undefined || this.info.podPort === undefined) return undefined;
    return { pod: this.info.pod, port: this.info.podPort };
  }

  private async accept(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    this.info.connections++;
    this.info.totalConnections++;
    this.changed();
    let counted = false;
    const done = (): void => {
      if (counted) return;
      counted = true;
      this.sockets.delete(socket);
      this.closedIn += socket.bytesWritten;
      this.closedOut += socket.bytesRead;
      this.info.connections--;
      this.changed();
    };
    socket.on('close', done);
    socket.on('error', () => socket.destroy());
    const target = await this.pod();
    if (target === undefined || socket.destroyed) {
      socket.destroy();
      return;
    }
    try {
      const tunnel = await PodTunnel.open(this.client, this.spec.namespace, target.pod, target.port);
      if (socket.destroyed) {
        tunnel.close();
        return;
      }
      tunnel.onError((message) => {
        this.set({ state: this.info.state, message });
        socket.destroy();
      });
      tunnel.pipe(socket);
    } catch (e) {
      this.set({
        state: this.info.state,
        message: `Could not open the tunnel to ${target.pod}: ${e instanceof Error ? e.message : String(e)}`,
      });
      socket.destroy();
    }
  }

  /** Opens a tunnel to the pod's port and sees that the kubelet reaches it. */
  private async probe(): Promise<void> {
    const target =
      this.info.pod === undefined ? undefined : { pod: this.info.pod, port: this.info.podPort ?? 0 };
    if (target === undefined) return;
    let failed: string | undefined;
    try {
      const tunnel = await PodTunnel.open(
        this.client,
        this.spec.namespace,
        target.pod,
        target.port,
        this.abort.signal,
      );
      await new Promise((r) => setTimeout(r, 300));
      if (tunnel.error !== '') failed = tunnel.error;
      tunnel.close();
    } catch (e) {
      failed = e instanceof Error ? e.message : String(e);
    }
    if (this.abort.signal.aborted) return;
    if (failed === undefined) {
      this.info.probedAt = new Date().toISOString();
      if (this.info.state !== 'active' && this.info.pod === target.pod)
        this.set({ state: 'active', message: undefined });
      else this.changed();
    } else if (this.info.pod === target.pod) {
      this.set({ state: 'failed', message: `Probe through the tunnel failed: ${failed}` });
    }
  }

  /** Live byte counts: closed connections plus what open sockets have moved so far. */
  refreshCounters(): boolean {
    let inBytes = this.closedIn;
    let outBytes = this.closedOut;
    for (const s of this.sockets) {
      inBytes += s.bytesWritten;
      outBytes += s.bytesRead;
    }
    const moved = inBytes !== this.info.bytesIn || outBytes !== this.info.bytesOut;
    this.info.bytesIn = inBytes;
    this.info.bytesOut = outBytes;
    return moved;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    await this.informer?.stop();
  }
}

/**
 * Every port-forward of this agent, with a live topic for the Port Forwards view. Forwards belong to the
 * agent, not to a window: a reloaded window lists them again and they keep working meanwhile.
 */
export class ForwardManager implements TopicSource<'forwards'> {
  private readonly forwards = new Map<string, Forward>();
  private readonly listeners = new Set<(ops: DeltaOp<'forwards'>[]) => void>();
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Publishes byte counts once a second while any forward runs. */
  private counterTimer: NodeJS.Timeout | undefined;

  constructor(private readonly clientFor: (context: string) => KubeClient) {}

  private countersRunning(): void {
    if (this.forwards.size === 0) {
      clearInterval(this.counterTimer);
      this.counterTimer = undefined;
      return;
    }
    this.counterTimer ??= setInterval(() => {
      for (const f of this.forwards.values()) if (f.refreshCounters()) this.mark(f.info.id);
    }, 1_000);
    this.counterTimer.unref();
  }

  async start(spec: ForwardSpec, signal: AbortSignal): Promise<ForwardInfo> {
    const client = this.clientFor(spec.context);
    const backing = await resolveBacking(client, spec, signal);
    const lp = spec.localPort ?? 0;
    for (const f of this.forwards.values()) {
      if (lp !== 0 && f.info.localPort === lp) {
        throw new AgentFailure(
          agentError(
            'CONFLICT',
            `Local port ${lp} is already forwarded to ${f.spec.target.name}; stop that forward or choose another port.`,
          ),
        );
      }
    }
    const server = await listen(lp);
    let id = '';
    const f = new Forward(client, spec, backing, server, () => this.mark(id));
    id = f.info.id;
    await f.start();
    this.forwards.set(id, f);
    this.countersRunning();
    this.mark(id);
    return { ...f.info };
  }

  async stop(id: string | undefined): Promise<number> {
    const victims =
      id === undefined ? [...this.forwards.values()] : [this.forwards.get(id)].filter((f) => f !== undefined);
    if (id !== undefined && victims.length === 0) {
      throw new AgentFailure(
        agentError('NOT_FOUND', `No port-forward ${id}; it may have been stopped already.`),
      );
    }
    for (const f of victims) {
      this.forwards.delete(f.info.id);
      this.dirty.add(f.info.id);
      await f.stop();
    }
    this.countersRunning();
    this.schedule();
    return victims.length;
  }

  list(): ForwardInfo[] {
    return [...this.forwards.values()].map((f) => ({ ...f.info }));
  }

  private mark(id: string): void {
    if (id === '' || !this.forwards.has(id)) return;
    this.dirty.add(id);
    this.schedule();
  }

  private schedule(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const ops: DeltaOp<'forwards'>[] = [];
      for (const id of this.dirty) {
        const f = this.forwards.get(id);
        ops.push(
          f === undefined
            ? { op: 'del', c: 'forwards', key: id }
            : { op: 'put', c: 'forwards', key: id, value: { ...f.info } },
        );
      }
      this.dirty.clear();
      if (ops.length > 0) for (const l of this.listeners) l(ops);
    }, 50);
  }

  state(): TopicState<'forwards'> {
    const forwards: Record<string, ForwardInfo> = {};
    for (const f of this.list()) forwards[f.id] = f;
    return { forwards };
  }

  error(): null {
    return null;
  }

  onDelta(listener: (ops: DeltaOp<'forwards'>[]) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Subscriptions come and go; the manager lives as long as the agent. */
  dispose(): void {}

  async close(): Promise<void> {
    await this.stop(undefined);
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
