import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Workbench, e2eOptionsFromEnv, startWorkbench } from '../harness';
import {
  SELECTORS,
  answerQuickInput,
  dialogButton,
  editorTab,
  expandTreeItem,
  notification,
  openViewContainer,
  quickInput,
  runCommand,
  runCommandWithInput,
  treeItem,
  treeItemContextAction,
  viewPane,
  webviewContent,
} from '../selectors';
import { stopAgentOf } from '../../support/agent-process';
import { type SandboxProcess, startSandboxProcess } from '../../support/sandbox-process';
import { KUBECTL, hasKubectl } from '../../support/kubectl';

/** The workspace's slipway.yaml at the start: one unguarded environment on the sandbox's shop namespace. */
const STAGING_ONLY = `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
services:
  gateway: { workload: deployment/gateway, image: ghcr.io/demo/gateway }
`;

/** The same project once shop is also production: every write there needs the context name typed. */
const WITH_PROTECTED_PROD = `version: 1
environments:
  staging: { context: sandbox, namespace: shop }
  prod: { context: sandbox, namespace: shop, protected: true }
services:
  gateway: { workload: deployment/gateway, image: ghcr.io/demo/gateway }
`;

/**
 * Deploys from the tree as a user does them, in the real workbench against the sandbox demo: a new image
 * rolls out and shows up in Releases; a crashing one is rolled back with the reason in the rollout panel;
 * a rollback to a chosen revision is previewed in the diff editor first; the palette's Deploy… follows
 * slipway.yaml; a protected environment asks for the context name and a wrong one changes nothing.
 * The tests run in order: each starts from the revisions the one before left.
 */
