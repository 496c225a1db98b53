import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';

const hasPrometheus =
  spawnSync('sh', ['-c', 'command -v prometheus && command -v promtool'], { stdio: 'ignore' }).status === 0;

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
  lastError: string;
  scrapePool: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
}

/**
 * Debian builds Prometheus without Kubernetes service discovery (its config parser rejects
 * `kubernetes_sd_configs`). The test asks promtool first; where the build has it, Prometheus discovers
 * the pods from the sandbox API itself; where it does not, the test lists the pods from the sandbox API
 * (the same list call Kubernetes SD makes) into file_sd targets. Either way real Prometheus scrapes the
 * pods' own /metrics on their loopback addresses, and a second job scrapes through the API server's pod
 * proxy with the kubeconfig's CA and a bearer token.
 */
describe('Prometheus (Debian 2.42) scrapes sandbox pods', function () {
  this.timeout(90_000);
  let sb: RunningSandbox;
  let prom: ChildProcess | undefined;
  let promOut = '';
  let promUrl = '';
  let discovery: 'kubernetes_sd' | 'file_sd' = 'file_sd';
  let relist: NodeJS.Timeout | undefined;

  before(async function () {
    if (!hasPrometheus) {
      console.log(
        '    (skipped: prometheus/promtool are not installed; `npm test` installs them with apt-get when run as root)',
      );
      this.skip();
    }
    sb = await startSandbox('demo');
    const dir = mkdtempSync(join(tmpdir(), 'slipway-prom-'));
    const ca = join(dir, 'ca.pem');
    const token = join(dir, 'token');
    writeFileSync(ca, sb.sandbox.server.caCert);
    writeFileSync(token, sb.sandbox.server.auth.readOnlyToken);
    const auth = `tls_config: { ca_file: ${ca} }\n        authorization: { credentials_file: ${token} }`;
    const k8sJob = `  - job_name: pods
    kubernetes_sd_configs:
      - role: pod
        api_server: ${sb.sandbox.server.url}
        namespaces: { names: [shop] }
        ${auth}
    relabel_configs:
      - { source_labels: [__meta_kubernetes_pod_container_port_number], regex: '.+', action: keep }
      - { source_labels: [__meta_kubernetes_pod_label_app], target_label: app }
      - { source_labels: [__meta_kubernetes_pod_name], target_label: pod }
`;
    const probe = join(dir, 'probe.yml');
    writeFileSync(probe, `scrape_configs:\n${k8sJob}`);
    const check = spawnSync('promtool', ['check', 'config', probe], { encoding: 'utf8' });
    discovery = check.status === 0 ? 'kubernetes_sd' : 'file_sd';
    if (discovery === 'file_sd') {
      console.log(
        `    (this Prometheus build has no Kubernetes service discovery: ${/field kubernetes_sd_configs not found[^\n]*/.exec(check.stdout + check.stderr)?.[0] ?? 'rejected'}; listing pods from the sandbox API into file_sd)`,
      );
      // Re-list every second, as service discovery would, so pods replaced by rollouts drop out.
      const core = sb.kc.makeApiClient(k8s.CoreV1Api);
      const list = async (): Promise<void> => {
        const pods = (await core.listNamespacedPod({ namespace: 'shop' })).items.filter(
          (p) => p.status?.podIP !== undefined && p.metadata?.deletionTimestamp === undefined,
        );
        const groups = pods.flatMap((p) =>
          (p.spec?.containers ?? []).flatMap((c) =>
            (c.ports ?? []).map((port) => ({
              targets: [`${p.status!.podIP!}:${port.containerPort}`],
              labels: { app: p.metadata?.labels?.['app'] ?? '', pod: p.metadata?.name ?? '' },
            })),
          ),
        );
        writeFileSync(join(dir, 'pods.json'), JSON.stringify(groups));
      };
      await list();
      relist = setInterval(() => void list().catch(() => undefined), 1000);
    }
    const gateway = (
      await sb.kc
        .makeApiClient(k8s.CoreV1Api)
        .listNamespacedPod({ namespace: 'shop', labelSelector: 'app=gateway' })
    ).items[0]!.metadata!.name!;
    const url = new URL(sb.sandbox.server.url);
    const proxyJob = `  - job_name: via-apiserver-proxy
    scheme: https
    metrics_path: /api/v1/namespaces/shop/pods/${gateway}:4000/proxy/metrics
    ${auth.replace('\n        ', '\n    ')}
    static_configs: [{ targets: ['${url.host}'], labels: { app: gateway-proxy } }]
`;
    const fileJob = `  - job_name: pods\n    file_sd_configs: [{ files: ['${join(dir, 'pods.json')}'], refresh_interval: 1s }]\n`;
    // The proxy job scrapes with the admin token: the viewer role may not proxy into pods.
    writeFileSync(token, sb.sandbox.server.auth.adminToken);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${discovery === 'kubernetes_sd' ? k8sJob : fileJob}${proxyJob}`,
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
    if (relist !== undefined) clearInterval(relist);
    prom?.kill('SIGTERM');
    await sb?.stop();
  });

  it('scrapes every demo pod on its loopback address and through the API server pod proxy', async () => {
    let last: Target[] = [];
    const up = await eventually(
      async () => {
        const res = await fetch(`${promUrl}/api/v1/targets`);
        const body = (await res.json()) as { data: { activeTargets: Target[] } };
        last = body.data.activeTargets;
        const healthy = last.filter((t) => t.health === 'up');
        const apps = new Set(healthy.map((t) => t.labels['app']));
        const wanted = ['gateway', 'core', 'worker', 'payments', 'gateway-proxy'];
        return wanted.every((a) => apps.has(a)) ? healthy : undefined;
      },
      60_000,
      'gateway, core, worker, payments and proxy targets up',
    ).catch((e: unknown) => {
      throw new Error(
        `${String(e)}\ntargets: ${JSON.stringify(last.map((t) => [t.labels['app'], t.health, t.lastError]))}\nprometheus: ${promOut.slice(-1500)}`,
      );
    });
    const direct = up.filter((t) => t.scrapePool === 'pods');
    assert.ok(direct.length >= 4, `${discovery} found the demo pods (${direct.length} up)`);
    assert.ok(
      direct.every((t) =>
        /^127\.\d+\.\d+\.\d+:\d+$/.test(t.labels['instance'] ?? t.discoveredLabels['__address__'] ?? ''),
      ),
      'targets are pod addresses on loopback',
    );
    const q = await eventually(
      async () => {
        const res = await fetch(
          `${promUrl}/api/v1/query?query=${encodeURIComponent('sum by (app) (process_resident_memory_bytes)')}`,
        );
        const body = (await res.json()) as { data: { result: { metric: { app: string } }[] } };
        const apps = body.data.result.map((r) => r.metric.app);
        return apps.includes('gateway') && apps.includes('gateway-proxy') ? apps : undefined;
      },
      20_000,
      'scraped samples for gateway (direct and proxied)',
    );
    assert.ok(q.includes('core'));
  });
});
