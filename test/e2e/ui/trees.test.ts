import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Workbench, e2eOptionsFromEnv, startWorkbench } from '../harness';
import {
  SELECTORS,
  expandTreeItem,
  openViewContainer,
  statusBarItemByText,
  treeItem,
  treeItemLabels,
} from '../selectors';
import { agentPid } from '../../support/agent-process';
import { type SandboxProcess, startSandboxProcess } from '../../support/sandbox-process';
import { KUBECTL, hasKubectl } from '../../support/kubectl';

function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The walking skeleton as a user sees it: the real workbench (code-server) with the extension, its agent
 * spawned on VS Code's runtime, and the sandbox demo cluster reached through a kubeconfig over HTTPS.
 */
describe('Slipway trees in the real workbench against the sandbox demo', function () {
  this.timeout(180_000);
  let sb: SandboxProcess;
  let wb: Workbench;
  let configDir: string;

  const description = async (view: string, label: string): Promise<string> =>
    ((await treeItem(wb.page, view, label).locator(SELECTORS.treeRowDescription).textContent()) ?? '').trim();

  const waitForDescription = async (
    view: string,
    label: string,
    re: RegExp,
    timeoutMs: number,
  ): Promise<number> => {
    const start = Date.now();
    for (;;) {
      const d = await description(view, label).catch(() => '');
      if (re.test(d)) return Date.now() - start;
      if (Date.now() - start > timeoutMs)
        throw new Error(`${view} › ${label} shows "${d}", expected ${String(re)}`);
      await wb.page.waitForTimeout(25);
    }
  };

  before(async function () {
    if (!hasKubectl) {
      console.log(
        '    (skipped: kubectl is not installed; it is the peer that changes the cluster from outside)',
      );
      this.skip();
    }
    sb = await startSandboxProcess('demo');
    configDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-agent-'));
    wb = await startWorkbench({
      ...e2eOptionsFromEnv(),
      runName: 'trees',
      env: { KUBECONFIG: sb.kubeconfig, SLIPWAY_CONFIG_DIR: configDir },
    });
  });

  after(async () => {
    await wb?.stop();
    // The agent is shared and detached by design; this run's agent is ours to end.
    if (configDir !== undefined) kill(agentPid(configDir), 'SIGTERM');
    await sb?.stop();
  });

  it('shows the sandbox context and its namespaces in Clusters', async () => {
    await openViewContainer(wb.page, 'Slipway');
    await treeItem(wb.page, 'Clusters', 'sandbox').waitFor({ timeout: 30_000 });
    await waitForDescription('Clusters', 'sandbox', /v1\.32/, 15_000);
    await expandTreeItem(wb.page, 'Clusters', 'sandbox');
    await treeItem(wb.page, 'Clusters', 'shop').waitFor({ timeout: 15_000 });
    const labels = await treeItemLabels(wb.page, 'Clusters');
    for (const ns of ['data', 'default', 'shop'])
      assert.ok(labels.includes(ns), `namespace ${ns} listed: ${labels.join(', ')}`);
    await wb.screenshot('01-clusters');
  });

  it('shows the demo workloads with their ready counts and the crash-looping one with its reason', async () => {
    await treeItem(wb.page, 'Services', 'gateway').waitFor({ timeout: 30_000 });
    await waitForDescription('Services', 'gateway', /^2\/2/, 20_000);
    await waitForDescription('Services', 'core', /^2\/2/, 20_000);
    await waitForDescription('Services', 'mailer', /0\/1.*CrashLoopBackOff/, 30_000);
    await wb.screenshot('02-services');
  });

  it('follows kubectl scale from outside within a second', async () => {
    execFileSync(KUBECTL, [
      '--kubeconfig',
      sb.kubeconfig,
      'scale',
      'deployment/worker',
      '-n',
      'shop',
      '--replicas=3',
    ]);
    const ms = await waitForDescription('Services', 'worker', /\/3/, 1_000);
    console.log(`      desired count shown ${ms} ms after kubectl scale returned`);
    await waitForDescription('Services', 'worker', /^3\/3/, 20_000);
    await wb.screenshot('03-services-scaled');
  });

  it('lists rollout revisions and the Helm release history in Releases', async () => {
    await treeItem(wb.page, 'Releases', 'core').waitFor({ timeout: 30_000 });
    await expandTreeItem(wb.page, 'Releases', 'core');
    const labels = await treeItemLabels(wb.page, 'Releases');
    assert.ok(
      labels.some((l) => /^#?3\b|revision 3/i.test(l)),
      `core revision 3 listed: ${labels.join(' | ')}`,
    );
    await wb.screenshot('04-releases');
    // The tree only renders rows in view: fold core again so the rows below it fit the pane.
    await treeItem(wb.page, 'Releases', 'core').locator(SELECTORS.treeTwistie).click();
    await treeItem(wb.page, 'Releases', 'payments').waitFor({ timeout: 15_000 });
  });

  it('restarts a SIGKILLed agent and the views recover within 2 seconds', async () => {
    const before = agentPid(configDir);
    assert.ok(before !== undefined, 'the extension started an agent and advertised it');
    kill(before, 'SIGKILL');
    const start = Date.now();
    execFileSync(KUBECTL, [
      '--kubeconfig',
      sb.kubeconfig,
      'scale',
      'deployment/worker',
      '-n',
      'shop',
      '--replicas=2',
    ]);
    for (;;) {
      const now = agentPid(configDir);
      const d = await description('Services', 'worker').catch(() => '');
      if (now !== undefined && now !== before && /\/2/.test(d)) break;
      if (Date.now() - start > 2_000)
        throw new Error(`views did not recover within 2 s (agent ${String(now)}, worker "${d}")`);
      await wb.page.waitForTimeout(25);
    }
    console.log(`      recovered ${Date.now() - start} ms after SIGKILL`);
    await statusBarItemByText(wb.page, /sandbox/).waitFor({ timeout: 5_000 });
    await wb.screenshot('05-after-agent-restart');
  });
});
