import * as vscode from 'vscode';
import { Coalescer } from '../util/coalescer';
import { type TreeModel, type ViewNode, diffModels } from './tree-model';

/** What VS Code holds for a node: the same object for as long as the node exists, as VS Code requires. */
export interface NodeHandle {
  readonly id: string;
}

export interface LiveTreeHooks<R> {
  /** A node's children are wanted (it was expanded): start loading what it shows. */
  onChildrenShown?(node: ViewNode<R>): void;
  /** A node is drawn: fetch what it needs lazily. */
  onNodeShown?(node: ViewNode<R>): void;
}

/** Turns a plain node into VS Code's tree item. */
export function toTreeItem<R>(node: ViewNode<R>): vscode.TreeItem {
  const state =
    node.collapsible === 'none'
      ? vscode.TreeItemCollapsibleState.None
      : node.collapsible === 'expanded'
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(node.label, state);
  item.id = node.id;
  if (node.description !== undefined) item.description = node.description;
  if (node.tooltip !== undefined) item.tooltip = node.tooltip;
  if (node.contextValue !== undefined) item.contextValue = node.contextValue;
  if (node.icon !== undefined) {
    item.iconPath =
      node.icon.color === undefined
        ? new vscode.ThemeIcon(node.icon.id)
        : new vscode.ThemeIcon(node.icon.id, new vscode.ThemeColor(node.icon.color));
  }
  if (node.command !== undefined) {
    item.command = {
      command: node.command.command,
      title: node.command.title,
      arguments: [...(node.command.args ?? [])],
    };
  }
  return item;
}

/**
 * A tree view fed by live data: `invalidate()` after any change; at most every `delayMs` the tree is
 * rebuilt from `build()` and only the nodes that changed are redrawn.
 */
export class LiveTree<R> implements vscode.TreeDataProvider<NodeHandle>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<NodeHandle | NodeHandle[] | undefined>();
  readonly onDidChangeTreeData: vscode.Event<NodeHandle | NodeHandle[] | undefined> = this.changed.event;
  private model: TreeModel<R> | undefined;
  private handles = new Map<string, NodeHandle>();
  private readonly coalescer: Coalescer;

  constructor(
    private readonly build: () => TreeModel<R>,
    private readonly hooks: LiveTreeHooks<R> = {},
    delayMs = 100,
  ) {
    this.coalescer = new Coalescer(() => this.rebuild(), delayMs);
  }

  invalidate(): void {
    this.coalescer.schedule();
  }

  /** The node behind a handle VS Code passed to a command, as of the latest build. */
  node(handle: unknown): ViewNode<R> | undefined {
    if (typeof handle !== 'object' || handle === null || !('id' in handle)) return undefined;
    const id = (handle as NodeHandle).id;
    return this.current().nodes.get(id);
  }

  private current(): TreeModel<R> {
    this.model ??= this.build();
    return this.model;
  }

  private rebuild(): void {
    const prev = this.model;
    const next = this.build();
    this.model = next;
    for (const id of this.handles.keys()) if (!next.nodes.has(id)) this.handles.delete(id);
    // Nothing was shown yet, so there is nothing to redraw.
    if (prev === undefined) return;
    const change = diffModels(prev, next);
    if (change.kind === 'all') this.changed.fire(undefined);
    else if (change.kind === 'nodes') this.changed.fire(change.ids.map((id) => this.handle(id)));
  }

  private handle(id: string): NodeHandle {
    let h = this.handles.get(id);
    if (h === undefined) {
      h = { id };
      this.handles.set(id, h);
    }
    return h;
  }

  getTreeItem(handle: NodeHandle): vscode.TreeItem {
    const node = this.current().nodes.get(handle.id);
    if (node === undefined) return new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    this.hooks.onNodeShown?.(node);
    return toTreeItem(node);
  }

  getChildren(handle?: NodeHandle): NodeHandle[] {
    const model = this.current();
    if (handle === undefined) return model.roots.map((id) => this.handle(id));
    const node = model.nodes.get(handle.id);
    if (node === undefined) return [];
    this.hooks.onChildrenShown?.(node);
    return node.children.map((id) => this.handle(id));
  }

  getParent(handle: NodeHandle): NodeHandle | undefined {
    const parent = this.current().nodes.get(handle.id)?.parent;
    return parent === undefined ? undefined : this.handle(parent);
  }

  dispose(): void {
    this.coalescer.dispose();
    this.changed.dispose();
  }
}
