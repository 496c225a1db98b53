import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';

const hasPrometheus = spawnSync('sh', ['-c', 'command -v prometheus'], { stdio: 'ignore' }).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Target {
  health: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
}

describe('Prometheus (Debian 2.42) discovers and scrapes sandbox pods', function () {
  this.timeout(90_000);
  let sb: RunningSandbox;
  let prom: ChildProcess | undefined;
  let promOut = '';
  let promUrl = '';

  before(async function () {
    if (!hasPrometheus) {
      console.log(
        '    (skipped: prometheus is not installed; `npm test` installs it with apt-get when run as root)',
      );
      this.skip();
    }
    sb = await startSandbox('demo');
    const dir = mkdtempSync(join(tmpdir(), 'slipway-prom-'));
    writeFileSync(join(dir, 'ca.pem'), sb.sandbox.server.caCert);
    writeFileSync(join(dir, 'token'), sb.sandbox.server.auth.readOnlyToken);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sandbox-pods
    kubernetes_sd_configs:
      - role: pod
        api_server: ${sb.sandbox.server.url}
        namespaces: { names: [shop] }
        tls_config: { ca_file: ${join(dir, 'ca.pem')} }
        authorization: { credentials_file: ${join(dir, 'token')} }
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_container_port_number]
        regex: .+
        action: keep
      - source_labels: [__meta_kubernetes_pod_label_app]
        target_label: app
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
`,
    );
    const port = await freePort();
    prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stdout!.on('data', (d: Buffer) => (promOut += d.toString()));
    prom.stderr!.on('data', (d: Buffer) => (promOut += d.toString()));
    promUrl = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    prom?.kill('SIGTERM');
    await sb?.stop();
  });

  it('lists demo pods as targets and scrapes their /metrics', async () => {
    const up = await eventually(
      async () => {
        const res = await fetch(`${promUrl}/api/v1/targets`);
        const body = (await res.json()) as { data: { activeTargets: Target[] } };
        const healthy = body.data.activeTargets.filter((t) => t.health === 'up');
        return healthy.some((t) => t.labels['app'] === 'gateway') &&
          healthy.some((t) => t.labels['app'] === 'core')
          ? healthy
          : undefined;
      },
      60_000,
      `gateway and core targets up (prometheus output:\n${promOut.slice(-2000)})`,
    );
    assert.ok(
      up.every((t) => /^127\.\d+\.\d+\.\d+:\d+$/.test(t.discoveredLabels['__address__'] ?? '')),
      'targets are pod addresses on loopback',
    );
    const q = await eventually(
      async () => {
        const res = await fetch(
          `${promUrl}/api/v1/query?query=${encodeURIComponent('process_resident_memory_bytes{app="gateway"}')}`,
        );
        const body = (await res.json()) as { data: { result: unknown[] } };
        return body.data.result.length > 0 ? body.data.result : undefined;
      },
      20_000,
      'a scraped sample',
    );
    assert.ok(q.length >= 1);
  });
});
