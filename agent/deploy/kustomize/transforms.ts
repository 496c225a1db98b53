import { type Json, isRecord } from './shared';

/** One object being rendered, with every name it has had (references may use any of them). */
export interface Res {
  object: Json;
  file: string;
  names: Set<string>;
  /** The kustomization folders the object passed through, innermost first: its scopes for references. */
  scopes: string[];
  originalName: string;
  /** The namespace the object was declared in ('' for none), which RBAC subjects refer to. */
  originalNamespace: string;
  /** A generated ConfigMap or Secret that gets kustomize's content hash suffix. */
  hashed?: boolean;
}

/** The map at a path, created on the way when `create` (as kustomize's fieldSpecs `create: true`). */
function mapAt(o: Json, path: string[], create: boolean): Json | undefined {
  let cur: Json = o;
  for (const p of path) {
    const found = cur[p];
    if (isRecord(found)) {
      cur = found;
      continue;
    }
    if (!create) return undefined;
    const made: Json = {};
    cur[p] = made;
    cur = made;
  }
  return cur;
}

/**
 * The kinds kustomize's built-in schema knows as cluster-scoped (it predates some: FlowSchema, for one,
 * gets a namespace from kustomize, so it is not listed). Every other kind, CRD instances too, is namespaced.
 */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'PodSecurityPolicy',
  'IngressClass',
  'RuntimeClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'CertificateSigningRequest',
  'ComponentStatus',
  'Node',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
]);

const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']);

export function applyNamespace(resources: Res[], namespace: string): void {
  for (const r of resources) {
    const kind = String(r.object['kind']);
    const metadata = mapAt(r.object, ['metadata'], true) as Json;
    if (!CLUSTER_SCOPED.has(kind)) metadata['namespace'] = namespace;
    // Where kustomize's namespace field specs reach into an object: an APIService's Service (created when
    // missing) and a CRD's conversion webhook Service (only when present). Webhook configurations are left
    // to the name references.
    if (kind === 'APIService') (mapAt(r.object, ['spec', 'service'], true) as Json)['namespace'] = namespace;
    if (kind === 'CustomResourceDefinition') {
      const service = mapAt(r.object, ['spec', 'conversion', 'webhook', 'clientConfig', 'service'], false);
      if (service !== undefined) service['namespace'] = namespace;
    }
    // kustomize 5 renames a Namespace object to the kustomization's namespace.
    if (kind === 'Namespace') {
      metadata['name'] = namespace;
      r.names.add(namespace);
    }
  }
}

function merge(target: Json | undefined, values: Record<string, string>): void {
  if (target !== undefined) Object.assign(target, values);
}

