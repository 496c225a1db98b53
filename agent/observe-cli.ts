import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { AgentFailure, type ForwardInfo, type LogFollowParams, type WorkloadRef } from '../protocol';
import { Guards } from './deploy/guard';
import { type PlanEnv, clientFor, defaultContext, defaultNamespace } from './deploy/target';
import { loadKubeconfigs } from './kube/kubeconfig';
import { ForwardManager } from './observe/forwards';
import { LogFollower } from './observe/log-follower';
import { podUsage } from './observe/metrics-collector';
import { formatBytes } from './observe/quantity';
import { parseWorkloadRef } from './project/config';

export const OBSERVE_USAGE = {
  logs: `Usage: slipway logs (KIND/NAME | POD) [-f] [--previous] [--since 5m] [--tail N] [-c CONTAINER]
                    [--context CTX] [-n NAMESPACE] [--timestamps] [--json]

Prints the logs of every pod of a workload (deployment/x, statefulset/x, daemonset/x) or of one pod,
interleaved by time and prefixed with [pod/container]. With -f it keeps following: pods that start later
join, and dropped connections resume without losing or repeating a line. --previous prints the instance
before each container's last restart. Exit 0, 1 on a failure, 2 on bad usage.`,
  forward: `Usage: slipway forward (svc/NAME | pod/NAME | deployment/NAME | POD) [LOCAL:]REMOTE
                       [--context CTX] [-n NAMESPACE]

Forwards 127.0.0.1:LOCAL to the remote port (a Service port: resolved to its target port on a ready pod)
until Ctrl-C. ":REMOTE" picks a free local port. When the pod goes away, new connections go to another
ready pod on the same local port. Exit 0 after Ctrl-C, 1 on a failure, 2 on bad usage.`,
  top: `Usage: slipway top [--context CTX] [-n NAMESPACE | -A]

CPU and memory per pod from metrics.k8s.io, like "kubectl top pods". Exit 0, 1 on a failure, 2 on bad usage.`,
} as const;

export type ObserveCommand = keyof typeof OBSERVE_USAGE;

export function isObserveCommand(c: string | undefined): c is ObserveCommand {
  return c !== undefined && Object.prototype.hasOwnProperty.call(OBSERVE_USAGE, c);
}

class UsageError extends Error {}

