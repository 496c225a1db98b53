import * as vscode from 'vscode';
import { type HostToPanel, type PlanViewState, assertNever, parsePanelToHost } from '../../protocol';
import { panelHtml, webviewRoot } from '../webview/panel-html';

/**
 * The rollout panel: one webview that shows the latest plan's timeline. It is sent the whole state on
 * every change (batched), so it holds nothing but what it draws and can be reopened at any time.
 */
export class RolloutPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: PlanViewState | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Records the latest state; the open panel is updated at most every 100 ms. */
  update(state: PlanViewState): void {
    this.state = state;
    if (this.panel === undefined || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.post();
    }, 100);
  }

  show(): void {
    if (this.panel !== undefined) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.post();
      return;
    }
    const root = webviewRoot(this.extensionUri);
    const panel = vscode.window.createWebviewPanel(
      'slipway.rollout',
      'Slipway Rollout',
      vscode.ViewColumn.Beside,
      {
        enableScripts: true,
        localResourceRoots: [root],
        retainContextWhenHidden: false,
      },
    );
    panel.webview.html = panelHtml(panel.webview, root, {
      title: 'Slipway Rollout',
      script: 'rollout.js',
      styles: ['rollout.css'],
      body: `<main id="root"><p class="muted">No deploy has run in this window yet.</p></main>
<div id="announcer" role="status" class="visually-hidden"></div>`,
    });
    panel.webview.onDidReceiveMessage((m: unknown) => {
      const message = parsePanelToHost(m);
      if (message === undefined) return;
      switch (message.type) {
        case 'ready':
          // A panel (re)loads empty, e.g. after it was hidden: it asks for what to draw.
          this.post();
          return;
        default:
          assertNever(message.type, 'panel message');
      }
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
    });
    this.panel = panel;
  }

  private post(): void {
    if (this.panel === undefined || this.state === undefined) return;
    const message: HostToPanel = { type: 'state', state: this.state };
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.panel?.dispose();
  }
}
