import * as vscode from 'vscode';
import type { Supervisor } from '../agent/supervisor';
import type { ClusterStatusCache } from '../state/cluster-status';
import type { Selection } from '../state/selection';
import { TopicStore } from '../state/topic-store';
import { Scope } from '../util/scope';
import { type ClustersRef, type NamespacesData, buildClustersTree } from './clusters-model';
import { LiveTree, type NodeHandle } from './live-tree';

export interface ClustersViewDeps {
  supervisor: Supervisor;
  kubeconfig: TopicStore<'kubeconfig'>;
  selection: Selection;
  status: ClusterStatusCache;
}

/**
 * Contexts from the kubeconfig topic; a context's namespaces are watched while it is expanded, and its
 * reachability is asked for the first time it is drawn.
 */
export class ClustersView implements vscode.Disposable {
  private readonly scope = new Scope();
  readonly tree: LiveTree<ClustersRef>;
  private readonly namespaces = new Map<string, TopicStore<'namespaces'>>();

  constructor(private readonly deps: ClustersViewDeps) {
    this.tree = this.scope.add(
      new LiveTree<ClustersRef>(() => this.build(), {
        onChildrenShown: (node) => {
          if (node.ref?.kind === 'context') this.watchNamespaces(node.ref.context.name);
        },
        onNodeShown: (node) => {
          if (node.ref?.kind === 'context') deps.status.ensure(node.ref.context);
        },
      }),
    );
    const view = this.scope.add(
      vscode.window.createTreeView<NodeHandle>('slipway.clusters', {
        treeDataProvider: this.tree,
        showCollapseAll: true,
      }),
    );
    this.scope.add(
      view.onDidCollapseElement((e) => {
        const ref = this.tree.node(e.element)?.ref;
        if (ref?.kind === 'context') this.unwatchNamespaces(ref.context.name);
      }),
    );
    const invalidate = (): void => this.tree.invalidate();
    this.scope.add(
      deps.kubeconfig.onDidChange(() => {
        const names = new Set(deps.kubeconfig.items('contexts').map((c) => c.name));
        for (const name of [...this.namespaces.keys()]) if (!names.has(name)) this.unwatchNamespaces(name);
        invalidate();
      }),
    );
    this.scope.add(deps.selection.onDidChange(invalidate));
    this.scope.add(deps.status.onDidChange(invalidate));
    this.scope.add(deps.supervisor.onDidChangeState(invalidate));
    this.scope.defer(() => {
      for (const name of [...this.namespaces.keys()]) this.unwatchNamespaces(name);
    });
  }

  private watchNamespaces(context: string): void {
    if (this.namespaces.has(context)) return;
    const store = new TopicStore(this.deps.supervisor.client, 'namespaces', { context });
    store.onDidChange(() => this.tree.invalidate());
    this.namespaces.set(context, store);
  }

  private unwatchNamespaces(context: string): void {
    this.namespaces.get(context)?.dispose();
    if (this.namespaces.delete(context)) this.tree.invalidate();
  }

  private build(): ReturnType<typeof buildClustersTree> {
    const { kubeconfig, selection, status, supervisor } = this.deps;
    const sel = selection.current;
    return buildClustersTree({
      agent: supervisor.state,
      kubeconfig: {
        loaded: kubeconfig.loaded,
        error: kubeconfig.error,
        contexts: kubeconfig.items('contexts'),
        problems: kubeconfig.items('problems'),
      },
      selection: sel === undefined ? undefined : { context: sel.context.name, namespace: sel.namespace },
      status: (context) => status.get(context),
      namespaces: (context): NamespacesData | undefined => {
        const store = this.namespaces.get(context);
        if (store === undefined) return undefined;
        return { loaded: store.loaded, error: store.error, namespaces: store.items('namespaces') };
      },
    });
  }

  dispose(): void {
    this.scope.dispose();
  }
}
