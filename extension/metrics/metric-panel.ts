import * as vscode from 'vscode';
import {
  type DeployMarker,
  type HostToMetricPanel,
  type MetricWindow,
  type MetricsParams,
  type WorkloadRef,
  assertNever,
  parseMetricPanelToHost,
} from '../../protocol';
import type { AgentClient } from '../agent/client';
import { keepAttached } from '../agent/stream-attachment';
import { panelHtml, webviewRoot } from '../webview/panel-html';
import { markerPoster } from '../logs/markers';

export interface MetricTarget {
  context: string;
  namespace: string;
  workload: WorkloadRef;
}

export interface MetricPanelDeps {
  extensionUri: vscode.Uri;
  client: () => AgentClient | undefined;
  markers: (target: MetricTarget) => DeployMarker[];
  onMarkersChanged: vscode.Event<unknown>;
  /** The Prometheus to ask for request metrics (the `slipway.prometheusUrl` setting), if any. */
  prometheusUrl: () => string | undefined;
}

const RETRY_MS = 1000;

function titleOf(t: MetricTarget): string {
  return `${t.workload.kind.toLowerCase()}/${t.workload.name}`;
}

/**
 * One metric panel: a webview fed by `metrics.watch`. The agent keeps one collector per target for every
 * panel and sends its history on attach, so a panel opened late, or reattached after the agent came back,
 * starts with the samples collected so far.
 */
class MetricPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private abort: AbortController | undefined;
  private intervalSeconds = 5;
  private window: MetricWindow = 300;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly postMarkers = markerPoster(
    () => this.deps.markers(this.target),
    (markers) => this.post({ type: 'markers', markers }),
  );

  constructor(
    private readonly deps: MetricPanelDeps,
    readonly target: MetricTarget,
    onDispose: () => void,
  ) {
    const root = webviewRoot(deps.extensionUri);
    this.panel = vscode.window.createWebviewPanel(
      'slipway.metrics',
      `Metrics: ${titleOf(target)}`,
      vscode.ViewColumn.Active,
      { enableScripts: true, localResourceRoots: [root], retainContextWhenHidden: true },
    );
    this.panel.webview.html = panelHtml(this.panel.webview, root, {
      title: `Metrics: ${titleOf(target)}`,
      script: 'metrics.js',
      styles: ['uPlot.min.css', 'metrics.css'],
      body: '<div id="app"></div>',
    });
    this.subscriptions.push(
      this.panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      deps.onMarkersChanged(() => this.postMarkers(false)),
      this.panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
  }

  /** Starts the stream again, e.g. with another Prometheus. */
  restart(): void {
    if (this.abort !== undefined) this.start();
  }

  private post(message: HostToMetricPanel): void {
    void this.panel.webview.postMessage(message);
  }

  private receive(m: unknown): void {
    const message = parseMetricPanelToHost(m);
    if (message === undefined) return;
    switch (message.type) {
      case 'ready': {
        const prometheus = this.deps.prometheusUrl();
        this.post({
          type: 'init',
          title: titleOf(this.target),
          intervalSeconds: this.intervalSeconds,
          window: this.window,
          ...(prometheus === undefined ? {} : { prometheus }),
        });
        this.postMarkers(true);
        this.start();
        return;
      }
      case 'interval':
        this.intervalSeconds = message.intervalSeconds;
        this.post({ type: 'reset', intervalSeconds: this.intervalSeconds });
        this.start();
        return;
      case 'window':
        this.window = message.window;
        return;
      default:
        assertNever(message, 'metric panel message');
    }
  }

  private start(): void {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    void this.loop(abort.signal);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const prometheusUrl = this.deps.prometheusUrl();
    const params: MetricsParams = {
      ...this.target,
      intervalSeconds: this.intervalSeconds,
      ...(prometheusUrl === undefined ? {} : { prometheusUrl }),
    };
    await keepAttached({
      client: this.deps.client,
      signal,
      retryMs: RETRY_MS,
      state: (state, message) =>
        this.post({ type: 'state', state, ...(message === undefined ? {} : { message }) }),
      lost: 'The connection to the Slipway agent was lost; reattaching…',
      attach: async (client) => {
        await client.request('metrics.watch', params, {
          signal,
          onChunk: (c) => {
            if (c.kind === 'metrics' && !signal.aborted) this.post({ type: 'samples', samples: c.samples });
          },
        });
        return false;
      },
    });
  }

  dispose(): void {
    this.abort?.abort();
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}

/** The open metric panels, one per workload. */
export class MetricPanels implements vscode.Disposable {
  private readonly open = new Map<string, MetricPanel>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: MetricPanelDeps) {
    // A Prometheus set (or removed) in the settings applies to the open panels at once.
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('slipway.prometheusUrl')) return;
      for (const p of this.open.values()) p.restart();
    });
  }

  show(target: MetricTarget): void {
    const key = JSON.stringify([
      target.context,
      target.namespace,
      target.workload.kind,
      target.workload.name,
    ]);
    const existing = this.open.get(key);
    if (existing !== undefined) {
      existing.panel.reveal();
      return;
    }
    this.open.set(key, new MetricPanel(this.deps, target, () => this.open.delete(key)));
  }

  dispose(): void {
    this.subscription.dispose();
    for (const p of this.open.values()) p.panel.dispose();
    this.open.clear();
  }
}
