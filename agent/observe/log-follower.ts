import {
  AgentFailure,
  type LogChunk,
  type LogCursor,
  type LogFollowParams,
  type LogLine,
  type LogNote,
  agentError,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import { Informer } from '../kube/informer';
import { Emitter } from '../kube/lifecycle';
import type { KubeObject, LabelSelector, Pod } from '../kube/objects';
import { RESOURCES, type ResourceDescriptor } from '../kube/resources';
import { labelSelectorString } from '../kube/selectors';
import { ClientNodeTransport } from '../kube/transport';
import { type ContainerView, ContainerLog } from './container-log';
import { stampKey } from './log-cursor';

export interface LogSink {
  chunk(c: LogChunk): void;
  /** A promise while the receiver is behind; streams pause until it settles. */
  pressure(): Promise<void> | undefined;
}

const WORKLOAD_API: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
};

/** How often batched lines are sent: short enough to feel live, long enough to sort a burst by time. */
const FLUSH_MS = 40;
const MAX_BATCH = 5_000;

/** The pod collection a selection follows: a workload's pods by its selector, or the namespace's. */
export async function podResource(
  client: KubeClient,
  params: Pick<LogFollowParams, 'namespace' | 'workload'>,
  signal: AbortSignal,
): Promise<ResourceDescriptor> {
  if (params.workload === undefined) return RESOURCES.pods;
  const w = params.workload;
  const live = await client.get<KubeObject & { spec?: { selector?: LabelSelector } }>(
    {
      apiVersion: WORKLOAD_API[w.kind] ?? 'apps/v1',
      kind: w.kind,
      namespace: params.namespace,
      name: w.name,
    },
    signal,
  );
  if (live === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        `${w.kind} ${params.namespace}/${w.name} was not found; refresh the Services view.`,
      ),
    );
  }
  const sel = labelSelectorString(live.spec?.selector);
  if (sel === '') {
    throw new AgentFailure(agentError('INVALID', `${w.kind} ${w.name} has no pod selector to follow.`));
  }
  return { ...RESOURCES.pods, labelSelector: sel };
}

function containerView(pod: Pod | undefined, container: string, deleted: boolean): ContainerView {
  const st = pod?.status?.containerStatuses?.find((c) => c.name === container);
  const running = st?.state?.running !== undefined;
  const terminated = st?.state?.terminated;
  const phase = pod?.status?.phase;
  return {
    gone: deleted || pod === undefined || pod.metadata.deletionTimestamp !== undefined,
    running,
    restartCount: st?.restartCount ?? 0,
    finished: terminated !== undefined && (phase === 'Succeeded' || phase === 'Failed'),
  };
}

/**
 * Follows the logs of every container of a selection's pods. Pods that appear later join from their
 * first line; pods that go away are marked. Lines are batched, sorted by stamp within a batch, and sent
 * as chunks; the returned cursors say where each container ended.
 */
