import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { type HostToPanel, type PlanViewState, assertNever, parsePanelToHost } from '../../protocol';

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
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
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
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'rollout.js'));
    const style = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'rollout.css'));
    const codicons = panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'codicons', 'codicon.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${panel.webview.cspSource}`,
      `font-src ${panel.webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    panel.webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${codicons.toString()}">
<link rel="stylesheet" href="${style.toString()}">
<title>Slipway Rollout</title>
</head>
<body>
<main id="root"><p class="muted">No deploy has run in this window yet.</p></main>
<div id="announcer" role="status" class="visually-hidden"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
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
