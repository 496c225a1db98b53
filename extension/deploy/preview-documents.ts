import * as vscode from 'vscode';

/** Read-only virtual documents shown in VS Code's diff editor before a write. */
export const PREVIEW_SCHEME = 'slipway-diff';

/**
 * Read-only documents for the diff editor: live and desired objects of a deploy, pod templates of two
 * revisions. Content is held in memory under a generated path and never written to disk.
 */
export class PreviewDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private counter = 0;

  put(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${++this.counter}/${name}` });
    this.contents.set(uri.path, text);
    // Keep memory bounded: a long session of previews drops the oldest.
    if (this.contents.size > 200) {
      const oldest = this.contents.keys().next().value;
      if (oldest !== undefined) this.contents.delete(oldest);
    }
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}
