import { basename } from 'node:path';
import * as vscode from 'vscode';
import {
  type DeployMarker,
  type HostToLogPanel,
  type LogFollowParams,
  type LogLine,
  type LogNote,
  type LogStreamOptions,
  type PodSelection,
  assertNever,
  parseLogPanelToHost,
} from '../../protocol';
import type { AgentClient } from '../agent/client';
import { panelHtml, webviewRoot } from '../webview/panel-html';
import { LogSession } from './log-session';
import { markerPoster } from './markers';

/** What a log panel follows, and what it is called. */
export interface LogTarget {
  selection: PodSelection;
  /** e.g. "deployment/gateway" or "pod gateway-7d9…". */
  title: string;
  /** Pods known when the panel opens (the panel learns later ones from their lines). */
  pods: string[];
}

export interface LogPanelDeps {
  extensionUri: vscode.Uri;
  /** The connected agent client, or undefined while the agent is away. */
  client: () => AgentClient | undefined;
  markers: (target: LogTarget) => DeployMarker[];
  onMarkersChanged: vscode.Event<unknown>;
}

const DEFAULT_OPTIONS: LogStreamOptions = { sinceSeconds: 3600, tailLines: 1000, previous: true };
/** Lines are sent to the panel at most this often, in one message. */
const FLUSH_MS = 50;

function keyOf(s: PodSelection): string {
  return JSON.stringify([s.context, s.namespace, s.workload ?? null, s.pods ?? null, s.containers ?? null]);
}

/**
 * One log panel: a webview fed by a LogSession. The host batches what the agent streams and posts it
 * every 50 ms; the panel keeps its own bounded ring, so the host holds nothing but the batch in flight.
 */
class LogPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private session: LogSession | undefined;
  private options = DEFAULT_OPTIONS;
  private lines: LogLine[] = [];
  private notes: LogNote[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly postMarkers = markerPoster(
    () => this.deps.markers(this.target),
    (markers) => this.post({ type: 'markers', markers }),
  );
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly deps: LogPanelDeps,
    readonly target: LogTarget,
    onDispose: () => void,
  ) {
    const root = webviewRoot(deps.extensionUri);
    this.panel = vscode.window.createWebviewPanel(
      'slipway.logs',
      `Logs: ${target.title}`,
      vscode.ViewColumn.Active,
      // The panel's ring is its state: keep it while the tab is in the background.
      { enableScripts: true, localResourceRoots: [root], retainContextWhenHidden: true },
    );
    this.panel.webview.html = panelHtml(this.panel.webview, root, {
      title: `Logs: ${target.title}`,
      script: 'logs.js',
      styles: ['logs.css'],
      body: '<div id="app"></div>',
    });
    this.subscriptions.push(
      this.panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      deps.onMarkersChanged(() => this.postMarkers(false)),
      this.panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
  }

  private post(message: HostToLogPanel): void {
    void this.panel.webview.postMessage(message);
  }

  private async receive(m: unknown): Promise<void> {
    const message = parseLogPanelToHost(m);
    if (message === undefined) return;
    switch (message.type) {
      case 'ready':
        // A (re)loaded panel is empty: it gets the stream from the start of the chosen window.
        this.post({ type: 'init', title: this.target.title, options: this.options, pods: this.target.pods });
        this.postMarkers(true);
        this.start();
        return;
      case 'restart':
        this.options = message.options;
        this.post({ type: 'reset', options: this.options });
        this.start();
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        vscode.window.setStatusBarMessage(
          `Slipway: copied ${message.lines.toLocaleString('en-US')} log lines`,
          3000,
        );
        return;
      case 'save': {
        const name = `${this.target.title.replace(/[^\w.-]+/g, '-')}-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.log`;
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const uri = await vscode.window.showSaveDialog({
          title: `Save the log of ${this.target.title}`,
          ...(folder === undefined ? {} : { defaultUri: vscode.Uri.joinPath(folder, name) }),
          filters: { 'Log files': ['log', 'txt'] },
        });
        if (uri === undefined) return;
        await vscode.workspace.fs.writeFile(uri, Buffer.from(message.text, 'utf8'));
        vscode.window.setStatusBarMessage(`Slipway: saved ${basename(uri.fsPath)}`, 3000);
        return;
      }
      default:
        assertNever(message, 'log panel message');
    }
  }

  private start(): void {
    this.session?.stop();
    this.lines = [];
    this.notes = [];
    const params: LogFollowParams = {
      ...this.target.selection,
      follow: true,
      previous: this.options.previous,
      ...(this.options.sinceSeconds === undefined ? {} : { sinceSeconds: this.options.sinceSeconds }),
      ...(this.options.tailLines === undefined ? {} : { tailLines: this.options.tailLines }),
    };
    const session = new LogSession(this.deps.client, params, {
      lines: (lines) => {
        if (session !== this.session) return;
        for (const l of lines) this.lines.push(l);
        this.schedule();
      },
      notes: (notes) => {
        if (session !== this.session) return;
        for (const n of notes) this.notes.push(n);
        this.schedule();
      },
      state: (state, message) => {
        if (session !== this.session) return;
        this.flush();
        this.post({ type: 'state', state, ...(message === undefined ? {} : { message }) });
      },
    });
    this.session = session;
    void session.start();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.notes.length > 0) this.post({ type: 'notes', notes: this.notes });
    if (this.lines.length > 0) this.post({ type: 'lines', lines: this.lines });
    this.lines = [];
    this.notes = [];
  }

  dispose(): void {
    this.session?.stop();
    this.session = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}

/** The open log panels, one per target: asking again for a target reveals its panel. */
export class LogPanels implements vscode.Disposable {
  private readonly open = new Map<string, LogPanel>();

  constructor(private readonly deps: LogPanelDeps) {}

  show(target: LogTarget): void {
    const key = keyOf(target.selection);
    const existing = this.open.get(key);
    if (existing !== undefined) {
      existing.panel.reveal();
      return;
    }
    this.open.set(key, new LogPanel(this.deps, target, () => this.open.delete(key)));
  }

  /** Titles of the open panels (for tests and the palette). */
  titles(): string[] {
    return [...this.open.values()].map((p) => p.target.title);
  }

  dispose(): void {
    for (const p of this.open.values()) p.panel.dispose();
    this.open.clear();
  }
}