const OPTIONS = {
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  follow: { type: 'boolean', short: 'f' },
  previous: { type: 'boolean', short: 'p' },
  since: { type: 'string' },
  tail: { type: 'string' },
  container: { type: 'string', short: 'c' },
  timestamps: { type: 'boolean' },
  json: { type: 'boolean' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** "30s", "5m", "2h" (or plain seconds) as seconds, like kubectl's --since. */
export function parseSince(v: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(v.trim());
  if (m === null) throw new UsageError(`--since takes a duration such as 30s, 5m or 2h, not "${v}".`);
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

type Target =
  { kind: 'workload'; ref: WorkloadRef } | { kind: 'pod'; name: string } | { kind: 'service'; name: string };

export function parseTarget(arg: string | undefined, allowService: boolean): Target {
  if (arg === undefined || arg === '') throw new UsageError('Name a workload (deployment/NAME) or a pod.');
  const slash = arg.indexOf('/');
  if (slash < 0) return { kind: 'pod', name: arg };
  const kind = arg
    .slice(0, slash)
    .toLowerCase()
    .replace(/\.apps$/, '');
  const name = arg.slice(slash + 1);
  if (kind === 'pod' || kind === 'pods' || kind === 'po') return { kind: 'pod', name };
  if (kind === 'svc' || kind === 'service' || kind === 'services') {
    if (!allowService) throw new UsageError('Logs come from pods: name a workload or a pod, not a Service.');
    return { kind: 'service', name };
  }
  const ref = parseWorkloadRef(`${kind}/${name}`);
  if (ref === undefined) {
    throw new UsageError(
      `"${arg}" is not a workload or pod: use deployment/NAME, statefulset/NAME, daemonset/NAME or pod/NAME.`,
    );
  }
  return { kind: 'workload', ref };
}

/** "8083:8083", "8083", ":8083" → local (0 = any free port) and remote. */
export function parsePorts(v: string | undefined): { local: number; remote: number | string } {
  const m = /^(?:(\d*):)?([A-Za-z0-9-]+)$/.exec(v ?? '');
  if (m === null) throw new UsageError(`Ports are LOCAL:REMOTE, :REMOTE or REMOTE, not "${v ?? ''}".`);
  const remote = /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!;
  const local =
    m[1] === undefined ? (typeof remote === 'number' ? remote : 0) : m[1] === '' ? 0 : Number(m[1]);
  if (local > 65535 || (typeof remote === 'number' && (remote < 1 || remote > 65535))) {
    throw new UsageError('Port numbers are 1 to 65535.');
  }
  return { local, remote };
}

function message(e: unknown): string {
  return e instanceof AgentFailure ? e.error.message : e instanceof Error ? e.message : String(e);
}

export async function runObserveCommand(command: ObserveCommand, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`slipway ${command}: ${message(e)}\n${OBSERVE_USAGE[command]}\n`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) {
    process.stdout.write(`${OBSERVE_USAGE[command]}\n`);
    return 0;
  }
  const env: PlanEnv = { loaded: () => loadKubeconfigs(process.env, homedir()), guards: new Guards() };
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const context = v.context ?? defaultContext(env);
    const namespace = v.namespace ?? defaultNamespace(env, context);
    const client = clientFor(env, context);
    switch (command) {
      case 'logs':
        return await logs(client, context, namespace, positionals, v, controller.signal);
      case 'top': {
        const rows = await podUsage(
          client,
          v['all-namespaces'] === true ? undefined : namespace,
          undefined,
          controller.signal,
        );
        if (v.json === true) {
          process.stdout.write(`${JSON.stringify(rows)}\n`);
          return 0;
        }
        const all = v['all-namespaces'] === true;
        const head = [...(all ? ['NAMESPACE'] : []), 'NAME', 'CPU(cores)', 'MEMORY(bytes)'];
        const table = rows.map((r) => [
          ...(all ? [r.namespace] : []),
          r.pod,
          `${Math.round(r.cpuMillicores)}m`,
          formatBytes(r.memoryBytes),
        ]);
        const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
        for (const row of [head, ...table]) {
          process.stdout.write(
            `${row
              .map((c, i) => c.padEnd(widths[i]! + 3))
              .join('')
              .trimEnd()}\n`,
          );
        }
        if (rows.length === 0)
          process.stderr.write(`No pod metrics in ${all ? 'any namespace' : namespace}.\n`);
        return 0;
      }
      case 'forward':
        return await forward(env, context, namespace, positionals, controller.signal);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`slipway ${command}: ${e.message}\n${OBSERVE_USAGE[command]}\n`);
      return 2;
    }
    if (controller.signal.aborted) return 0;
    process.stderr.write(`slipway ${command}: ${message(e)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function logs(
  client: ReturnType<typeof clientFor>,
  context: string,
  namespace: string,
  positionals: string[],
  v: {
    follow?: boolean;
    previous?: boolean;
    since?: string;
    tail?: string;
    container?: string;
    timestamps?: boolean;
    json?: boolean;
  },
  signal: AbortSignal,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('Name one workload or pod.');
  const target = parseTarget(positionals[0], false);
  if (v.tail !== undefined && !/^\d+$/.test(v.tail))
    throw new UsageError(`--tail must be a whole number, not "${v.tail}".`);
  const params: LogFollowParams = {
    context,
    namespace,
    follow: v.follow === true,
    ...(target.kind === 'workload'
      ? { workload: target.ref }
      : { pods: [target.kind === 'pod' ? target.name : ''] }),
    ...(v.container === undefined ? {} : { containers: [v.container] }),
    ...(v.since === undefined ? {} : { sinceSeconds: parseSince(v.since) }),
    ...(v.tail === undefined ? {} : { tailLines: Number(v.tail) }),
    ...(v.previous === true ? { previous: true } : {}),
  };
  let multi = target.kind === 'workload';
  const out: string[] = [];
  const write = (): void => {
    if (out.length > 0) process.stdout.write(out.join(''));
    out.length = 0;
  };
  const follower = new LogFollower(client, params, {
    chunk: (c) => {
      for (const n of c.notes) {
        if (n.kind === 'joined') multi = true;
        process.stderr.write(`# ${n.message}\n`);
      }
      for (const l of c.lines) {
        // --previous prints only the instance before the restart, as kubectl does.
        if (v.previous === true && l.previous !== true) continue;
        if (v.json === true) out.push(`${JSON.stringify(l)}\n`);
        else {
          const prefix = multi ? `[pod/${l.pod}/${l.container}] ` : '';
          out.push(`${prefix}${v.timestamps === true ? `${l.ts} ` : ''}${l.text}\n`);
        }
      }
      write();
    },
    pressure: () =>
      process.stdout.writableNeedDrain
        ? new Promise<void>((r) => process.stdout.once('drain', () => r()))
        : undefined,
  });
  await follower.run(signal);
  write();
  return 0;
}

function describeForward(f: ForwardInfo): string {
  const where = f.pod === undefined ? 'no pod yet' : `pod ${f.pod}:${f.podPort ?? '?'}`;
  return `127.0.0.1:${f.localPort} -> ${where} [${f.state}]${f.message === undefined ? '' : ` ${f.message}`}`;
}

async function forward(
  env: PlanEnv,
  context: string,
  namespace: string,
  positionals: string[],
  signal: AbortSignal,
): Promise<number> {
  if (positionals.length !== 2)
    throw new UsageError('Name a target and the ports, e.g. svc/gateway 8083:8083.');
  const target = parseTarget(positionals[0], true);
  const ports = parsePorts(positionals[1]);
  const manager = new ForwardManager((c) => clientFor(env, c));
  const info = await manager.start(
    {
      context,
      namespace,
      target:
        target.kind === 'workload'
          ? { kind: 'workload', name: target.ref.name, workloadKind: target.ref.kind }
          : { kind: target.kind, name: target.name },
      port: ports.remote,
      localPort: ports.local,
    },
    signal,
  );
  process.stdout.write(`Forwarding from ${describeForward(info)}\n`);
  let last = describeForward(info);
  const sub = manager.onDelta((ops) => {
    for (const op of ops) {
      if (op.op !== 'put') continue;
      const line = describeForward(op.value);
      // Byte counters change every second; only state changes are worth a line.
      if (line !== last) process.stdout.write(`${line}\n`);
      last = line;
    }
  });
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  sub.dispose();
  await manager.close();
  return 0;
}
