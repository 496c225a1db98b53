import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse as parseYaml } from 'yaml';
import { type SandboxProcess, startSandboxProcess } from '../test/support/sandbox-process';
import type { BenchResult } from './harness';
import { percentile, rssMiB } from './harness';

interface Creds {
  server: string;
  ca: string;
  token: string;
}

function creds(kubeconfig: string): Creds {
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
  };
  return {
    server: cfg.clusters[0]!.cluster.server,
    ca: Buffer.from(cfg.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(),
    token: cfg.users.find((u) => u.name === 'sandbox-admin')!.user.token,
  };
}

function get(c: Creds, path: string): Promise<{ status: number; bytes: number; body: string }> {
  const url = new URL(path, c.server);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        ca: c.ca,
        headers: { Authorization: `Bearer ${c.token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, bytes: body.length, body: body.toString() });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function kubectlTime(kubeconfig: string, args: string[]): Promise<number> {
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { maxBuffer: 512 * 1024 * 1024 },
      (err) => {
        if (err !== null) reject(err);
        else resolve(Number(process.hrtime.bigint() - t) / 1e6);
      },
    );
  });
}

async function waitAllRunning(c: Creds, pods: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const r = await get(c, '/api/v1/pods?fieldSelector=status.phase%3DRunning&limit=1');
    const body = JSON.parse(r.body) as { items: unknown[]; metadata: { remainingItemCount?: number } };
    const running = body.items.length + (body.metadata.remainingItemCount ?? 0);
    if (running >= pods) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      throw new Error(`only ${running}/${pods} pods running after ${timeoutMs} ms`);
    await new Promise((r2) => setTimeout(r2, 1000));
  }
}

/** List/watch throughput of the sandbox and its memory at scale:10000, with kubectl as the peer client. */
export async function benchSandbox(pods = 10_000): Promise<BenchResult[]> {
  let sb: SandboxProcess | undefined;
  const results: BenchResult[] = [];
  try {
    const t0 = Date.now();
    sb = await startSandboxProcess(`scale:${pods}`);
    const c = creds(sb.kubeconfig);
    const settle = await waitAllRunning(c, pods, 600_000);
    results.push({
      name: `sandbox scale:${pods} ready (all pods Running)`,
      value: (Date.now() - t0 + 0) / 1000,
      unit: 's',
      note: `settled ${settle} ms after ready line`,
    });
    results.push({
      name: `sandbox RSS at scale:${pods}`,
      value: rssMiB(sb.child.pid!),
      unit: 'MiB',
      target: '≤ 1536 MiB',
    });

    // Full list of every pod, JSON, as informers do on start.
    const listTimes: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const r = await get(c, '/api/v1/pods');
      listTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
      bytes = r.bytes;
    }
    const listP50 = percentile(listTimes, 50);
    results.push({
      name: `list all ${pods} pods (JSON over HTTPS) p50`,
      value: listP50,
      unit: 'ms',
      note: `${(bytes / 1024 / 1024).toFixed(1)} MiB, ${((pods / listP50) * 1000).toFixed(0)} objects/s`,
    });

    // One namespace, 500 pods: what a tree expand needs.
    const nsTimes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = process.hrtime.bigint();
      await get(c, '/api/v1/namespaces/scale-000/pods');
      nsTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    results.push({
      name: 'list one namespace (500 pods) p50 / p95',
      value: percentile(nsTimes, 50),
      unit: 'ms',
      note: `p95 ${percentile(nsTimes, 95).toFixed(1)} ms`,
    });

    // Peer: kubectl get on the same sandbox and namespace (includes kubectl's own start-up and printing).
    const kTimes: number[] = [];
    for (let i = 0; i < 5; i++)
      kTimes.push(await kubectlTime(sb.kubeconfig, ['get', 'pods', '-n', 'scale-000']));
    const kP50 = percentile(kTimes, 50);
    results.push({
      name: 'peer: kubectl get pods -n scale-000 p50',
      value: kP50,
      unit: 'ms',
      note: `raw list is ${(kP50 / percentile(nsTimes, 50)).toFixed(1)}× faster than the kubectl call`,
    });

    // Watch throughput: scale 100 deployments to 11 → pod ADDED/MODIFIED events arrive on one watch.
    results.push(await watchThroughput(c));
    results.push({
      name: `sandbox RSS after list/watch load`,
      value: rssMiB(sb.child.pid!),
      unit: 'MiB',
      target: '≤ 1536 MiB',
    });
  } finally {
    await sb?.stop();
  }
  return results;
}

async function watchThroughput(c: Creds): Promise<BenchResult> {
  const url = new URL(
    '/api/v1/pods?watch=1&resourceVersion=' +
      JSON.parse((await get(c, '/api/v1/namespaces/default/pods')).body).metadata.resourceVersion,
    c.server,
  );
  let events = 0;
  let first = 0;
  let last = 0;
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      ca: c.ca,
      headers: { Authorization: `Bearer ${c.token}` },
    },
    (res) => {
      res.on('data', (d: Buffer) => {
        const n = d.toString().split('\n').length - 1;
        if (n > 0 && first === 0) first = Date.now();
        events += n;
        last = Date.now();
      });
    },
  );
  req.end();
  await new Promise((r) => setTimeout(r, 300));
  const patches: Promise<unknown>[] = [];
  for (let d = 0; d < 100; d++) {
    const name = `svc-${String(d).padStart(4, '0')}`;
    const u = new URL(
      `/apis/apps/v1/namespaces/scale-${String(Math.floor(d / 50)).padStart(3, '0')}/deployments/${name}/scale`,
      c.server,
    );
    patches.push(
      new Promise((resolve, reject) => {
        const p = request(
          {
            method: 'PATCH',
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            ca: c.ca,
            headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'application/merge-patch+json' },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        p.on('error', reject);
        p.end(JSON.stringify({ spec: { replicas: 11 } }));
      }),
    );
  }
  await Promise.all(patches);
  await new Promise((r) => setTimeout(r, 5_000));
  req.destroy();
  const secs = Math.max(0.001, (last - first) / 1000);
  return {
    name: 'watch: pod events delivered to one watcher',
    value: events / secs,
    unit: 'events/s',
    note: `${events} events in ${secs.toFixed(2)} s (100 deployments scaled 10→11)`,
  };
}
