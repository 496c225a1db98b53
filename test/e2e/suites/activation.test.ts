import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

/** Runs inside the real extension host: the extension's public surface as VS Code sees it. */
describe('Slipway in the extension host', () => {
  it('activates and registers its commands', async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'slipway');
    assert.ok(ext, 'the development extension is loaded');
    await ext.activate();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'slipway.pickContext',
      'slipway.showLog',
      'slipway.restartAgent',
      'slipway.useForSlipway',
    ]) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  it('contributes the Slipway views', () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'slipway')!;
    const views =
      (ext.packageJSON as { contributes: { views: Record<string, { id: string }[]> } }).contributes.views[
        'slipway'
      ] ?? [];
    assert.deepEqual(
      views.map((v) => v.id),
      ['slipway.clusters', 'slipway.services', 'slipway.releases', 'slipway.forwards', 'slipway.events'],
    );
  });
});
