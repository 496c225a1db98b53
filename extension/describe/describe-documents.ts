import * as vscode from 'vscode';
import type { DescribeParams } from '../../protocol';
import type { AgentClient } from '../agent/client';
import { toAgentError } from '../commands/failure';

export const DESCRIBE_SCHEME = 'slipway-describe';

/** The document's URI: the tab reads "Pod gateway-7d9…"; context and namespace ride in the query. */
export function describeUri(p: DescribeParams): vscode.Uri {
  const query = new URLSearchParams({
    context: p.context,
    ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
  });
  if (p.apiVersion !== undefined) query.set('apiVersion', p.apiVersion);
  return vscode.Uri.from({ scheme: DESCRIBE_SCHEME, path: `/${p.kind} ${p.name}`, query: query.toString() });
}

function paramsOf(uri: vscode.Uri): DescribeParams | undefined {
  const m = /^\/(\S+) (.+)$/.exec(uri.path);
  const query = new URLSearchParams(uri.query);
  const context = query.get('context');
  if (m === null || context === null) return undefined;
  const namespace = query.get('namespace');
  const apiVersion = query.get('apiVersion');
  return {
    context,
    kind: m[1]!,
    name: m[2]!,
    ...(namespace === null ? {} : { namespace }),
    ...(apiVersion === null ? {} : { apiVersion }),
  };
}

/**
 * Read-only `kubectl describe` documents, fetched from the agent each time one is opened or refreshed.
 * A failure is the document's text (one sentence), so the tab says what went wrong where the user looks.
 */
export class DescribeDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: AgentClient) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const params = paramsOf(uri);
    if (params === undefined) return 'This describe link is not valid.';
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      // The agent's text starts with the diagnosis (one sentence per problem with its log lines).
      return (await this.client.request('object.describe', params, { signal: abort.signal })).text;
    } catch (e) {
      return `Could not describe ${params.kind} ${params.name}: ${toAgentError(e).message}\n`;
    }
  }

  /** Opens (or refreshes, when already open) the description of an object. */
  async show(params: DescribeParams): Promise<void> {
    const uri = describeUri(params);
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()))
      this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  /** Fetches an open description again. */
  refresh(uri: vscode.Uri): void {
    if (uri.scheme === DESCRIBE_SCHEME) this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
