import type { Res } from './transforms';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function at(o: unknown, ...path: string[]): unknown {
  let cur = o;
  for (const p of path) cur = isRecord(cur) ? cur[p] : undefined;
  return cur;
}

/** The pod spec of any kind that has one. */
function podSpec(o: Json): Json | undefined {
  const kind = String(o['kind']);
  const spec =
    kind === 'Pod'
      ? at(o, 'spec')
      : kind === 'CronJob'
        ? at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
        : at(o, 'spec', 'template', 'spec');
  return isRecord(spec) ? spec : undefined;
}

interface Ref {
  kind: string;
  holder: Json;
  field: string;
}

/** The places that name another object, by the kind they name (kustomize's nameReference defaults). */
function references(o: Json): Ref[] {
  const refs: Ref[] = [];
  const add = (kind: string, holder: unknown, field: string): void => {
    if (isRecord(holder) && typeof holder[field] === 'string') refs.push({ kind, holder, field });
  };
  const spec = podSpec(o);
  if (spec !== undefined) {
    for (const v of list(spec['volumes'])) {
      add('ConfigMap', v['configMap'], 'name');
      add('Secret', v['secret'], 'secretName');
      add('PersistentVolumeClaim', v['persistentVolumeClaim'], 'claimName');
      for (const s of list(at(v, 'projected', 'sources'))) {
        add('ConfigMap', s['configMap'], 'name');
        add('Secret', s['secret'], 'name');
      }
    }
    for (const c of [...list(spec['containers']), ...list(spec['initContainers'])]) {
      for (const e of list(c['env'])) {
        add('ConfigMap', at(e, 'valueFrom', 'configMapKeyRef'), 'name');
        add('Secret', at(e, 'valueFrom', 'secretKeyRef'), 'name');
      }
      for (const e of list(c['envFrom'])) {
        add('ConfigMap', e['configMapRef'], 'name');
        add('Secret', e['secretRef'], 'name');
      }
    }
    for (const s of list(spec['imagePullSecrets'])) add('Secret', s, 'name');
    add('ServiceAccount', spec, 'serviceAccountName');
  }
  const kind = String(o['kind']);
  if (kind === 'StatefulSet') add('Service', o['spec'], 'serviceName');
  if (kind === 'Ingress') {
    add('Service', at(o, 'spec', 'defaultBackend', 'service'), 'name');
    for (const rule of list(at(o, 'spec', 'rules'))) {
      for (const p of list(at(rule, 'http', 'paths'))) add('Service', at(p, 'backend', 'service'), 'name');
    }
    for (const t of list(at(o, 'spec', 'tls'))) add('Secret', t, 'secretName');
  }
  if (kind === 'HorizontalPodAutoscaler') {
    const target = at(o, 'spec', 'scaleTargetRef');
    if (isRecord(target) && typeof target['kind'] === 'string') add(target['kind'], target, 'name');
  }
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
    const role = at(o, 'roleRef');
    if (isRecord(role) && typeof role['kind'] === 'string') add(role['kind'], role, 'name');
    for (const s of list(o['subjects'])) if (s['kind'] === 'ServiceAccount') add('ServiceAccount', s, 'name');
  }
  return refs;
}

function namespaceOf(o: Json): string {
  const ns = at(o, 'metadata', 'namespace');
  return typeof ns === 'string' ? ns : '';
}

/**
 * After prefixes, suffixes and hashes renamed objects, every reference to one of them (by any name it
 * had) is rewritten to its final name, if the referenced object is in the same namespace.
 */
export function fixReferences(resources: Res[]): void {
  for (const r of resources) {
    for (const ref of references(r.object)) {
      const old = String(ref.holder[ref.field]);
      const target = resources.find(
        (t) =>
          t.object['kind'] === ref.kind &&
          t.names.has(old) &&
          (namespaceOf(t.object) === namespaceOf(r.object) || ref.kind.startsWith('Cluster')),
      );
      if (target !== undefined) ref.holder[ref.field] = String(at(target.object, 'metadata', 'name'));
    }
  }
}
