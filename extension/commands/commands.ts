import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { AgentFailure, agentError } from '../../protocol';
import type { Supervisor } from '../agent/supervisor';
import type { ClusterStatusCache } from '../state/cluster-status';
import type { Selection } from '../state/selection';
import { allNamespaces, setAllNamespaces } from '../state/settings';
import type { TopicStore } from '../state/topic-store';
import {
  type MigrateDeps,
  acceptMigrationEdit,
  migrate,
  openMigration,
  revertMigration,
} from '../migrations/migrate-commands';
import type { Scope } from '../util/scope';
import type { ClustersView } from '../views/clusters-view';
import {
  type DeployDeps,
  deploy,
  deployPath,
  restart,
  rollback,
  rollbackHelm,
  scale,
  setImage,
} from '../deploy/deploy-commands';
import { CMD } from './ids';
import {
  type ObserveDeps,
  describe,
  eventsFocus,
  openForward,
  removeForwardProfile,
  saveForwardProfile,
  showEvents,
  showLogs,
  showMetrics,
  startForward,
  startForwardProfile,
  stopAllForwards,
  stopForward,
} from './observe-commands';
import { pickContext, pickNamespace } from './pickers';
import { type FailureHost, registerCommand } from './run-command';

export interface CommandDeps {
  log: vscode.LogOutputChannel;
  supervisor: Supervisor;
  kubeconfig: TopicStore<'kubeconfig'>;
  selection: Selection;
  status: ClusterStatusCache;
  clusters: ClustersView;
  deploy: DeployDeps;
  observe: ObserveDeps;
  migrate: MigrateDeps;
}

/**
 * The kubeconfig to open: the selected context's file, else one with a problem, else the first file
 * KUBECONFIG names, else ~/.kube/config.
 */
function defaultKubeconfig(deps: CommandDeps): string {
  const fromSelection = deps.selection.current?.context.source;
  if (fromSelection !== undefined && fromSelection !== '') return fromSelection;
  const problem = deps.kubeconfig.items('problems')[0]?.file;
  if (problem !== undefined) return problem;
  const fromEnv = (process.env['KUBECONFIG'] ?? '').split(delimiter).find((f) => f !== '');
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

export function registerCommands(scope: Scope, deps: CommandDeps): void {
  const { log, supervisor, kubeconfig, selection, status, clusters } = deps;
  const openKubeconfig = async (file?: unknown): Promise<void> => {
    const path = typeof file === 'string' && file !== '' ? file : defaultKubeconfig(deps);
    if (!existsSync(path)) {
      throw new AgentFailure(agentError('NOT_FOUND', `The kubeconfig ${path} does not exist.`));
    }
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false });
  };
  const host: FailureHost = { log, openKubeconfig, restartAgent: () => supervisor.restartAgent() };
  const register = (id: string, run: (...args: unknown[]) => unknown): void => {
    scope.add(registerCommand(host, id, run));
  };

  register(CMD.showLog, () => log.show(true));
  register(CMD.openKubeconfig, openKubeconfig);
  register(CMD.reconnect, () => supervisor.retryNow());
  register(CMD.restartAgent, () => supervisor.restartAgent());
  register(CMD.pickContext, () => pickContext(kubeconfig, selection));
  register(CMD.pickNamespace, () => pickNamespace(supervisor, kubeconfig, selection));
  register(CMD.showAllNamespaces, () => setAllNamespaces(true));
  register(CMD.showSelectedNamespace, () => setAllNamespaces(false));
  register(CMD.useForSlipway, async (handle) => {
    const ref = clusters.tree.node(handle)?.ref;
    if (ref?.kind === 'context') {
      await selection.choose(ref.context.name);
    } else if (ref?.kind === 'namespace') {
      await selection.choose(ref.context, ref.namespace);
      if (allNamespaces()) await setAllNamespaces(false);
    } else {
      await pickContext(kubeconfig, selection);
    }
  });
  const d = deps.deploy;
  register(CMD.deploy, (handle) => deploy(d, handle));
  register(CMD.deployFile, async (uri) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (target?.scheme !== 'file')
      throw new AgentFailure(agentError('INVALID', 'Open a manifest file saved on disk to deploy it.'));
    // The agent reads the file from disk: what the editor shows is what gets deployed.
    const open = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === target.toString());
    if (open?.isDirty === true && !(await open.save()))
      throw new AgentFailure(agentError('INVALID', `Save ${target.fsPath} before deploying it.`));
    await deployPath(d, target.fsPath);
  });
  register(CMD.setImage, (handle) => setImage(d, handle));
  register(CMD.rollback, (handle) => rollback(d, handle));
  register(CMD.restart, (handle) => restart(d, handle));
  register(CMD.scale, (handle) => scale(d, handle));
  register(CMD.rollbackHelm, (handle) => rollbackHelm(d, handle));
  register(CMD.showRollout, () => d.panel.show());
  const o = deps.observe;
  register(CMD.showLogs, (handle) => showLogs(o, handle));
  const m = deps.migrate;
  register(CMD.migrate, (handle) => migrate(m, handle));
  register(CMD.refreshMigrations, () => m.migrations.refresh());
  register(CMD.openMigration, (handle) => openMigration(m, handle));
  register(CMD.revertMigration, (handle) => revertMigration(m, handle));
  register(CMD.acceptMigrationEdit, (handle) => acceptMigrationEdit(m, handle));
  register(CMD.showMetrics, (handle) => showMetrics(o, handle));
  register(CMD.describe, (handle) => describe(o, handle));
  register(CMD.refreshDescribe, () => {
    const uri = vscode.window.activeTextEditor?.document.uri;
    if (uri !== undefined) o.describe.refresh(uri);
  });
  register(CMD.showEvents, (handle) => showEvents(o, handle));
  register(CMD.refreshEvents, () => o.events.refresh());
  register(CMD.portForward, (handle) => startForward(o, handle));
  register(CMD.stopForward, (handle) => stopForward(o, handle));
  register(CMD.stopAllForwards, () => stopAllForwards(o));
  register(CMD.openForward, (handle) => openForward(o, handle));
  register(CMD.saveForwardProfile, () => saveForwardProfile(o));
  register(CMD.startForwardProfile, (handle) => startForwardProfile(o, handle));
  register(CMD.deleteForwardProfile, (handle) => removeForwardProfile(o, handle));
  // The Events view follows what is selected in the Services view.
  scope.add(
    o.services.onDidChangeSelection((e) => {
      const ref = o.services.tree.node(e.selection[0])?.ref;
      if (ref !== undefined) o.events.show(eventsFocus(o, ref));
    }),
  );
  register(CMD.refreshClusterStatus, (handle) => {
    const ref = clusters.tree.node(handle)?.ref;
    status.refresh(ref?.kind === 'context' ? ref.context.name : undefined);
  });
}
