import {
  AgentFailure,
  type DescribeParams,
  type DescribeResult,
  type EventInfo,
  agentError,
} from '../../protocol';
import { podFinding } from '../deploy/pod-problems';
import type { KubeClient, ObjectRef } from '../kube/client';
import type { KubeObject, OwnerReference, Pod } from '../kube/objects';

interface EventObject extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}

type Json = Record<string, unknown>;

const KIND_API: Record<string, string> = {
  Pod: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Namespace: 'v1',
  Node: 'v1',
  PersistentVolumeClaim: 'v1',
  ServiceAccount: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
};

function rec(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

function age(ts: string | undefined): string {
  if (ts === undefined) return '<unknown>';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** Writes `Key:  value` lines with kubectl describe's indentation. */
class Out {
  private readonly lines: string[] = [];

  kv(indent: number, key: string, value: unknown): void {
    const v = value === undefined || value === '' ? '<none>' : String(value);
    this.lines.push(`${'  '.repeat(indent)}${`${key}:`.padEnd(Math.max(0, 22 - indent * 2))}${v}`);
  }

  line(indent: number, text: string): void {
    this.lines.push(`${'  '.repeat(indent)}${text}`);
  }

  map(indent: number, key: string, m: Record<string, string> | undefined, skip: string[] = []): void {
    const entries = Object.entries(m ?? {}).filter(([k]) => !skip.includes(k));
    if (entries.length === 0) {
      this.kv(indent, key, '<none>');
      return;
    }
    entries.forEach(([k, v], i) => {
      const text = `${k}=${v.length > 120 ? `${v.slice(0, 117)}...` : v}`;
      if (i === 0) this.kv(indent, key, text);
      else this.line(indent, `${' '.repeat(Math.max(0, 22 - indent * 2))}${text}`);
    });
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function probeText(p: Json): string {
  const http = rec(p['httpGet']);
  const tcp = rec(p['tcpSocket']);
  const exec = rec(p['exec']);
  let what = 'unknown';
  if (Object.keys(http).length > 0)
    what = `http-get ${String(http['scheme'] ?? 'http').toLowerCase()}://:${String(http['port'])}${String(http['path'] ?? '/')}`;
  else if (Object.keys(tcp).length > 0) what = `tcp-socket :${String(tcp['port'])}`;
  else if (Object.keys(exec).length > 0) what = `exec [${arr(exec['command']).join(' ')}]`;
  return `${what} delay=${String(p['initialDelaySeconds'] ?? 0)}s timeout=${String(p['timeoutSeconds'] ?? 1)}s period=${String(p['periodSeconds'] ?? 10)}s #success=${String(p['successThreshold'] ?? 1)} #failure=${String(p['failureThreshold'] ?? 3)}`;
}

function stateText(out: Out, indent: number, key: string, st: Json): void {
  const [name, detail] = Object.entries(st)[0] ?? ['', {}];
  if (name === '') return;
  const d = rec(detail);
  out.kv(indent, key, name[0]!.toUpperCase() + name.slice(1));
  if (d['reason'] !== undefined) out.kv(indent + 1, 'Reason', d['reason']);
  if (d['message'] !== undefined) out.kv(indent + 1, 'Message', d['message']);
  if (d['exitCode'] !== undefined) out.kv(indent + 1, 'Exit Code', d['exitCode']);
  if (d['startedAt'] !== undefined) out.kv(indent + 1, 'Started', d['startedAt']);
  if (d['finishedAt'] !== undefined) out.kv(indent + 1, 'Finished', d['finishedAt']);
}

/** Containers as kubectl describe lists them; env values from Secrets are named, never read. */
function containers(out: Out, spec: Json, status: Json | undefined, title = 'Containers'): void {
  out.line(0, `${title}:`);
  const statuses = arr(status?.['containerStatuses']);
  for (const c of arr(spec['containers'])) {
    const name = String(c['name']);
    const st = statuses.find((s) => s['name'] === name);
    out.line(1, `${name}:`);
    out.kv(2, 'Image', c['image']);
    const ports = arr(c['ports']).map(
      (p) =>
        `${String(p['containerPort'])}/${String(p['protocol'] ?? 'TCP')}${p['name'] === undefined ? '' : ` (${String(p['name'])})`}`,
    );
    out.kv(2, 'Ports', ports.join(', '));
    if (st !== undefined) {
      stateText(out, 2, 'State', rec(st['state']));
      if (Object.keys(rec(st['lastState'])).length > 0) stateText(out, 2, 'Last State', rec(st['lastState']));
      out.kv(2, 'Ready', st['ready'] === true ? 'True' : 'False');
      out.kv(2, 'Restart Count', st['restartCount'] ?? 0);
    }
    const res = rec(c['resources']);
    for (const k of ['limits', 'requests'] as const) {
      const m = rec(res[k]);
      if (Object.keys(m).length === 0) continue;
      out.line(2, `${k[0]!.toUpperCase()}${k.slice(1)}:`);
      for (const [r, q] of Object.entries(m)) out.kv(3, r, q);
    }
    if (c['livenessProbe'] !== undefined) out.kv(2, 'Liveness', probeText(rec(c['livenessProbe'])));
    if (c['readinessProbe'] !== undefined) out.kv(2, 'Readiness', probeText(rec(c['readinessProbe'])));
    if (c['startupProbe'] !== undefined) out.kv(2, 'Startup', probeText(rec(c['startupProbe'])));
    const env = arr(c['env']);
    const envFrom = arr(c['envFrom']);
    if (env.length === 0 && envFrom.length === 0) out.kv(2, 'Environment', '<none>');
    else {
      out.line(2, 'Environment:');
      for (const e of envFrom) {
        const cm = rec(e['configMapRef']);
        const sec = rec(e['secretRef']);
        if (cm['name'] !== undefined) out.line(3, `ConfigMap ${String(cm['name'])}  (all keys)`);
        if (sec['name'] !== undefined) out.line(3, `Secret ${String(sec['name'])}  (all keys)`);
      }
      for (const e of env) {
        const from = rec(e['valueFrom']);
        const sk = rec(from['secretKeyRef']);
        const ck = rec(from['configMapKeyRef']);
        const fr = rec(from['fieldRef']);
        let v: string;
        if (sk['name'] !== undefined)
          v = `<set to the key '${String(sk['key'])}' in secret '${String(sk['name'])}'>`;
        else if (ck['name'] !== undefined)
          v = `<set to the key '${String(ck['key'])}' of config map '${String(ck['name'])}'>`;
        else if (fr['fieldPath'] !== undefined) v = `(${String(fr['fieldPath'])})`;
        else v = String(e['value'] ?? '');
        out.kv(3, String(e['name']), v);
      }
    }
  }
}

function conditions(out: Out, status: Json): void {
  const conds = arr(status['conditions']);
  if (conds.length === 0) return;
  out.line(0, 'Conditions:');
  out.line(1, `${'Type'.padEnd(28)}${'Status'.padEnd(8)}Reason`);
  for (const c of conds)
    out.line(
      1,
      `${String(c['type']).padEnd(28)}${String(c['status']).padEnd(8)}${String(c['reason'] ?? '')}`,
    );
}

async function ownerChain(client: KubeClient, obj: KubeObject, signal: AbortSignal): Promise<string[]> {
  const chain: string[] = [];
  let cur: KubeObject | undefined = obj;
  for (let i = 0; i < 5 && cur !== undefined; i++) {
    const owner: OwnerReference | undefined = (cur.metadata.ownerReferences ?? []).find(
      (o) => o.controller === true,
    );
    if (owner === undefined) break;
    chain.push(`${owner.kind}/${owner.name}`);
    const ref: ObjectRef = {
      apiVersion: owner.apiVersion ?? 'v1',
      kind: owner.kind,
      namespace: obj.metadata.namespace,
      name: owner.name,
    };
    let next: KubeObject | undefined;
    try {
      next = await client.get<KubeObject>(ref, signal);
    } catch {
      next = undefined;
    }
    cur = next;
  }
  return chain;
}

export function toEventInfo(e: EventObject): EventInfo {
  const info: EventInfo = {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: (e.message ?? '').trim(),
    object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
    count: e.count ?? 1,
  };
  const first = e.firstTimestamp ?? e.eventTime;
  const last = e.lastTimestamp ?? e.eventTime ?? first;
  if (first !== undefined && first !== null) info.firstSeen = first;
  if (last !== undefined && last !== null) info.lastSeen = last;
  return info;
}

/** Events of a namespace or of named objects, oldest first. */
export async function listEvents(
  client: KubeClient,
  namespace: string,
  objects: { kind: string; name: string }[] | undefined,
  signal: AbortSignal,
): Promise<EventInfo[]> {
  const lists =
    objects === undefined || objects.length === 0
      ? [await client.list<EventObject>('v1', 'Event', namespace, { signal })]
      : await Promise.all(
          objects.map((o) =>
            client.list<EventObject>('v1', 'Event', namespace, {
              fieldSelector: `involvedObject.name=${o.name},involvedObject.kind=${o.kind}`,
              signal,
            }),
          ),
        );
  return lists
    .flat()
    .map(toEventInfo)
    .sort((a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''));
}

/** One sentence per failing container, with the last lines of its previous (or current) log. */
async function diagnose(client: KubeClient, pods: Pod[], signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const pod of pods) {
    const f = podFinding(pod, 1);
    if (f === undefined) continue;
    let sentence = `Pod ${pod.metadata.name}${f.container === undefined ? '' : ` (container ${f.container})`}: ${f.reason} — ${f.message}`;
    const tail = await client
      .logTail(pod.metadata.namespace ?? '', pod.metadata.name, {
        ...(f.container === undefined ? {} : { container: f.container }),
        tailLines: 5,
        previous: f.restarted,
        signal,
      })
      .catch(() => '');
    const lines = tail.split('\n').filter((l) => l !== '');
    if (lines.length > 0)
      sentence += `\n    ${f.restarted ? 'previous ' : ''}log: ${lines.join('\n         ')}`;
    out.push(sentence);
  }
  return out;
}

/** Like `kubectl describe`: the object's essentials, its owner chain, conditions and events. */
export async function describeObject(
  client: KubeClient,
  p: DescribeParams,
  signal: AbortSignal,
): Promise<DescribeResult> {
  // The common kinds are known; any other (a CRD's) is looked up in the cluster's discovery.
  const apiVersion = p.apiVersion ?? KIND_API[p.kind] ?? (await client.apiVersionOf(p.kind));
  if (apiVersion === undefined) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `The cluster of context "${client.context}" serves no kind ${p.kind}; check its spelling, or install the CRD that defines it.`,
      ),
    );
  }
  const obj = await client.get<KubeObject & Json>(
    { apiVersion, kind: p.kind, namespace: p.namespace, name: p.name },
    signal,
  );
  if (obj === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        `${p.kind} ${p.namespace === undefined ? '' : `${p.namespace}/`}${p.name} was not found.`,
      ),
    );
  }
  const out = new Out();
  const md = obj.metadata;
  const spec = rec(obj['spec']);
  const status = rec(obj['status']);
  out.kv(0, 'Name', md.name);
  if (md.namespace !== undefined) out.kv(0, 'Namespace', md.namespace);
  out.kv(0, 'Kind', `${p.kind} (${apiVersion})`);
  out.kv(0, 'Created', `${md.creationTimestamp ?? '<unknown>'} (${age(md.creationTimestamp)} ago)`);
  out.map(0, 'Labels', md.labels);
  out.map(0, 'Annotations', md.annotations, ['kubectl.kubernetes.io/last-applied-configuration']);
  const chain = await ownerChain(client, obj, signal);
  out.kv(0, 'Controlled By', chain.length === 0 ? '<none>' : chain.join(' ← '));
  let pods: Pod[] = [];
  switch (p.kind) {
    case 'Pod': {
      out.kv(0, 'Status', status['phase']);
      out.kv(0, 'Node', spec['nodeName']);
      out.kv(0, 'IP', status['podIP']);
      containers(out, spec, status);
      conditions(out, status);
      pods = [obj as unknown as Pod];
      break;
    }
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet': {
      const sel = rec(rec(spec['selector'])['matchLabels']) as Record<string, string>;
      out.map(0, 'Selector', sel);
      out.kv(
        0,
        'Replicas',
        `${String(spec['replicas'] ?? 1)} desired | ${String(status['updatedReplicas'] ?? 0)} updated | ${String(status['replicas'] ?? 0)} total | ${String(status['readyReplicas'] ?? 0)} ready | ${String(status['availableReplicas'] ?? 0)} available`,
      );
      const strategy = rec(spec['strategy'] ?? spec['updateStrategy']);
      if (strategy['type'] !== undefined) out.kv(0, 'Strategy', strategy['type']);
      const tmpl = rec(rec(spec['template'])['spec']);
      out.line(0, 'Pod Template:');
      containers(out, tmpl, undefined, '  Containers');
      conditions(out, status);
      const selector = Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      if (selector !== '') {
        pods = await client
          .list<Pod>('v1', 'Pod', md.namespace, { labelSelector: selector, signal })
          .catch((): Pod[] => []);
      }
      break;
    }
    case 'Service': {
      out.map(0, 'Selector', rec(spec['selector']) as Record<string, string>);
      out.kv(0, 'Type', spec['type'] ?? 'ClusterIP');
      out.kv(0, 'IP', spec['clusterIP']);
      for (const port of arr(spec['ports'])) {
        out.kv(
          0,
          'Port',
          `${String(port['name'] ?? '<unset>')}  ${String(port['port'])}/${String(port['protocol'] ?? 'TCP')}`,
        );
        out.kv(
          0,
          'TargetPort',
          `${String(port['targetPort'] ?? port['port'])}/${String(port['protocol'] ?? 'TCP')}`,
        );
      }
      const ep = await client
        .get<KubeObject & { subsets?: Json[] }>(
          { apiVersion: 'v1', kind: 'Endpoints', namespace: md.namespace, name: md.name },
          signal,
        )
        .catch(() => undefined);
      const addrs = (ep?.subsets ?? []).flatMap((s) => arr(s['addresses']).map((a) => String(a['ip'])));
      out.kv(0, 'Endpoints', addrs.join(',') || '<none>');
      break;
    }
    case 'Secret': {
      // Values never leave the agent: only key names and sizes, as kubectl describe shows them.
      out.kv(0, 'Type', obj['type']);
      out.line(0, 'Data');
      out.line(0, '====');
      for (const [k, v] of Object.entries(rec(obj['data']))) {
        out.line(0, `${k}:  ${Buffer.from(String(v), 'base64').length} bytes`);
      }
      for (const k of Object.keys(rec(obj['stringData']))) out.line(0, `${k}:  (stringData)`);
      break;
    }
    case 'ConfigMap': {
      out.line(0, 'Data');
      out.line(0, '====');
      for (const [k, v] of Object.entries(rec(obj['data']))) {
        out.line(0, `${k}:`);
        out.line(0, '----');
        out.line(0, String(v));
      }
      break;
    }
    default: {
      if (Object.keys(status).length > 0) conditions(out, status);
    }
  }
  const events = await listEvents(
    client,
    md.namespace ?? 'default',
    [{ kind: p.kind, name: md.name }],
    signal,
  ).catch((): EventInfo[] => []);
  if (events.length === 0) out.kv(0, 'Events', '<none>');
  else {
    out.line(0, 'Events:');
    out.line(1, `${'Type'.padEnd(9)}${'Reason'.padEnd(20)}${'Age'.padEnd(8)}Message`);
    for (const e of events.slice(-20)) {
      out.line(
        1,
        `${e.type.padEnd(9)}${e.reason.padEnd(20)}${age(e.lastSeen).padEnd(8)}${e.count > 1 ? `(x${e.count}) ` : ''}${e.message}`,
      );
    }
  }
  const diagnosis = await diagnose(client, pods, signal);
  let text = out.toString();
  if (diagnosis.length > 0) text = `Diagnosis:\n${diagnosis.map((d) => `  ${d}`).join('\n')}\n\n${text}`;
  return { text, diagnosis, events };
}
