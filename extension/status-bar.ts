import * as vscode from 'vscode';
import type { Supervisor } from './agent/supervisor';
import type { Selection } from './state/selection';
import { allNamespaces, onDidChangeAllNamespaces } from './state/settings';
import { CMD } from './commands/ids';
import { statusContent } from './status-model';
import { Scope } from './util/scope';

/** The `slipway.status` entry: agent state, context and namespace; a click picks the context. */
export class StatusBar implements vscode.Disposable {
  private readonly scope = new Scope();
  private readonly item: vscode.StatusBarItem;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly selection: Selection,
  ) {
    this.item = this.scope.add(
      vscode.window.createStatusBarItem('slipway.status', vscode.StatusBarAlignment.Left, 10),
    );
    this.item.name = 'Slipway';
    this.item.command = CMD.pickContext;
    const render = (): void => this.render();
    this.scope.add(supervisor.onDidChangeState(render));
    this.scope.add(selection.onDidChange(render));
    this.scope.add(onDidChangeAllNamespaces(render));
    this.render();
    this.item.show();
  }

  private render(): void {
    const content = statusContent(this.supervisor.state, this.selection.current, allNamespaces());
    this.item.text = content.text;
    this.item.tooltip = content.tooltip;
    this.item.backgroundColor = content.warning
      ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
  }

  dispose(): void {
    this.scope.dispose();
  }
}