describe('Deploy and rollback from the Services view', function () {
  this.timeout(240_000);
  let sb: SandboxProcess;
  let wb: Workbench;
  let configDir: string;
  let workspace: string;

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

  /**
   * Webviews and diff editors take focus back from quick inputs as they close, and toasts of an earlier
   * test would match this one's: each flow starts from a clean workbench.
   */
  async function cleanWorkbench(): Promise<void> {
    await runCommand(wb.page, 'View: Close All Editors');
    await runCommand(wb.page, 'Notifications: Clear All Notifications');
    await wb.page.waitForTimeout(500);
  }

  before(async function () {
    if (!hasKubectl) this.skip();
    sb = await startSandboxProcess('demo');
    configDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-deploy-'));
    workspace = mkdtempSync(join(tmpdir(), 'slipway-e2e-ws-'));
    writeFileSync(join(workspace, 'slipway.yaml'), STAGING_ONLY);
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
    stopAgentOf(configDir);
    await sb?.stop();
  });

  it('sets a new image from the context menu: progress, success, and the new revision in Releases', async () => {
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.5.0');
    await treeItemContextAction(wb.page, 'Services', 'gateway', 'Set Image…');
    // The input box starts with the running image, its tag selected.
    assert.equal(await wb.page.locator(SELECTORS.quickInputBox).inputValue(), 'ghcr.io/demo/gateway:1.5.0');
    await answerQuickInput(wb.page, 'ghcr.io/demo/gateway:1.6.0');
    const progress = notification(wb.page, /Slipway: Set image of deployment\/gateway/);
    await progress.waitFor({ timeout: 15_000 });
    await wb.screenshot('deploy-01-progress');
    const done = notification(wb.page, /Set image of deployment\/gateway: Deployed to sandbox\/shop/);
    await done.waitFor({ timeout: 60_000 });
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.6.0');
    await done.locator(SELECTORS.notificationButton).filter({ hasText: 'Show Details' }).click();
    const panel = webviewContent(wb.page);
    await panel.locator('.outcome.succeeded').waitFor({ timeout: 15_000 });
    // The timeline shows the plan's steps with their durations, and the workload's progress bars full.
    for (const step of ['render', 'preflight', 'apply', 'rollout'])
      await panel.locator('.step.ok .name', { hasText: step }).waitFor({ timeout: 5_000 });
    assert.equal(await panel.locator('.workload .bar.full').count(), 3);
    assert.ok((await panel.locator('.codicon-pass-filled').count()) > 0, 'status icons are codicons');
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

  it('rolls back a crashing image by itself and says why, live in the rollout panel', async () => {
    await cleanWorkbench();
    await treeItemContextAction(wb.page, 'Services', 'gateway', 'Set Image…');
    await answerQuickInput(wb.page, 'ghcr.io/demo/gateway:9.9.9-crash');
    // The palette would replace the input box if it were still open: wait until the plan runs.
    await notification(wb.page, /Slipway: Set image of deployment\/gateway/).waitFor({ timeout: 15_000 });
    // Opened while the plan runs: the panel follows it as events arrive.
    await runCommand(wb.page, 'Slipway: Show Rollout Panel');
    const panel = webviewContent(wb.page);
    await panel.locator('h1', { hasText: 'Set image of deployment/gateway' }).waitFor({ timeout: 15_000 });
    await panel
      .locator('.problem summary', { hasText: /CrashLoopBackOff|Error/ })
      .first()
      .waitFor({
        timeout: 60_000,
      });
    const warned = notification(wb.page, /Rolled back to the previous version/);
    await warned.waitFor({ timeout: 90_000 });
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.6.0');
    await panel.locator('.outcome.rolledBack').waitFor({ timeout: 15_000 });
    await panel.locator('.step.ok .name', { hasText: 'rollback' }).waitFor({ timeout: 5_000 });
    await panel.locator('.step.failed .name', { hasText: 'rollout' }).waitFor({ timeout: 5_000 });
    await panel.getByText('Last log lines').first().waitFor({ timeout: 5_000 });
    await wb.screenshot('deploy-04-rolled-back');
  });

  it('rolls back to a chosen revision after showing the template diff', async () => {
    await cleanWorkbench();
    await treeItemContextAction(wb.page, 'Services', 'gateway', 'Rollback…');
    // Older revisions, newest first, each with its image, age and change-cause.
    const rows = wb.page.locator(SELECTORS.quickInputRow);
    await rows.first().waitFor({ timeout: 15_000 });
    const labels = (await rows.locator(SELECTORS.quickInputRowLabel).allTextContents())
      .map((l) => l.trim())
      .filter((l) => /^Revision \d+$/.test(l));
    const numbers = labels.map((l) => Number(/Revision (\d+)/.exec(l)?.[1]));
    assert.ok(numbers.length >= 2, `revisions offered: ${labels.join(', ')}`);
    assert.ok(
      numbers.every((n, i) => i === 0 || n < (numbers[i - 1] ?? 0)),
      `newest first: ${labels.join(', ')}`,
    );
    await wb.screenshot('deploy-05-rollback-revisions');
    await answerQuickInput(wb.page, 'gateway:1.5.0');

    // The diff editor shows the current pod template beside the chosen one; a dialog asks before writing.
    await editorTab(wb.page, /deployment\/gateway: revision \d+ ↔ 2/).waitFor({ timeout: 15_000 });
    await wb.page.locator(SELECTORS.diffEditor).first().waitFor({ timeout: 15_000 });
    await wb.page.locator(SELECTORS.diffEditor).getByText('1.5.0').first().waitFor({ timeout: 15_000 });
    await dialogButton(wb.page, 'Roll Back').waitFor({ timeout: 15_000 });
    await wb.screenshot('deploy-06-rollback-diff');
    await dialogButton(wb.page, 'Roll Back').click();
    const done = notification(wb.page, /Roll back deployment\/gateway to revision 2: /);
    await done.waitFor({ timeout: 60_000 });
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.5.0');
  });

  it('deploys a service of slipway.yaml from the palette: environment, service, tag', async () => {
    await cleanWorkbench();
    await runCommandWithInput(wb.page, 'Slipway: Deploy…');
    await quickInput(wb.page).getByText('staging').first().waitFor({ timeout: 15_000 });
    await answerQuickInput(wb.page, 'staging');
    await quickInput(wb.page).getByText('All services').waitFor({ timeout: 15_000 });
    await answerQuickInput(wb.page, 'gateway');
    await quickInput(wb.page)
      .getByText(/Image tag for ghcr\.io\/demo\/gateway/)
      .waitFor({ timeout: 15_000 });
    await answerQuickInput(wb.page, '1.7.0');
    await notification(wb.page, /Deploy gateway to staging: Deployed to sandbox\/shop/).waitFor({
      timeout: 60_000,
    });
    assert.equal(gatewayImage(), 'ghcr.io/demo/gateway:1.7.0');
  });

  it('asks for the context name in a protected environment after showing the diff; a wrong name changes nothing', async () => {
    // From now on shop is also "prod", protected: the agent reads slipway.yaml again on the next write.
    writeFileSync(join(workspace, 'slipway.yaml'), WITH_PROTECTED_PROD);
    const before = gatewayImage();
    await cleanWorkbench();
    await treeItemContextAction(wb.page, 'Services', 'gateway', 'Set Image…');
    await answerQuickInput(wb.page, 'ghcr.io/demo/gateway:2.0.0');
    // What would change opens in the diff editor (live ↔ after the deploy), then the context name is asked.
    await editorTab(wb.page, /Deployment gateway: live ↔ after deploy/).waitFor({ timeout: 30_000 });
    await wb.page.locator(SELECTORS.diffEditor).getByText('2.0.0').first().waitFor({ timeout: 15_000 });
    await quickInput(wb.page)
      .getByText(/protected in slipway\.yaml\. Type the context name "sandbox" to confirm/)
      .waitFor({ timeout: 15_000 });
    const box = wb.page.locator(SELECTORS.quickInputBox);
    await box.fill('sandbx');
    await wb.page
      .locator(SELECTORS.quickInputMessage)
      .getByText(/Type sandbox exactly/)
      .waitFor({ timeout: 5_000 });
    await wb.screenshot('deploy-07-protected-confirmation');
    // Enter does not accept a wrong name; Escape gives up, and nothing was written.
    await wb.page.keyboard.press('Enter');
    await wb.page.waitForTimeout(300);
    assert.ok(await quickInput(wb.page).isVisible(), 'the input box stays open on a wrong name');
    await wb.page.keyboard.press('Escape');
    await wb.page.waitForTimeout(1000);
    assert.equal(gatewayImage(), before);
    assert.equal(await notification(wb.page, /Set image of deployment\/gateway: Deployed/).count(), 0);
  });
});