export class LogFollower {
  private readonly streams = new Map<string, ContainerLog>();
  private readonly running: Promise<void>[] = [];
  private readonly changes = new Emitter<string>();
  private readonly deleted = new Set<string>();
  private batch: LogLine[] = [];
  private notes: LogNote[] = [];
  private timer: NodeJS.Timeout | undefined;
  private informer: Informer<Pod> | undefined;
  total = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly params: LogFollowParams,
    private readonly sink: LogSink,
  ) {}

  private wanted(pod: Pod): boolean {
    const names = this.params.pods;
    return names === undefined || names.length === 0 || names.includes(pod.metadata.name);
  }

  private containersOf(pod: Pod): string[] {
    const all = (pod.spec?.containers ?? []).map((c) => c.name);
    const only = this.params.containers;
    return only === undefined || only.length === 0 ? all : all.filter((c) => only.includes(c));
  }

  private push(line: LogLine): void {
    this.batch.push(line);
    this.total++;
    if (this.batch.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private note(n: LogNote): void {
    this.notes.push(n);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0 && this.notes.length === 0) return;
    const lines = this.batch;
    // Stable: lines of one container keep their order when stamps tie.
    lines.sort((a, b) => {
      const ka = stampKey(a.ts);
      const kb = stampKey(b.ts);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    this.sink.chunk({ kind: 'logs', lines, notes: this.notes });
    this.batch = [];
    this.notes = [];
  }

  private startPod(pod: Pod, mode: 'initial' | 'joined', signal: AbortSignal, follow: boolean): void {
    const p = this.params;
    const name = pod.metadata.name;
    const resume = new Map<string, LogCursor>();
    for (const c of p.resume ?? []) if (c.pod === name) resume.set(c.container, c);
    const fresh = this.containersOf(pod).filter((c) => !this.streams.has(`${name}/${c}`));
    if (fresh.length === 0) return;
    if (mode === 'joined') {
      this.note({ kind: 'joined', pod: name, at: new Date().toISOString(), message: `Pod ${name} joined.` });
    }
    for (const container of fresh) {
      const key = `${name}/${container}`;
      const cursor = resume.get(container);
      const resuming = p.resume !== undefined;
      const log = new ContainerLog(
        {
          client: this.client,
          namespace: p.namespace,
          pod: name,
          container,
          follow,
          view: () =>
            containerView(
              this.informer?.objects.get(`${p.namespace}/${name}`) ?? pod,
              container,
              this.deleted.has(name),
            ),
          changed: (ms, s) => this.waitChange(name, ms, s),
          line: (l) => this.push(l),
          note: (n) => this.note(n),
          pressure: () => this.sink.pressure(),
        },
        cursor !== undefined
          ? { cursor }
          : mode === 'joined' || resuming
            ? { previous: p.previous === true }
            : {
                ...(p.tailLines === undefined ? {} : { tailLines: p.tailLines }),
                ...(p.sinceSeconds === undefined ? {} : { sinceSeconds: p.sinceSeconds }),
                previous: p.previous === true,
              },
      );
      this.streams.set(key, log);
      this.running.push(
        log
          .run(signal)
          .catch((e: unknown) => {
            if (signal.aborted) return;
            this.note({
              kind: 'error',
              pod: name,
              container,
              at: new Date().toISOString(),
              message: e instanceof AgentFailure ? e.error.message : String(e),
            });
          })
          // A pod recreated under the same name (StatefulSet) gets a new stream.
          .finally(() => this.streams.delete(key)),
      );
    }
  }

  private waitChange(pod: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        sub.dispose();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const sub = this.changes.event((name) => {
        if (name === pod) done();
      });
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Reads (and with `follow`, keeps reading) until done or aborted; resolves with the line count. */
  async run(signal: AbortSignal): Promise<number> {
    const p = this.params;
    const resource = await podResource(this.client, p, signal);
    if (!p.follow) {
      const pods = (await this.client.list<Pod>('v1', 'Pod', p.namespace, {
        ...(resource.labelSelector === undefined ? {} : { labelSelector: resource.labelSelector }),
        signal,
      })) as Pod[];
      const chosen = pods.filter((pod) => this.wanted(pod));
      if (chosen.length === 0) throw this.noPods();
      for (const pod of chosen) this.startPod(pod, 'initial', signal, false);
      await Promise.all(this.running);
      this.flush();
      return this.total;
    }
    const informer = new Informer<Pod>({
      transport: new ClientNodeTransport({
        context: this.client.context,
        kubeConfig: () => this.client.kubeConfig,
      }),
      resource,
      namespace: p.namespace,
    });
    this.informer = informer;
    let synced = false;
    const sub = informer.onChange((e) => {
      if (e.type === 'synced') {
        synced = true;
        const pods = [...informer.objects.values()].filter((pod) => this.wanted(pod));
        for (const pod of pods) this.startPod(pod, 'initial', signal, true);
        return;
      }
      if (e.type === 'error') return;
      const pod = e.object;
      if (!this.wanted(pod)) return;
      const name = pod.metadata.name;
      if (e.type === 'delete') {
        this.deleted.add(name);
        this.note({
          kind: 'left',
          pod: name,
          at: new Date().toISOString(),
          message: `Pod ${name} went away.`,
        });
      } else if (synced) {
        if (e.type === 'add') this.deleted.delete(name);
        this.startPod(pod, 'joined', signal, true);
      }
      this.changes.fire(name);
    });
    informer.start();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    sub.dispose();
    await informer.stop();
    await Promise.all(this.running);
    this.flush();
    return this.total;
  }

  private noPods(): AgentFailure {
    const p = this.params;
    const what =
      p.workload !== undefined ? `${p.workload.kind} ${p.workload.name}` : (p.pods ?? []).join(', ');
    return new AgentFailure(
      agentError(
        'NOT_FOUND',
        `No pods of ${what || 'the selection'} in ${p.namespace}; scale it up or pick another.`,
      ),
    );
  }
}
