import type { Res } from './transforms';
import { type Json, isRecord } from './shared';

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
/**
 * Of several objects a reference could mean (one base listed by two overlays with different prefixes),
 * the one from the innermost kustomization both passed through, as kustomize resolves it.
 */
function nearest(referrer: Res, candidates: Res[]): Res | undefined {
  // Scopes are innermost first, so the shared chain is the common tail; the longest one wins.
  const shared = (c: Res): number => {
    let n = 0;
    while (
      n < c.scopes.length &&
      n < referrer.scopes.length &&
      c.scopes[c.scopes.length - 1 - n] === referrer.scopes[referrer.scopes.length - 1 - n]
    ) {
      n++;
    }
    return n;
  };
  let best: Res | undefined;
  for (const c of candidates) if (best === undefined || shared(c) > shared(best)) best = c;
  return best;
}

export function fixReferences(resources: Res[]): void {
  for (const r of resources) {
    if (r.object['kind'] === 'RoleBinding' || r.object['kind'] === 'ClusterRoleBinding') {
      fixSubjects(r.object, resources);
    }
    for (const service of serviceRefs(r.object)) fixServiceRef(service, resources);
    for (const ref of references(r.object)) {
      const old = String(ref.holder[ref.field]);
      const target = nearest(
        r,
        resources.filter(
          (t) =>
            t.object['kind'] === ref.kind &&
            t.names.has(old) &&
            (namespaceOf(t.object) === namespaceOf(r.object) || ref.kind.startsWith('Cluster')),
        ),
      );
      if (target !== undefined) ref.holder[ref.field] = String(at(target.object, 'metadata', 'name'));
    }
  }
}

/**
 * A ServiceAccount subject follows the ServiceAccount it names (declared in the subject's namespace,
 * "default" when either leaves it out) to its final name and namespace; subjects naming accounts outside
 * the kustomization keep their namespace, even "default", as kustomize 5 does.
 */
function fixSubjects(binding: Json, resources: Res[]): void {
  const orDefault = (ns: unknown): string => (typeof ns === 'string' && ns !== '' ? ns : 'default');
  for (const s of list(binding['subjects'])) {
    if (s['kind'] !== 'ServiceAccount' || typeof s['name'] !== 'string') continue;
    const name = s['name'];
    const account = resources.find(
      (t) =>
        t.object['kind'] === 'ServiceAccount' &&
        t.names.has(name) &&
        orDefault(t.originalNamespace) === orDefault(s['namespace']),
    );
    if (account === undefined) continue;
    s['name'] = String(at(account.object, 'metadata', 'name'));
    const ns = at(account.object, 'metadata', 'namespace');
    if (typeof ns === 'string') s['namespace'] = ns;
  }
}

/** `{ name, namespace }` Service references of webhook configurations and APIServices. */
function serviceRefs(o: Json): Json[] {
  const kind = String(o['kind']);
  if (kind === 'APIService') {
    const service = at(o, 'spec', 'service');
    return isRecord(service) ? [service] : [];
  }
  if (kind !== 'ValidatingWebhookConfiguration' && kind !== 'MutatingWebhookConfiguration') return [];
  return list(o['webhooks'])
    .map((w) => at(w, 'clientConfig', 'service'))
    .filter(isRecord);
}

/**
 * A Service reference with a namespace follows a Service now in that namespace; one without follows any
 * Service of that name. It takes the Service's final name and namespace, as kustomize's name references do.
 */
function fixServiceRef(ref: Json, resources: Res[]): void {
  if (typeof ref['name'] !== 'string') return;
  const name = ref['name'];
  const service = resources.find(
    (t) =>
      t.object['kind'] === 'Service' &&
      t.names.has(name) &&
      (ref['namespace'] === undefined || ref['namespace'] === namespaceOf(t.object)),
  );
  if (service === undefined) return;
  ref['name'] = String(at(service.object, 'metadata', 'name'));
  const ns = namespaceOf(service.object);
  if (ns !== '') ref['namespace'] = ns;
}