/** Labels on metadata, and where asked on selectors and pod templates, as kustomize's label fieldSpecs say. */
export function applyLabels(
  resources: Res[],
  labels: Record<string, string>,
  selectors: boolean,
  templates: boolean,
): void {
  const values = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  for (const r of resources) {
    const o = r.object;
    const kind = String(o['kind']);
    merge(mapAt(o, ['metadata', 'labels'], true), values);
    if (WORKLOADS.has(kind) || kind === 'Job' || kind === 'ReplicationController') {
      if (templates) merge(mapAt(o, ['spec', 'template', 'metadata', 'labels'], true), values);
    }
    if (kind === 'CronJob' && templates) {
      merge(mapAt(o, ['spec', 'jobTemplate', 'metadata', 'labels'], true), values);
      merge(mapAt(o, ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'], true), values);
    }
    if (kind === 'StatefulSet' && templates) {
      const spec = mapAt(o, ['spec'], false);
      for (const t of Array.isArray(spec?.['volumeClaimTemplates'])
        ? spec['volumeClaimTemplates'].filter(isRecord)
        : []) {
        merge(mapAt(t, ['metadata', 'labels'], true), values);
      }
    }
    if (!selectors) continue;
    if (kind === 'Service' || kind === 'ReplicationController')
      merge(mapAt(o, ['spec', 'selector'], true), values);
    if (WORKLOADS.has(kind)) merge(mapAt(o, ['spec', 'selector', 'matchLabels'], true), values);
    if (kind === 'Job' || kind === 'PodDisruptionBudget')
      merge(mapAt(o, ['spec', 'selector', 'matchLabels'], false), values);
    if (kind === 'CronJob')
      merge(mapAt(o, ['spec', 'jobTemplate', 'spec', 'selector', 'matchLabels'], false), values);
    if (kind === 'NetworkPolicy') {
      // Only selectors that already have matchLabels: an empty selector means "all pods" and stays so.
      merge(mapAt(o, ['spec', 'podSelector', 'matchLabels'], false), values);
      const peers = (rules: unknown, field: string): Json[] =>
        (Array.isArray(rules) ? rules.filter(isRecord) : []).flatMap((rule) => {
          const list = rule[field];
          return Array.isArray(list) ? list.filter(isRecord) : [];
        });
      const spec = mapAt(o, ['spec'], false);
      for (const peer of [...peers(spec?.['ingress'], 'from'), ...peers(spec?.['egress'], 'to')]) {
        merge(mapAt(peer, ['podSelector', 'matchLabels'], false), values);
      }
    }
  }
}

export function applyAnnotations(resources: Res[], annotations: Record<string, string>): void {
  const values = Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, String(v)]));
  for (const r of resources) {
    const o = r.object;
    const kind = String(o['kind']);
    merge(mapAt(o, ['metadata', 'annotations'], true), values);
    if (WORKLOADS.has(kind) || kind === 'Job' || kind === 'ReplicationController') {
      merge(mapAt(o, ['spec', 'template', 'metadata', 'annotations'], true), values);
    }
    if (kind === 'CronJob') {
      merge(mapAt(o, ['spec', 'jobTemplate', 'metadata', 'annotations'], true), values);
      merge(mapAt(o, ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'annotations'], true), values);
    }
  }
}

export function applyReplicas(resources: Res[], replicas: Json[]): void {
  for (const rep of replicas) {
    for (const r of resources) {
      const kind = String(r.object['kind']);
      if (!['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'].includes(kind)) continue;
      if (!r.names.has(String(rep['name']))) continue;
      (mapAt(r.object, ['spec'], true) as Json)['replicas'] = Number(rep['count']);
    }
  }
}

function splitImage(image: string): { name: string; tag: string; digest: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at) : '';
  const base = at >= 0 ? image.slice(0, at) : image;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  return colon > slash
    ? { name: base.slice(0, colon), tag: base.slice(colon), digest }
    : { name: base, tag: '', digest };
}

/** Every container list anywhere in the object (pod templates of any kind, CRDs included). */
function containerLists(v: unknown, out: Json[][]): void {
  if (Array.isArray(v)) for (const x of v) containerLists(x, out);
  else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'containers' || k === 'initContainers') && Array.isArray(x)) out.push(x.filter(isRecord));
      containerLists(x, out);
    }
  }
}

export function applyImages(resources: Res[], images: Json[]): void {
  for (const r of resources) {
    const lists: Json[][] = [];
    containerLists(r.object, lists);
    for (const c of lists.flat()) {
      if (typeof c['image'] !== 'string') continue;
      const parts = splitImage(c['image']);
      const rule = images.find((i) => i['name'] === parts.name);
      if (rule === undefined) continue;
      const name = typeof rule['newName'] === 'string' ? rule['newName'] : parts.name;
      // A new tag or digest replaces both the old tag and the old digest; given both, kustomize keeps both.
      const tag = rule['newTag'] === undefined ? undefined : `:${String(rule['newTag'])}`;
      const digest = typeof rule['digest'] === 'string' ? `@${rule['digest']}` : undefined;
      if (tag === undefined && digest === undefined) c['image'] = `${name}${parts.tag}${parts.digest}`;
      else c['image'] = `${name}${tag ?? ''}${digest ?? ''}`;
    }
  }
}
