import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface PanelPage {
  title: string;
  /** Bundles under dist/webview, e.g. `logs.js`. */
  script: string;
  styles: string[];
  /** Static markup the script fills in. */
  body: string;
}

/** The folder every panel loads from; nothing outside it can be read by a webview. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

/**
 * A panel's HTML with a strict content security policy: scripts only by nonce, styles and fonts only from
 * the extension's own webview folder, no network.
 */
export function panelHtml(webview: vscode.Webview, root: vscode.Uri, page: PanelPage): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (...parts: string[]): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(root, ...parts)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const links = ['codicons/codicon.css', ...page.styles]
    .map((s) => `<link rel="stylesheet" href="${uri(...s.split('/'))}">`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
<title>${escapeHtml(page.title)}</title>
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${uri(page.script)}"></script>
</body>
</html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
