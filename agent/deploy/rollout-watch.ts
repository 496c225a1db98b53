import type { PlanEvent, PodProblem, WorkloadRef } from '../../protocol';
import type { KubeClient } from '../kube/client';
import { Informer } from '../kube/informer';
import type { Disposable } from '../kube/lifecycle';
import type { KubeObject, LabelSelector, Pod } from '../kube/objects';
import { RESOURCES, type ResourceDescriptor } from '../kube/resources';
import { ClientNodeTransport } from '../kube/transport';
import { type PodFinding, podFinding } from './pod-problems';
import { type RolloutState, rolloutState } from './rollout-status';

export interface RolloutWatchOptions {
  client: KubeClient;
  namespace: string;
  workloads: WorkloadRef[];
  /** Pods created at or after this time (ms) belong to the change being watched. */
  since: number;
  /** Give up after this long without every workload rolled out. */
  timeoutMs: number;
  signal: AbortSignal;
  emit(e: PlanEvent): void;
  /** A new pod restarting this often fails the rollout (default 2). */
  maxRestarts?: number;
  /** How long a new pod may run unready before it is reported as a problem (default 10 s). */
  unreadyGraceMs?: number;
}

export interface RolloutOutcome {
  ok: boolean;
  /** Why the rollout failed, in one sentence. */
  reason?: string;
  problems: PodProblem[];
  states: Map<string, RolloutState>;
  /** When the last workload was seen complete (ms), for the benchmark. */
  completedAt?: number;
}

const KIND_RESOURCE = {
  Deployment: RESOURCES.deployments,
  StatefulSet: RESOURCES.statefulsets,
  DaemonSet: RESOURCES.daemonsets,
} as const;

function key(w: WorkloadRef): string {
  return `${w.kind}/${w.name}`;
}

