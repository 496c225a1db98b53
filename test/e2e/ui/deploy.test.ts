import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Workbench, e2eOptionsFromEnv, startWorkbench } from '../harness';
import {
  SELECTORS,
  answerQuickInput,
  expandTreeItem,
  notification,
  openViewContainer,
  runCommand,
  treeItem,
  treeItemContextAction,
  viewPane,
} from '../selectors';
import { type SandboxProcess, startSandboxProcess } from '../../support/sandbox-process';
import { KUBECTL, hasKubectl } from '../../support/kubectl';

function agentPid(configDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(configDir, 'agent.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/**
 * Deploys from the tree as a user does them, in the real workbench against the sandbox demo: a new image
 * rolls out and shows up in Releases; a crashing one is rolled back with the reason in the rollout panel;
 * a protected environment asks for the context name and a wrong one changes nothing.
 */
describe('Deploy and rollback from the Services view', function () {
  this.timeout(240_000);
  let sb: SandboxProcess;
  let wb: Workbench;
  let configDir: string;

  const kubectl = (...args: string[]): string =>
    execFileSync(KUBECTL, ['--kubeconfig', sb.kubeconfig, ...args], { encoding: 'utf8' });
  const gatewayImage = (): string =>
    kubectl(
      '-n',
      'shop',
      'get',
      'deploy/gateway',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );

  before(async function () {
    if (!hasKubectl) this.skip();
    sb = await startSandboxProcess('demo');
    configDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-deploy-'));
    const workspace = mkdtempSync(join(tmpdir(), 'slipway-e2e-ws-'));
    writeFileSync(
      join(workspace, 'slipway.yaml'),
      `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
  prod: { context: sandbox, namespace: data, protected: true }
services:
  gateway: { workload: deployment/gateway, image: ghcr.io/demo/gateway }
`,
    );
    wb = await startWorkbench({
      ...e2eOptionsFromEnv(),
      workspaceFolder: workspace,
      runName: 'deploy',
      env: { KUBECONFIG: sb.kubeconfig, SLIPWAY_CONFIG_DIR: configDir, SLIPWAY_USER: 'e2e-user' },
    });
    await openViewContainer(wb.page, 'Slipway');
    await treeItem(wb.page, 'Services', 'gateway').waitFor({ timeout: 30_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await wb?.screenshot(`deploy-failed-${this.currentTest.title.slice(0, 30)}`);
  });

  after(async () => {
    await wb?.stop();
    const pid = configDir === undefined ? undefined : agentPid(configDir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await sb?.stop();
  });

  it('sets a new image from the context menu: progress, success, and the new revision in Releases', async () => {
    await treeItemContextAction(wb.page, 'Services', 'gateway', 'Set Image…');
    await answerQuickInput(wb.page, 'ghcr.io/demo/gateway:1.6.0');
    await wb.page.waitForTimeout(300);
    await wb.screenshot('deploy-01-progress');
    const done = notification(wb.page, /Set image of deployment\/gateway: Deployed to sandbox\/shop/);
    await done.waitFor({ timeout: 60_000 });
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.6.0');
    await done.locator(SELECTORS.notificationButton).filter({ hasText: 'Show Details' }).click();
    await wb.page.locator(SELECTORS.webviewFrame).first().waitFor({ timeout: 15_000 });
    await wb.page.waitForTimeout(1000);
    await wb.screenshot('deploy-02-rollout-panel');

    await treeItem(wb.page, 'Releases', 'gateway').waitFor({ timeout: 15_000 });
    await expandTreeItem(wb.page, 'Releases', 'gateway');
    const releases = viewPane(wb.page, 'Releases');
    await releases
      .getByText(/set image deployment\/gateway gateway=ghcr\.io\/demo\/gateway:1\.6\.0/)
      .first()
      .waitFor({ timeout: 15_000 });
    await wb.screenshot('deploy-03-releases');
  });

  it('rolls back a crashing image by itself and says why', async () => {
    await treeItemContextAction(wb.page, 'Services', 'gateway', 'Set Image…');
    await answerQuickInput(wb.page, 'ghcr.io/demo/gateway:9.9.9-crash');
    const warned = notification(wb.page, /Rolled back to the previous version/);
    await warned.waitFor({ timeout: 90_000 });
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.6.0');
    await warned.locator(SELECTORS.notificationButton).filter({ hasText: 'Show Details' }).click();
    const panel = wb.page.frameLocator(SELECTORS.webviewFrame).first().frameLocator('iframe#active-frame');
    await panel
      .getByText(/CrashLoopBackOff|restarted/)
      .first()
      .waitFor({ timeout: 15_000 });
    await wb.screenshot('deploy-04-rolled-back');
  });

  it('asks for the context name in a protected environment; a wrong name changes nothing', async () => {
    // postgres lives in namespace data, the protected "prod" environment.
    const before = kubectl('-n', 'data', 'get', 'sts/postgres', '-o', 'jsonpath={.spec.replicas}');
    // The rollout panel (a webview) takes focus back from quick inputs as it closes; close it first.
    await runCommand(wb.page, 'View: Close All Editors');
    await wb.page.waitForTimeout(500);
    await runCommand(wb.page, 'Slipway: Pick Namespace…');
    await answerQuickInput(wb.page, 'data');
    await treeItem(wb.page, 'Services', 'postgres').waitFor({ timeout: 30_000 });
    await treeItemContextAction(wb.page, 'Services', 'postgres', 'Scale…');
    await answerQuickInput(wb.page, '3');
    const box = wb.page.locator(SELECTORS.quickInputBox);
    await wb.page
      .locator(SELECTORS.quickInput)
      .getByText(/Type the context name "sandbox" to confirm/)
      .waitFor({ timeout: 15_000 });
    await box.fill('sandbx');
    await wb.page
      .locator(SELECTORS.quickInputMessage)
      .getByText(/Type sandbox exactly/)
      .waitFor({ timeout: 5_000 });
    await wb.screenshot('deploy-05-protected-confirmation');
    await wb.page.keyboard.press('Escape');
    await wb.page.waitForTimeout(1000);
    assert.equal(kubectl('-n', 'data', 'get', 'sts/postgres', '-o', 'jsonpath={.spec.replicas}'), before);
  });
});
