import * as vscode from 'vscode';
import { AgentFailure, agentError } from '../protocol';
import { Supervisor, nodeSupervisorDeps } from './agent/supervisor';
import { registerCommands } from './commands/commands';
import { PREVIEW_SCHEME, PreviewDocuments } from './deploy/preview-documents';
import { RolloutPanel } from './deploy/rollout-panel';
import { DESCRIBE_SCHEME, DescribeDocuments } from './describe/describe-documents';
import { EventsView } from './describe/events-view';
import { ForwardsView } from './forwards/forwards-view';
import { createLog } from './log';
import { LogPanels } from './logs/log-panel';
import { MetricPanels } from './metrics/metric-panel';
import { ClusterStatusCache } from './state/cluster-status';
import { Selection } from './state/selection';
import { TopicStore } from './state/topic-store';
import { StatusBar } from './status-bar';
import { Scope } from './util/scope';
import { ClustersView } from './views/clusters-view';
import { MigrationsStore } from './migrations/migrations-store';
import { ReleasesView } from './views/releases-view';
import { ServicesView } from './views/services-view';

let active: Scope | undefined;

/**
 * Wires the extension together and returns at once: no I/O happens here. The supervisor finds or starts
 * the agent on a later turn; until then the views say they are connecting.
 */
export function activate(context: vscode.ExtensionContext): void {
  const scope = new Scope();
  active = scope;
  context.subscriptions.push(scope);
  // Disposed last (scopes dispose in reverse), so everything else can still log while shutting down.
  const log = scope.add(createLog());

  const supervisor = scope.add(
    new Supervisor(
      nodeSupervisorDeps(vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath, log),
    ),
  );
  const client = supervisor.client;
  const kubeconfig = scope.add(new TopicStore(client, 'kubeconfig', {}));
  const selection = scope.add(new Selection(context.workspaceState, kubeconfig));
  const status = scope.add(
    new ClusterStatusCache({
      get connected() {
        return client.connected;
      },
      request: async (name, signal) => {
        const connection = supervisor.state.kind === 'connected' ? supervisor.state.scope.signal : undefined;
        if (connection === undefined) {
          throw new AgentFailure(agentError('UNAVAILABLE', 'The Slipway agent is not connected.'));
        }
        return client.request(
          'cluster.status',
          { context: name },
          { signal: AbortSignal.any([signal, connection]) },
        );
      },
    }),
  );
  scope.add(
    supervisor.onDidChangeState((s) => {
      if (s.kind === 'connected') status.reconnected();
    }),
  );

  const clusters = scope.add(new ClustersView({ supervisor, kubeconfig, selection, status }));
  const services = scope.add(new ServicesView({ supervisor, kubeconfig, selection }));
  const migrations = scope.add(new MigrationsStore(() => (client.connected ? client : undefined)));
  const releases = scope.add(new ReleasesView({ supervisor, kubeconfig, selection }, migrations));
  scope.add(new StatusBar(supervisor, selection));
  const panel = scope.add(new RolloutPanel(context.extensionUri));
  const previews = scope.add(new PreviewDocuments());
  scope.add(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews));
  const connectedClient = () => (client.connected ? client : undefined);
  const markersChanged = releases.tree.onDidChangeTreeData;
  const logs = scope.add(
    new LogPanels({
      extensionUri: context.extensionUri,
      client: connectedClient,
      markers: (t) =>
        t.selection.workload === undefined
          ? []
          : releases.markers(t.selection.context, t.selection.namespace, t.selection.workload),
      onMarkersChanged: markersChanged,
    }),
  );
  const metrics = scope.add(
    new MetricPanels({
      extensionUri: context.extensionUri,
      client: connectedClient,
      markers: (t) => releases.markers(t.context, t.namespace, t.workload),
      onMarkersChanged: markersChanged,
      prometheusUrl: () => {
        const url = vscode.workspace.getConfiguration('slipway').get<string>('prometheusUrl', '').trim();
        return url === '' ? undefined : url;
      },
    }),
  );
  const forwards = scope.add(new ForwardsView(supervisor, log));
  const events = scope.add(new EventsView(supervisor));
  const describe = scope.add(new DescribeDocuments(client));
  scope.add(vscode.workspace.registerTextDocumentContentProvider(DESCRIBE_SCHEME, describe));
  registerCommands(scope, {
    log,
    supervisor,
    kubeconfig,
    selection,
    status,
    clusters,
    deploy: { client, selection, services, releases, panel, previews },
    observe: { client, selection, services, forwards, events, logs, metrics, describe },
    migrate: { client, releases, migrations },
  });

  supervisor.start();
}

export function deactivate(): void {
  active?.dispose();
  active = undefined;
}
