/**
 * Trees as plain data. Each view builds its whole tree from the topic mirrors with a pure function; the
 * differ compares it with the previous build and names the few nodes VS Code must redraw. Nothing here
 * imports `vscode`, so the trees are tested in plain Node.
 */

/** A codicon id and an optional theme color id, e.g. { id: 'pass', color: 'testing.iconPassed' }. */
export interface NodeIcon {
  id: string;
  color?: string;
}

export interface NodeCommand {
  command: string;
  title: string;
  args?: readonly (string | number | boolean)[];
}

export interface NodeSpec<R> {
  /** Unique in the tree; VS Code keeps expansion and selection by it. */
  id: string;
  label: string;
  description?: string | undefined;
  tooltip?: string | undefined;
  icon?: NodeIcon | undefined;
  /** What menus match with `viewItem == …`: e.g. `workload.Deployment`, `pod`, `revision`. */
  contextValue?: string | undefined;
  command?: NodeCommand | undefined;
  /** The state used when the node first shows with children; later the user's choice wins. */
  expanded?: boolean | undefined;
  /** Children are loaded on demand, so the node can be expanded before it has any. */
  lazy?: boolean | undefined;
  /** What commands on this node act on; not drawn, so not compared. */
  ref?: R | undefined;
}

export type Collapsible = 'none' | 'collapsed' | 'expanded';

export interface ViewNode<R> extends Omit<NodeSpec<R>, 'expanded' | 'lazy'> {
  parent: string | undefined;
  children: string[];
  collapsible: Collapsible;
}

export interface TreeModel<R> {
  roots: string[];
  nodes: ReadonlyMap<string, ViewNode<R>>;
}

export function emptyModel<R>(): TreeModel<R> {
  return { roots: [], nodes: new Map() };
}

export class TreeBuilder<R> {
  private readonly roots: string[] = [];
  private readonly nodes = new Map<string, ViewNode<R>>();
  private readonly prefs = new Map<string, { expanded: boolean; lazy: boolean }>();

  /** Adds a node under `parent` (a root when undefined) and returns its id. */
  add(parent: string | undefined, spec: NodeSpec<R>): string {
    let id = spec.id;
    // Data from a cluster can repeat what should be unique; a suffix keeps VS Code from refusing the tree.
    for (let n = 2; this.nodes.has(id); n++) id = `${spec.id}~${n}`;
    const { expanded, lazy, ...rest } = spec;
    this.nodes.set(id, { ...rest, id, parent, children: [], collapsible: 'none' });
    this.prefs.set(id, { expanded: expanded === true, lazy: lazy === true });
    if (parent === undefined) this.roots.push(id);
    else this.nodes.get(parent)?.children.push(id);
    return id;
  }

  build(): TreeModel<R> {
    for (const node of this.nodes.values()) {
      const pref = this.prefs.get(node.id)!;
      if (node.children.length > 0 || pref.lazy) node.collapsible = pref.expanded ? 'expanded' : 'collapsed';
    }
    return { roots: this.roots, nodes: this.nodes };
  }
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function samePresentation<R>(a: ViewNode<R>, b: ViewNode<R>): boolean {
  return (
    a.label === b.label &&
    a.description === b.description &&
    a.tooltip === b.tooltip &&
    a.icon?.id === b.icon?.id &&
    a.icon?.color === b.icon?.color &&
    a.contextValue === b.contextValue &&
    a.collapsible === b.collapsible &&
    JSON.stringify(a.command) === JSON.stringify(b.command)
  );
}

export type TreeChange = { kind: 'none' } | { kind: 'all' } | { kind: 'nodes'; ids: string[] };

/**
 * Which nodes to redraw to get from `prev` to `next`: a node whose look or list of children changed.
 * Added and removed nodes show up as a change of their parent's children. A node inside another one
 * that is redrawn anyway is left out, since VS Code re-reads the children of a redrawn node.
 */
export function diffModels<R>(prev: TreeModel<R>, next: TreeModel<R>): TreeChange {
  if (!sameList(prev.roots, next.roots)) return { kind: 'all' };
  const changed = new Set<string>();
  for (const [id, node] of next.nodes) {
    const old = prev.nodes.get(id);
    if (old === undefined) continue;
    if (!samePresentation(old, node) || !sameList(old.children, node.children)) changed.add(id);
  }
  const ids = [...changed].filter((id) => {
    for (let p = next.nodes.get(id)?.parent; p !== undefined; p = next.nodes.get(p)?.parent) {
      if (changed.has(p)) return false;
    }
    return true;
  });
  return ids.length === 0 ? { kind: 'none' } : { kind: 'nodes', ids };
}
