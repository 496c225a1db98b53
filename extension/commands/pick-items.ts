import type { ContextInfo, NamespaceInfo } from '../../protocol';
import { joinParts } from '../views/format';

export interface ContextPickItem {
  kind: 'context';
  label: string;
  description: string;
  detail: string;
  icon: string;
  name: string;
}

export type NamespacePickItem =
  | { kind: 'all'; label: string; description: string; icon: string }
  | { kind: 'namespace'; label: string; description: string; icon: string; name: string };

/** Contexts to pick from, the one in use first marked, production ones flagged. */
export function contextPickItems(
  contexts: readonly ContextInfo[],
  selected: string | undefined,
): ContextPickItem[] {
  return [...contexts]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => ({
      kind: 'context',
      label: c.name,
      description: joinParts([
        c.namespace,
        c.current && 'current',
        c.production && 'production',
        c.name === selected && 'in use',
      ]),
      detail: c.server,
      icon: c.production ? 'flame' : c.name === selected ? 'check' : 'server-environment',
      name: c.name,
    }));
}

/** "All namespaces", then every namespace of the context. */
export function namespacePickItems(
  namespaces: readonly NamespaceInfo[],
  selected: string | undefined,
  all: boolean,
): NamespacePickItem[] {
  const items: NamespacePickItem[] = [
    {
      kind: 'all',
      label: 'All namespaces',
      description: all ? 'in use' : '',
      icon: all ? 'check' : 'list-tree',
    },
  ];
  for (const n of [...namespaces].sort((a, b) => a.name.localeCompare(b.name))) {
    const inUse = !all && n.name === selected;
    items.push({
      kind: 'namespace',
      label: n.name,
      description: joinParts([n.phase !== 'Active' && n.phase, inUse && 'in use']),
      icon: inUse ? 'check' : 'symbol-namespace',
      name: n.name,
    });
  }
  return items;
}
