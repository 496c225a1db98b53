import type { OpenApiPublisher } from './openapi';
import type { Registry, ResourceType } from './registry';
import { ALL_VERBS } from './registry';
import type { Store } from './store';
import { type JsonObject, type KObject, isJsonObject } from './types';

interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

function servedTypes(crd: KObject): ResourceType[] {
  const spec = (crd['spec'] ?? {}) as {
    group?: string;
    scope?: string;
    names?: CrdNames;
    versions?: JsonObject[];
  };
  const names = spec.names;
  if (spec.group === undefined || names === undefined) return [];
  return (spec.versions ?? [])
    .filter((v) => v['served'] !== false)
    .map((v) => {
      const sub = isJsonObject(v['subresources']) ? v['subresources'] : {};
      const subresources: string[] = [];
      if (sub['status'] !== undefined) subresources.push('status');
      if (sub['scale'] !== undefined) subresources.push('scale');
      const columns = Array.isArray(v['additionalPrinterColumns'])
        ? (v['additionalPrinterColumns'] as unknown[])
        : [];
      const schema = isJsonObject(v['schema']) ? v['schema']['openAPIV3Schema'] : undefined;
      return {
        group: spec.group!,
        version: String(v['name']),
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        verbs: ALL_VERBS,
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        subresources,
        crd: { printerColumns: columns as NonNullable<ResourceType['crd']>['printerColumns'], schema },
      };
    });
}

/**
 * CustomResourceDefinitions register their kinds as they are created and unregister them when deleted;
 * the CRD's status says so (Established, NamesAccepted) like the real apiextensions server.
 */
export function watchCustomResourceDefinitions(
  store: Store,
  registry: Registry,
  openapi: OpenApiPublisher,
): void {
  const crdType = registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  store.subscribe((ev) => {
    if (ev.key !== 'apiextensions.k8s.io/customresourcedefinitions') return;
    const spec = (ev.object['spec'] ?? {}) as { group?: string; names?: CrdNames };
    if (ev.type === 'DELETED') {
      if (spec.group !== undefined && spec.names !== undefined)
        registry.remove(spec.group, spec.names.plural);
      return;
    }
    for (const t of servedTypes(ev.object)) {
      registry.add(t);
      if (t.crd?.schema !== undefined) openapi.addCustomResource(t, t.crd.schema);
    }
    if (ev.type === 'ADDED') {
      const now = new Date(store.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      const status = {
        acceptedNames: spec.names ?? {},
        storedVersions: servedTypes(ev.object)
          .map((t) => t.version)
          .slice(0, 1),
        conditions: [
          {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
            lastTransitionTime: now,
          },
          {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
            lastTransitionTime: now,
          },
        ],
      };
      queueMicrotask(() => {
        const live = store.get(crdType, undefined, ev.object.metadata.name ?? '');
        if (live !== undefined)
          store.update(crdType, { ...live, status } as KObject, { subresource: 'status' });
      });
    }
  });
}
