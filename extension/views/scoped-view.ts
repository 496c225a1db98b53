import * as vscode from 'vscode';
import type { Supervisor } from '../agent/supervisor';
import { ScopedStore } from '../state/scoped-store';
import type { Selection } from '../state/selection';
import { allNamespaces, onDidChangeAllNamespaces } from '../state/settings';
import type { TopicStore } from '../state/topic-store';
import { Scope } from '../util/scope';
import { LiveTree } from './live-tree';
import { type ViewScope, scopeLabel } from './placeholders';
import type { TreeModel } from './tree-model';

export interface ScopedViewDeps {
  supervisor: Supervisor;
  kubeconfig: TopicStore<'kubeconfig'>;
  selection: Selection;
}

/** Where the Services and Releases views point: the selected context, one namespace or all. */
export function currentViewScope(selection: Selection): ViewScope | undefined {
  const s = selection.current;
  if (s === undefined) return undefined;
  return allNamespaces() ? { context: s.context.name } : { context: s.context.name, namespace: s.namespace };
}

/** A tree view over one selection-scoped topic; subscribed while visible. */
export abstract class ScopedTopicView<T extends 'services' | 'releases', R> implements vscode.Disposable {
  protected readonly scope = new Scope();
  readonly tree: LiveTree<R>;
  protected readonly store: ScopedStore<T>;
  private readonly view: vscode.TreeView<unknown>;
  /** The rows the user selected (handles for `tree.node`). */
  readonly onDidChangeSelection: vscode.Event<vscode.TreeViewSelectionChangeEvent<unknown>>;

  constructor(
    viewId: string,
    topic: T,
    protected readonly deps: ScopedViewDeps,
  ) {
    this.tree = this.scope.add(new LiveTree<R>(() => this.build()));
    this.store = this.scope.add(new ScopedStore(deps.supervisor.client, topic, () => this.tree.invalidate()));
    this.view = this.scope.add(
      vscode.window.createTreeView(viewId, { treeDataProvider: this.tree, showCollapseAll: true }),
    );
    this.onDidChangeSelection = this.view.onDidChangeSelection;
    const update = (): void => this.update();
    this.scope.add(this.view.onDidChangeVisibility(update));
    this.scope.add(deps.selection.onDidChange(update));
    this.scope.add(onDidChangeAllNamespaces(update));
    this.scope.add(deps.kubeconfig.onDidChange(() => this.tree.invalidate()));
    this.scope.add(deps.supervisor.onDidChangeState(() => this.tree.invalidate()));
    this.update();
  }

  private update(): void {
    const scope = currentViewScope(this.deps.selection);
    this.view.description = scope === undefined ? '' : `${scope.context} · ${scopeLabel(scope)}`;
    this.store.update(scope, this.view.visible);
  }

  protected abstract build(): TreeModel<R>;

  dispose(): void {
    this.scope.dispose();
  }
}
