import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../extension/agent/client';
import { LogSession } from '../../extension/logs/log-session';
import { type RunningAgent, startAgent } from '../../agent/main';
import { KubeClient } from '../../agent/kube/client';
import type { LogNote } from '../../protocol';
import { LogModel } from '../../webview/logs/model';
import { hasKubectl, kubectl } from '../support/kubectl';
import { type RunningSandbox, startSandbox } from '../support/in-process';

/**
 * Log streams from the sandbox through the agent and its WebSocket into the panel's model, as the
 * extension runs them: every pod of a workload interleaved by time, pods joining on scale-up, previous
 * logs of a crash-looping pod, and — with the sandbox cutting the streams 100 times and the agent killed
 * mid-run — a model equal to the server's log line for line.
 */
describe('log streams (sandbox → agent → panel model)', function () {
  this.timeout(180_000);
  let sb: RunningSandbox;
  let agent: RunningAgent;
  let client: AgentClient | undefined;
  let kube: KubeClient;
  const configDir = mkdtempSync(join(tmpdir(), 'slipway-logs-'));

  const startOurAgent = async (): Promise<void> => {
    agent = await startAgent({
      writeDiscoveryFile: false,
      env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, SLIPWAY_CONFIG_DIR: configDir },
      log: () => undefined,
    });
    client = new AgentClient('logs-test');
    await client.connect({ port: agent.port, token: agent.token });
  };

  before(async () => {
    sb = await startSandbox('demo');
    kube = new KubeClient(sb.kc, 'sandbox');
    await startOurAgent();
  });
  after(async () => {
    client?.close();
    await agent?.stop();
    await sb?.stop();
  });

  const createSeq = async (name: string, replicas: number, rate: number): Promise<void> => {
    await kube.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'shop' },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: `ghcr.io/demo/${name}:1.0.0`,
                env: [
                  { name: 'SANDBOX_LOG_FORMAT', value: 'sequence' },
                  { name: 'SANDBOX_LOG_RATE', value: String(rate) },
                ],
              },
            ],
          },
        },
      },
    } as never);
  };

  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const runningPods = async (app: string): Promise<string[]> => {
    const pods = await kube.list<{
      apiVersion: string;
      kind: string;
      metadata: { name: string; deletionTimestamp?: string };
      status?: { phase?: string };
    }>('v1', 'Pod', 'shop', { labelSelector: `app=${app}` });
    return pods
      .filter((p) => p.status?.phase === 'Running' && p.metadata.deletionTimestamp === undefined)
      .map((p) => p.metadata.name)
      .sort();
  };

  /** The server's log of one container as kubectl (or, without it, the API) returns it. */
  const serverLog = async (pod: string): Promise<{ ts: string; text: string }[]> => {
    let text: string;
    if (hasKubectl) {
      const r = await kubectl(sb.kubeconfigPath, ['logs', '-n', 'shop', pod, '--timestamps']);
      assert.equal(r.code, 0, r.stderr);
      text = r.stdout;
    } else {
      text = await kube.logTail('shop', pod, { tailLines: 100_000 });
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ({ ts: l.slice(0, l.indexOf(' ')), text: l.slice(l.indexOf(' ') + 1) }));
  };

  it('shows all pods of a workload interleaved by time, and pods that join on scale-up', async () => {
    await createSeq('seqa', 3, 20);
    await until('3 running pods', async () => (await runningPods('seqa')).length === 3);
    const model = new LogModel();
    const notes: LogNote[] = [];
    const session = new LogSession(
      () => client,
      { context: 'sandbox', namespace: 'shop', workload: { kind: 'Deployment', name: 'seqa' }, follow: true },
      { lines: (l) => model.add(l), notes: (n) => notes.push(...n), state: () => undefined },
    );
    void session.start();
    await until('lines of all three pods', () => new Set(model.all().map((l) => l.pod)).size === 3);
    const keys = model.all().map((l) => l.key);
    assert.deepEqual(keys, [...keys].sort(), 'the model is in time order');
    const pods = model.all().map((l) => l.pod);
    assert.ok(
      pods.some((p, i) => i > 0 && p !== pods[i - 1]),
      'lines of different pods alternate (interleaved, not one pod after another)',
    );
    await kube.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'seqa' },
      { spec: { replicas: 5 } },
      'merge',
    );
    await until('lines of five pods', () => new Set(model.all().map((l) => l.pod)).size === 5);
    assert.equal(notes.filter((n) => n.kind === 'joined').length, 2, JSON.stringify(notes));
    session.stop();
  });

  it("shows a crash-looping pod's previous logs", async () => {
    await until('the mailer to have restarted', async () => {
      const pods = await kube.list<{
        apiVersion: string;
        kind: string;
        metadata: { name: string };
        status?: { containerStatuses?: { restartCount?: number }[] };
      }>('v1', 'Pod', 'shop', { labelSelector: 'app=mailer' });
      return pods.some((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0);
    });
    const model = new LogModel();
    const session = new LogSession(
      () => client,
      {
        context: 'sandbox',
        namespace: 'shop',
        workload: { kind: 'Deployment', name: 'mailer' },
        follow: true,
        previous: true,
      },
      { lines: (l) => model.add(l), notes: () => undefined, state: () => undefined },
    );
    void session.start();
    await until('previous lines with the panic', () =>
      model.all().some((l) => l.previous && l.text.startsWith('panic:')),
    );
    session.stop();
  });

  it('loses and repeats nothing while the sandbox drops the streams 100 times and the agent is killed', async () => {
    await createSeq('seqf', 2, 200);
    await until('2 running pods', async () => (await runningPods('seqf')).length === 2);
    const model = new LogModel(1_000_000);
    const session = new LogSession(
      () => client,
      { context: 'sandbox', namespace: 'shop', workload: { kind: 'Deployment', name: 'seqf' }, follow: true },
      { lines: (l) => model.add(l), notes: () => undefined, state: () => undefined },
      100,
    );
    void session.start();
    await until('first lines', () => model.size > 50);
    let dropped = 0;
    for (let i = 0; i < 100; i++) {
      const res = await kube.raw('POST', '/sandbox/v1/faults', { body: { dropLogStreams: true } });
      assert.equal(res.status, 200, res.body);
      dropped += (JSON.parse(res.body) as { droppedLogStreams: number }).droppedLogStreams;
      await new Promise((r) => setTimeout(r, 60));
      if (i === 50) {
        // Kill the agent mid-run (its client connection dies with it) and start another one.
        const old = client;
        client = undefined;
        await agent.stop();
        old?.close();
        await startOurAgent();
      }
    }
    assert.ok(dropped >= 150, `the sandbox really cut streams (${dropped} cut)`);
    const pods = await runningPods('seqf');
    for (const pod of pods) {
      const server = await serverLog(pod);
      await until(
        `the model to hold ${server.length} lines of ${pod}`,
        () => model.all().filter((l) => l.pod === pod).length >= server.length,
      );
      const mine = model
        .all()
        .filter((l) => l.pod === pod)
        .slice(0, server.length)
        .map((l) => ({ ts: l.ts, text: l.text }));
      assert.deepEqual(mine, server, `${pod}: the panel's lines equal the server's log`);
      const seqs = model
        .all()
        .filter((l) => l.pod === pod)
        .map((l) => Number(/^seq=(\d+) /.exec(l.text)?.[1]));
      seqs.forEach((n, i) => assert.equal(n, i + 1, `${pod}: line ${i + 1} is seq=${n}`));
    }
    assert.ok(session.resumes >= 1, 'the session resumed after the agent was killed');
    session.stop();
  });

  /** The CLI as a child process; asynchronous, because the sandbox answers from this process. */
  const cli = (args: string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(__dirname, '..', '..', 'dist', 'cli.js'), ...args],
        { env: { ...process.env, KUBECONFIG: sb.kubeconfigPath }, encoding: 'utf8' },
        (err, stdout, stderr) =>
          resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
      );
    });

  it('slipway logs prints a workload with pod prefixes; bad targets exit 2 with a next step', async () => {
    const ok = await cli(['logs', 'deployment/seqa', '-n', 'shop', '--tail', '3']);
    assert.equal(ok.status, 0, ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.equal(lines.length, 15, ok.stdout);
    for (const l of lines) assert.match(l, /^\[pod\/seqa-[a-z0-9]+-[a-z0-9]+\/app\] seq=\d+ seqa-/);
    const bad = await cli(['logs', 'svc/gateway', '-n', 'shop']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Logs come from pods: name a workload or a pod/);
    const missing = await cli(['logs', 'deployment/nope', '-n', 'shop']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /Deployment shop\/nope was not found/);
  });
});