function matches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const v = l[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(v ?? ''))) return false;
    if (e.operator === 'NotIn' && has && values.includes(v ?? '')) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function labelSelectorString(sel: LabelSelector | undefined): string | undefined {
  const entries = Object.entries(sel?.matchLabels ?? {});
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * Follows workloads until their rollouts finish or fail, driven by watch events: it reports progress per
 * workload as the controllers update status, and surfaces a failing new pod (its reason, recent events
 * and last log lines) the moment it is seen, failing fast on crash loops and image errors instead of
 * waiting for the progress deadline.
 */
export async function watchRollout(opts: RolloutWatchOptions): Promise<RolloutOutcome> {
  const { client, namespace } = opts;
  const transport = (): ClientNodeTransport =>
    new ClientNodeTransport({ context: client.context, kubeConfig: () => client.kubeConfig });
  const maxRestarts = opts.maxRestarts ?? 2;
  const states = new Map<string, RolloutState>();
  const problems: PodProblem[] = [];
  const reported = new Map<string, string>();
  const pendingUnready = new Map<string, NodeJS.Timeout>();
  const unreadyGraceMs = opts.unreadyGraceMs ?? 10_000;
  const informers: Informer<KubeObject>[] = [];
  const subscriptions: Disposable[] = [];
  const kinds = new Set(opts.workloads.map((w) => w.kind));
  const workloadInformers = new Map<string, Informer<KubeObject>>();
  for (const kind of kinds) {
    const inf = new Informer<KubeObject>({
      transport: transport(),
      resource: KIND_RESOURCE[kind],
      namespace,
    });
    workloadInformers.set(kind, inf);
    informers.push(inf);
  }
  // One workload: watch only its pods. Several: every pod of the namespace, matched by selector below.
  const only = opts.workloads.length === 1 ? opts.workloads[0] : undefined;
  let podResource: ResourceDescriptor = RESOURCES.pods;
  if (only !== undefined) {
    const live = await client.get<KubeObject & { spec?: { selector?: LabelSelector } }>(
      { apiVersion: KIND_RESOURCE[only.kind].apiVersion, kind: only.kind, namespace, name: only.name },
      opts.signal,
    );
    const sel = labelSelectorString(live?.spec?.selector);
    if (sel !== undefined) podResource = { ...RESOURCES.pods, labelSelector: sel };
  }
  const pods = new Informer<Pod>({ transport: transport(), resource: podResource, namespace });
  informers.push(pods as unknown as Informer<KubeObject>);

  const sinceSecond = Math.floor(opts.since / 1000) * 1000;
  const isNew = (p: Pod): boolean => Date.parse(p.metadata.creationTimestamp ?? '') >= sinceSecond;
  const ownerOf = (p: Pod): WorkloadRef | undefined => {
    for (const w of opts.workloads) {
      const obj = workloadInformers.get(w.kind)?.objects.get(`${namespace}/${w.name}`) as
        (KubeObject & { spec?: { selector?: LabelSelector } }) | undefined;
      if (matches(obj?.spec?.selector, p.metadata.labels)) return w;
    }
    return undefined;
  };

  return new Promise<RolloutOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<RolloutOutcome, 'problems' | 'states'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const t of pendingUnready.values()) clearTimeout(t);
      opts.signal.removeEventListener('abort', onAbort);
      for (const s of subscriptions) s.dispose();
      for (const i of informers) void i.stop();
      resolve({ ...outcome, problems, states });
    };
    const at = (): string => new Date().toISOString();

    const checkWorkloads = (): void => {
      let allDone = true;
      for (const w of opts.workloads) {
        const obj = workloadInformers.get(w.kind)?.objects.get(`${namespace}/${w.name}`);
        if (obj === undefined) {
          allDone = false;
          continue;
        }
        const state = rolloutState(w.kind, obj as unknown as Record<string, unknown>);
        const prev = states.get(key(w));
        states.set(key(w), state);
        if (prev?.message !== state.message) {
          opts.emit({
            type: 'workload',
            workload: w,
            desired: state.desired,
            updated: state.updated,
            ready: state.ready,
            available: state.available,
            message: state.message,
            at: at(),
          });
        }
        if (state.failed !== undefined) {
          const last = problems[problems.length - 1];
          finish({
            ok: false,
            reason: `${state.failed}${last === undefined ? '' : ` (pod ${last.pod}: ${last.reason})`}`,
          });
          return;
        }
        if (!state.done) allDone = false;
      }
      if (allDone && pods.synced) finish({ ok: true, completedAt: Date.now() });
    };

    const describe = async (pod: Pod, w: WorkloadRef, f: PodFinding): Promise<PodProblem> => {
      const problem: PodProblem = {
        pod: pod.metadata.name,
        reason: f.reason,
        message: f.message,
        restarts: f.restarts,
        events: [],
        logTail: [],
      };
      if (f.container !== undefined) problem.container = f.container;
      try {
        const events = await client.list<
          KubeObject & { reason?: string; message?: string; lastTimestamp?: string }
        >('v1', 'Event', namespace, {
          fieldSelector: `involvedObject.name=${pod.metadata.name}`,
          signal: opts.signal,
        });
        problem.events = events.slice(-8).map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`.trim());
      } catch {
        // Events are context for the user; a failure to read them must not hide the problem itself.
      }
      try {
        const tail = await client.logTail(namespace, pod.metadata.name, {
          ...(f.container === undefined ? {} : { container: f.container }),
          tailLines: 20,
          previous: f.restarted,
          signal: opts.signal,
        });
        problem.logTail = tail.split('\n').filter((l) => l !== '');
      } catch {
        // As above: the log is context.
      }
      opts.emit({ type: 'pod', workload: w, problem, at: at() });
      return problem;
    };

    const checkPod = (pod: Pod, persisted = false): void => {
      if (!isNew(pod)) return;
      const w = ownerOf(pod);
      if (w === undefined) return;
      const f = podFinding(pod, maxRestarts);
      const name = pod.metadata.name;
      if (f === undefined) {
        reported.delete(name);
        const t = pendingUnready.get(name);
        if (t !== undefined) clearTimeout(t);
        pendingUnready.delete(name);
        const i = problems.findIndex((p) => p.pod === name);
        if (i >= 0) problems.splice(i, 1);
        return;
      }
      const signature = `${f.reason}/${f.restarts}`;
      if (reported.get(name) === signature) return;
      if (!f.fatal) {
        // A new pod is briefly unready while it starts; report it only if it stays that way.
        if (!pendingUnready.has(name)) {
          pendingUnready.set(
            name,
            setTimeout(() => {
              pendingUnready.delete(name);
              const now = pods.objects.get(`${namespace}/${name}`);
              if (now !== undefined && !settled) checkPod(now, true);
            }, unreadyGraceMs),
          );
        }
        if (!persisted) return;
      }
      reported.set(name, signature);
      void describe(pod, w, f).then((problem) => {
        const i = problems.findIndex((p) => p.pod === problem.pod);
        if (i >= 0) problems.splice(i, 1);
        problems.push(problem);
        if (f.fatal) {
          finish({
            ok: false,
            reason: `pod ${name} of ${w.kind.toLowerCase()} ${w.name} is failing: ${f.reason}${f.message === f.reason ? '' : ` (${f.message})`}`,
          });
        }
      });
    };

    for (const inf of workloadInformers.values()) {
      subscriptions.push(
        inf.onChange((e) => {
          if (e.type === 'add' || e.type === 'update' || e.type === 'synced') checkWorkloads();
        }),
      );
    }
    subscriptions.push(
      pods.onChange((e) => {
        if (e.type === 'add' || e.type === 'update') checkPod(e.object);
        if (e.type === 'synced') {
          for (const p of pods.objects.values()) checkPod(p);
          checkWorkloads();
        }
      }),
    );
    const timer = setTimeout(() => {
      const pending = opts.workloads
        .map((w) => states.get(key(w)))
        .filter((s): s is RolloutState => s !== undefined && !s.done)
        .map((s) => s.message);
      const last = problems[problems.length - 1];
      finish({
        ok: false,
        reason: `the rollout did not finish within ${Math.round(opts.timeoutMs / 1000)} seconds${
          last === undefined ? '' : `: pod ${last.pod} ${last.reason} (${last.message})`
        }${pending.length === 0 ? '' : `; ${pending[0] ?? ''}`}`,
      });
    }, opts.timeoutMs);
    const onAbort = (): void => finish({ ok: false, reason: 'cancelled' });
    opts.signal.addEventListener('abort', onAbort, { once: true });
    for (const i of informers) i.start();
  });
}
