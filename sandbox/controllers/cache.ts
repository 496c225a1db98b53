import type { ResourceType } from '../registry';
import { typeKey } from '../registry';
import type { Store, StoreEvent } from '../store';
import type { KObject } from '../types';

/**
 * An informer-style index of stored objects by type and namespace, so controllers can list one namespace
 * without scanning and sorting every object of the type. Stored objects are immutable, so the index
 * shares them. It is kept current synchronously by a store subscription, so it is never stale when a
 * controller reads it, even right after the controller's own writes.
 */
export class ObjectCache {
  private readonly types = new Map<string, Map<string, Map<string, KObject>>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.subscribe((ev) => this.apply(ev));
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Objects of a type, in one namespace or in all; unsorted, like a lister. */
  list(t: ResourceType, namespace?: string): KObject[] {
    const byNs = this.index(t);
    if (namespace !== undefined) return [...(byNs.get(namespace)?.values() ?? [])];
    const out: KObject[] = [];
    for (const m of byNs.values()) out.push(...m.values());
    return out;
  }

  private index(t: ResourceType): Map<string, Map<string, KObject>> {
    const key = typeKey(t);
    let byNs = this.types.get(key);
    if (byNs === undefined) {
      byNs = new Map();
      this.types.set(key, byNs);
      for (const o of this.store.list(t)) put(byNs, o);
    }
    return byNs;
  }

  private apply(ev: StoreEvent): void {
    const byNs = this.types.get(ev.key);
    if (byNs === undefined) return;
    if (ev.type === 'DELETED') {
      const m = byNs.get(ev.object.metadata.namespace ?? '');
      m?.delete(ev.object.metadata.name ?? '');
      if (m !== undefined && m.size === 0) byNs.delete(ev.object.metadata.namespace ?? '');
    } else put(byNs, ev.object);
  }
}

function put(byNs: Map<string, Map<string, KObject>>, o: KObject): void {
  const ns = o.metadata.namespace ?? '';
  let m = byNs.get(ns);
  if (m === undefined) {
    m = new Map();
    byNs.set(ns, m);
  }
  m.set(o.metadata.name ?? '', o);
}
