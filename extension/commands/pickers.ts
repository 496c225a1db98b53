import * as vscode from 'vscode';
import { type AgentError, AgentFailure } from '../../protocol';
import type { Supervisor } from '../agent/supervisor';
import type { Selection } from '../state/selection';
import { allNamespaces, setAllNamespaces } from '../state/settings';
import { TopicStore } from '../state/topic-store';
import type { Event } from '../util/emitter';
import {
  type ContextPickItem,
  type NamespacePickItem,
  contextPickItems,
  namespacePickItems,
} from './pick-items';

interface LiveSource<T> {
  loaded(): boolean;
  error(): AgentError | null;
  items(): T[];
  onDidChange: Event<void>;
}

interface Pickable {
  label: string;
  description: string;
  detail?: string;
  icon: string;
}

/**
 * A quick pick fed by a live topic: busy until the first snapshot, updated as items change, failing
 * with the topic's error (reported by the command wrapper) rather than showing an empty list.
 */
async function pickLive<T extends Pickable>(
  options: { title: string; placeholder: string; active?: (item: T) => boolean },
  source: LiveSource<T>,
): Promise<T | undefined> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
  qp.title = options.title;
  qp.placeholder = options.placeholder;
  qp.matchOnDescription = true;
  let activated = false;
  const disposables: vscode.Disposable[] = [qp];
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const render = (): void => {
        const error = source.error();
        if (error !== null && source.items().length === 0) {
          reject(new AgentFailure(error));
          return;
        }
        qp.busy = !source.loaded();
        qp.items = source.items().map((value) => ({
          label: value.label,
          description: value.description,
          ...(value.detail === undefined ? {} : { detail: value.detail }),
          iconPath: new vscode.ThemeIcon(value.icon),
          value,
        }));
        // Put the cursor on the current choice once; later updates must not move it under the user.
        if (!activated && source.loaded()) {
          activated = true;
          const active = qp.items.find((i) => options.active?.(i.value) === true);
          if (active !== undefined) qp.activeItems = [active];
        }
      };
      disposables.push(source.onDidChange(render));
      disposables.push(qp.onDidAccept(() => resolve(qp.selectedItems[0]?.value)));
      disposables.push(qp.onDidHide(() => resolve(undefined)));
      render();
      qp.show();
    });
  } finally {
    for (const d of disposables) d.dispose();
  }
}

/** Picks the context Slipway uses in this window (never the kubeconfig's current-context). */
export async function pickContext(kubeconfig: TopicStore<'kubeconfig'>, selection: Selection): Promise<void> {
  const picked = await pickLive<ContextPickItem>(
    {
      title: 'Kubernetes context for Slipway in this window',
      placeholder: 'Pick a context; your kubeconfig is not changed',
      active: (i) => i.name === selection.current?.context.name,
    },
    {
      loaded: () => kubeconfig.loaded,
      error: () => kubeconfig.error,
      items: () => contextPickItems(kubeconfig.items('contexts'), selection.current?.context.name),
      onDidChange: kubeconfig.onDidChange,
    },
  );
  if (picked !== undefined) await selection.choose(picked.name);
}

/** Picks the namespace (or all of them) of the selected context; asks for a context first if none. */
export async function pickNamespace(
  supervisor: Supervisor,
  kubeconfig: TopicStore<'kubeconfig'>,
  selection: Selection,
): Promise<void> {
  if (selection.current === undefined) await pickContext(kubeconfig, selection);
  const sel = selection.current;
  if (sel === undefined) return;
  const store = new TopicStore(supervisor.client, 'namespaces', { context: sel.context.name });
  try {
    const all = allNamespaces();
    const picked = await pickLive<NamespacePickItem>(
      {
        title: `Namespace of ${sel.context.name} for Slipway`,
        placeholder: 'Pick a namespace, or all of them',
        active: (i) => (i.kind === 'all' ? all : i.name === sel.namespace && !all),
      },
      {
        loaded: () => store.loaded,
        error: () => store.error,
        items: () => (store.loaded ? namespacePickItems(store.items('namespaces'), sel.namespace, all) : []),
        onDidChange: store.onDidChange,
      },
    );
    if (picked === undefined) return;
    if (picked.kind === 'all') {
      await setAllNamespaces(true);
      return;
    }
    await selection.choose(sel.context.name, picked.name);
    if (all) await setAllNamespaces(false);
  } finally {
    store.dispose();
  }
}
