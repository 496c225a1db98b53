import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { type Workbench, e2eOptionsFromEnv, startWorkbench } from '../harness';
import { SELECTORS, openViewContainer, quickInput, quickInputRows, treeItem, treeRows } from '../selectors';
import { type SandboxProcess, startSandboxProcess } from '../../support/sandbox-process';

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
}

/**
 * What a user with a messy kubeconfig sees: a broken file, a cluster that is down, a bad token and a
 * role that may not list Secrets each become one clear row in the trees — never an empty view or a stack.
 */
describe('bad input shows as clear messages in the trees', function () {
  this.timeout(180_000);
  let sb: SandboxProcess;
  let wb: Workbench;
  let configDir: string;

  // One read of every rendered row: rows come and go while the tree re-renders, so no per-row lookups.
  const rowTexts = async (view: string): Promise<string[]> =>
    (await treeRows(wb.page, view).allTextContents()).map((t) => t.trim());

  const waitForRow = async (view: string, re: RegExp, timeoutMs = 20_000): Promise<string> => {
    const start = Date.now();
    for (;;) {
      const hit = (await rowTexts(view)).find((t) => re.test(t));
      if (hit !== undefined) return hit;
      if (Date.now() - start > timeoutMs)
        throw new Error(`${view} shows [${(await rowTexts(view)).join(' | ')}], expected ${String(re)}`);
      await wb.page.waitForTimeout(100);
    }
  };

  // The picker replaces the command palette in the same widget, so this does not wait for it to close.
  const useContext = async (name: string): Promise<void> => {
    const page = wb.page;
    if (await quickInput(page).isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const box = page.locator(SELECTORS.quickInputBox);
    await box.waitFor({ state: 'visible' });
    await box.fill('>Slipway: Pick Context…');
    const label = (text: string) =>
      page.locator(SELECTORS.quickInputRowLabel).filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) });
    await quickInputRows(page)
      .filter({ has: label('Slipway: Pick Context…') })
      .first()
      .click();
    const row = quickInputRows(page)
      .filter({ has: label(name) })
      .first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await quickInput(page).waitFor({ state: 'hidden' });
  };

  before(async () => {
    sb = await startSandboxProcess('demo');
    const dir = mkdtempSync(join(tmpdir(), 'slipway-e2e-bad-'));
    configDir = join(dir, 'agent');
    const good = parseYaml(readFileSync(sb.kubeconfig, 'utf8')) as Kubeconfig;
    const sandboxCluster = good.clusters[0]!.cluster;
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: v1\nclusters: [\n  - name: x\n');
    const extra = join(dir, 'extra.yaml');
    writeFileSync(
      extra,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'down',
            cluster: {
              server: 'https://127.0.0.1:1',
              'certificate-authority-data': sandboxCluster['certificate-authority-data'],
            },
          },
          { name: 'sandbox-again', cluster: sandboxCluster },
        ],
        users: [{ name: 'expired', user: { token: 'expired-or-revoked-token' } }],
        contexts: [
          { name: 'down', context: { cluster: 'down', user: 'expired', namespace: 'shop' } },
          { name: 'badtoken', context: { cluster: 'sandbox-again', user: 'expired', namespace: 'shop' } },
        ],
      }),
    );
    wb = await startWorkbench({
      ...e2eOptionsFromEnv(),
      runName: 'bad-input',
      env: { KUBECONFIG: [sb.kubeconfig, broken, extra].join(delimiter), SLIPWAY_CONFIG_DIR: configDir },
    });
    await openViewContainer(wb.page, 'Slipway');
  });

  after(async () => {
    await wb?.stop();
    try {
      process.kill(
        (JSON.parse(readFileSync(join(configDir, 'agent.json'), 'utf8')) as { pid: number }).pid,
        'SIGTERM',
      );
    } catch {
      // No agent left.
    }
    await sb?.stop();
  });

  it('lists the broken kubeconfig file as one sentence and keeps the other contexts', async () => {
    const row = await waitForRow('Clusters', /broken\.yaml|not valid YAML/);
    assert.match(row, /not valid YAML/);
    await treeItem(wb.page, 'Clusters', 'sandbox').waitFor();
    await treeItem(wb.page, 'Clusters', 'down').waitFor();
    await wb.screenshot('10-bad-kubeconfig');
  });

  it('marks a context whose server is down as unreachable', async () => {
    const row = await waitForRow('Clusters', /^down/);
    await waitForRow('Clusters', /^down.*unreachable/i, 20_000).catch(() => assert.fail(`down row: ${row}`));
  });

  it('shows an invalid token as a sentence in Services instead of an empty view', async () => {
    await useContext('badtoken');
    const row = await waitForRow('Services', /token|credentials|unauthori[sz]ed|log in/i, 30_000);
    assert.doesNotMatch(row, /at \w+ \(|Error:/, 'no stack trace');
    await wb.screenshot('11-bad-token');
  });

  it('shows a 403 on listing Secrets (Helm history) as a sentence in Releases', async () => {
    await useContext('sandbox-readonly');
    const row = await waitForRow('Releases', /forbidden|not allowed|cannot list|access denied/i, 30_000);
    assert.match(row, /secrets/i);
    await wb.screenshot('12-forbidden');
  });
});
