import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether the Debian `prometheus` binary is installed (npm test installs it when run as root). */
export const hasPrometheus =
  spawnSync('sh', ['-c', 'command -v prometheus'], { stdio: 'ignore' }).status === 0;

export interface ScrapeTarget {
  targets: string[];
  labels: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/**
 * A real Prometheus scraping the sandbox's pods every second. This Debian build has no Kubernetes service
 * discovery, so `list` is asked every 500 ms for the pods (targets with the labels Kubernetes SD would set:
 * namespace, pod) and they are written to a file_sd file, which Prometheus rereads every second.
 */
export async function startPrometheus(list: () => Promise<ScrapeTarget[]>): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-prom-'));
  const write = async (): Promise<void> =>
    writeFileSync(join(dir, 'pods.json'), JSON.stringify(await list()));
  await write();
  const relist = setInterval(() => void write().catch(() => undefined), 500);
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: pods\n    file_sd_configs: [{ files: ['${join(dir, 'pods.json')}'], refresh_interval: 1s }]\n`,
  );
  const prom: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      clearInterval(relist);
      prom.kill('SIGTERM');
    },
  };
}

export interface PodLike {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string };
  spec?: { containers?: { ports?: { containerPort: number }[] }[] };
  status?: { podIP?: string };
}

/** Scrape targets for every declared container port of running pods. */
export function podTargets(pods: readonly PodLike[]): ScrapeTarget[] {
  return pods
    .filter((p) => p.status?.podIP !== undefined && p.metadata.deletionTimestamp === undefined)
    .flatMap((p) =>
      (p.spec?.containers ?? []).flatMap((c) =>
        (c.ports ?? []).map((port) => ({
          targets: [`${p.status?.podIP ?? ''}:${port.containerPort}`],
          labels: { namespace: p.metadata.namespace ?? '', pod: p.metadata.name },
        })),
      ),
    );
}
