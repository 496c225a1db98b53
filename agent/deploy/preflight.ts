import { AgentFailure, type ObjectDiff } from '../../protocol';
import type { AccessAttributes, KubeClient } from '../kube/client';
import type { KubeObject } from '../kube/objects';
import { reviewYaml, sameForReview } from './clean';
import { type DesiredObject, describe, isWorkload, objectId, where } from './desired';
import { ANNOTATIONS } from './provenance';

export interface Finding {
  /** invalid: the input is wrong (exit 2); the others block a valid plan (exit 4). */
  kind: 'invalid' | 'forbidden' | 'reference' | 'policy';
  message: string;
}

export interface PreflightResult {
  blockers: Finding[];
  warnings: string[];
  /** Live objects before the plan, by objectId; undefined when absent. */
  live: Map<string, KubeObject | undefined>;
  diffs: ObjectDiff[];
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: {
    configMap?: { name?: string; optional?: boolean };
    secret?: { secretName?: string; optional?: boolean };
    projected?: {
      sources?: {
        configMap?: { name?: string; optional?: boolean };
        secret?: { name?: string; optional?: boolean };
      }[];
    };
  }[];
  imagePullSecrets?: { name?: string }[];
}
interface ContainerLike {
  name?: string;
  image?: string;
  env?: {
    valueFrom?: {
      configMapKeyRef?: { name?: string; optional?: boolean };
      secretKeyRef?: { name?: string; optional?: boolean };
    };
  }[];
  envFrom?: {
    configMapRef?: { name?: string; optional?: boolean };
    secretRef?: { name?: string; optional?: boolean };
  }[];
}

function podSpecOf(o: KubeObject): PodSpecLike | undefined {
  const spec = (o as { spec?: Record<string, unknown> }).spec;
  if (spec === undefined) return undefined;
  if (o.kind === 'Pod') return spec as PodSpecLike;
  if (o.kind === 'CronJob') {
    const job = (spec['jobTemplate'] as { spec?: { template?: { spec?: PodSpecLike } } } | undefined)?.spec;
    return job?.template?.spec;
  }
  return (spec['template'] as { spec?: PodSpecLike } | undefined)?.spec;
}

/** The ConfigMaps and Secrets a pod template needs to start (optional references left out). */
export function requiredReferences(o: KubeObject): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const spec = podSpecOf(o);
  const need = (set: Set<string>, ref: { name?: string; optional?: boolean } | undefined): void => {
    if (ref?.name !== undefined && ref.optional !== true) set.add(ref.name);
  };
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      need(configMaps, e.valueFrom?.configMapKeyRef);
      need(secrets, e.valueFrom?.secretKeyRef);
    }
    for (const e of c.envFrom ?? []) {
      need(configMaps, e.configMapRef);
      need(secrets, e.secretRef);
    }
  }
  for (const v of spec?.volumes ?? []) {
    need(configMaps, v.configMap);
    if (v.secret !== undefined && v.secret.optional !== true && v.secret.secretName !== undefined) {
      secrets.add(v.secret.secretName);
    }
    for (const s of v.projected?.sources ?? []) {
      need(configMaps, s.configMap);
      need(secrets, s.secret);
    }
  }
  for (const s of spec?.imagePullSecrets ?? []) if (s.name !== undefined) secrets.add(s.name);
  return { configMaps, secrets };
}

/** Images without a tag or digest, or tagged `latest`: they do not say what runs. */
export function floatingImages(o: KubeObject): string[] {
  const spec = podSpecOf(o);
  const out: string[] = [];
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const image = c.image ?? '';
    if (image.includes('@')) continue;
    const lastSegment = image.slice(image.lastIndexOf('/') + 1);
    const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
    if (tag === '' || tag === 'latest') out.push(image);
  }
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function message(e: unknown): string {
  return e instanceof AgentFailure ? e.error.message : e instanceof Error ? e.message : String(e);
}

/** The server's own words from an AgentFailure (its Status message), for file:line reports. */
function serverSaid(e: unknown): string {
  if (e instanceof AgentFailure) return e.error.detail ?? e.error.message;
  return message(e);
}

/**
 * A server-side apply of a field the schema does not have fails with a bare 500 "failed to create typed
 * patch object ... field not declared in schema" (kubernetes/kubernetes#122480): it is the manifest's
 * fault, so it is reported as an unknown field, in kubectl's words.
 */
function schemaError(e: unknown): string | undefined {
  const text = e instanceof AgentFailure ? `${e.error.detail ?? ''} ${e.error.message}` : '';
  if (!/failed to create typed patch object/.test(text)) return undefined;
  const fields = [...text.matchAll(/\.([\w.[\]-]+): field not declared in schema/g)].map(
    (m) => `unknown field "${m[1] ?? ''}"`,
  );
  return fields.length > 0
    ? `${[...new Set(fields)].join(', ')} (not in the schema of this kind)`
    : (e as AgentFailure).error.detail;
}

/**
 * Everything that can be known before writing: every kind is served, the user may do every verb the plan
 * needs (SelfSubjectAccessReview), referenced ConfigMaps and Secrets exist, images are pinned where the
 * target is protected, and the server accepts every object (server-side apply dry-run with strict field
 * validation), which also yields the diff against the live objects.
 */
export async function preflight(
  client: KubeClient,
  desired: DesiredObject[],
  opts: { protectedTarget: boolean; signal: AbortSignal; extraAccess?: AccessAttributes[] },
): Promise<PreflightResult> {
  const blockers: Finding[] = [];
  const warnings: string[] = [];
  const live = new Map<string, KubeObject | undefined>();
  const diffs: ObjectDiff[] = [];

  // Kinds the cluster serves.
  const served = new Map<string, { group: string; plural: string; namespaced: boolean }>();
  for (const d of desired) {
    const o = d.object;
    const k = `${o.apiVersion ?? ''}/${o.kind ?? ''}`;
    if (served.has(k)) continue;
    const creatingCrd = desired.some(
      (x) =>
        x.object.kind === 'CustomResourceDefinition' &&
        (x.object as { spec?: { names?: { kind?: string } } }).spec?.names?.kind === o.kind,
    );
    try {
      const r = await client.resource(o.apiVersion ?? '', o.kind ?? '');
      const group = (o.apiVersion ?? '').includes('/') ? ((o.apiVersion ?? '').split('/')[0] ?? '') : '';
      served.set(k, { group, plural: r.plural, namespaced: r.namespaced });
    } catch (e) {
      if (creatingCrd)
        warnings.push(`${where(d)}: its CRD is created by this deploy; it is checked when applied.`);
      else blockers.push({ kind: 'invalid', message: `${where(d)}: ${message(e)}` });
    }
  }

  // RBAC: every verb the plan needs, asked once per resource and namespace.
  const access = new Map<string, AccessAttributes>();
  const want = (a: AccessAttributes): void => {
    access.set(`${a.verb}|${a.group}|${a.resource}|${a.subresource ?? ''}|${a.namespace ?? ''}`, a);
  };
  for (const d of desired) {
    const s = served.get(`${d.object.apiVersion ?? ''}/${d.object.kind ?? ''}`);
    if (s === undefined) continue;
    const ns = s.namespaced ? d.object.metadata.namespace : undefined;
    for (const verb of ['get', 'create', 'patch'])
      want({ verb, group: s.group, resource: s.plural, namespace: ns });
    if (isWorkload(d.object)) {
      // Watching the rollout and rolling it back if it fails.
      want({ verb: 'watch', group: s.group, resource: s.plural, namespace: ns });
      want({ verb: 'list', group: '', resource: 'pods', namespace: ns });
      want({ verb: 'watch', group: '', resource: 'pods', namespace: ns });
      want({
        verb: 'list',
        group: 'apps',
        resource: d.object.kind === 'Deployment' ? 'replicasets' : 'controllerrevisions',
        namespace: ns,
      });
    }
  }
  for (const a of opts.extraAccess ?? []) want(a);
  const answers = await mapLimit([...access.values()], 8, async (a) => ({
    a,
    r: await client.canI(a, opts.signal),
  }));
  const denied = answers.filter((x) => !x.r.allowed);
  if (denied.length > 0) {
    const byNs = denied
      .map(
        ({ a }) =>
          `${a.verb} ${a.group === '' ? '' : `${a.group}/`}${a.resource}${a.subresource === undefined ? '' : `/${a.subresource}`}${a.namespace === undefined ? '' : ` in ${a.namespace}`}`,
      )
      .join(', ');
    blockers.push({
      kind: 'forbidden',
      message: `Context "${client.context}" may not: ${byNs}. Ask a cluster admin for these permissions, or deploy with a context that has them.`,
    });
  }

  // Live state, and the server's verdict on each object (dry-run apply).
  const namespacesCreated = new Set(
    desired.filter((d) => d.object.kind === 'Namespace').map((d) => d.object.metadata.name),
  );
  const existingNamespaces = new Set<string>();
  if (blockers.every((b) => b.kind !== 'forbidden')) {
    for (const ns of namespacesCreated) {
      if ((await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }, opts.signal)) !== undefined) {
        existingNamespaces.add(ns);
      }
    }
    await mapLimit(desired, 6, async (d) => {
      const o = d.object;
      const s = served.get(`${o.apiVersion ?? ''}/${o.kind ?? ''}`);
      if (s === undefined) return;
      const id = objectId(o);
      let before: KubeObject | undefined;
      try {
        before = await client.get(
          {
            apiVersion: o.apiVersion ?? '',
            kind: o.kind ?? '',
            namespace: o.metadata.namespace,
            name: o.metadata.name,
          },
          opts.signal,
        );
      } catch (e) {
        blockers.push({ kind: 'forbidden', message: `${where(d)}: ${message(e)}` });
        return;
      }
      live.set(id, before);
      const ns = o.metadata.namespace;
      if (s.namespaced && ns !== undefined && namespacesCreated.has(ns) && !existingNamespaces.has(ns)) {
        warnings.push(
          `${describe(o)} goes into namespace ${ns}, which this deploy creates; the server checks it when applied.`,
        );
        diffs.push({
          kind: o.kind ?? '',
          namespace: ns,
          name: o.metadata.name,
          action: 'create',
          live: '',
          desired: reviewYaml(o),
        });
        return;
      }
      try {
        const after = await client.apply(o, { dryRun: true, force: true, signal: opts.signal });
        const unchanged = sameForReview(before, after, Object.values(ANNOTATIONS));
        const diff: ObjectDiff = {
          kind: o.kind ?? '',
          name: o.metadata.name,
          action: before === undefined ? 'create' : unchanged ? 'unchanged' : 'update',
          live: reviewYaml(before),
          desired: reviewYaml(after),
        };
        if (ns !== undefined && s.namespaced) diff.namespace = ns;
        diffs.push(diff);
      } catch (e) {
        const schema = schemaError(e);
        const code = e instanceof AgentFailure ? e.error.code : 'INTERNAL';
        blockers.push({
          kind:
            schema !== undefined || code === 'INVALID'
              ? 'invalid'
              : code === 'FORBIDDEN'
                ? 'forbidden'
                : 'reference',
          message: `${where(d)}: ${schema ?? (code === 'INVALID' ? serverSaid(e) : message(e))}`,
        });
      }
    });
  }

  // References the pods need at start-up.
  const inPlan = (kind: string, ns: string | undefined, name: string): boolean =>
    desired.some(
      (d) => d.object.kind === kind && d.object.metadata.namespace === ns && d.object.metadata.name === name,
    );
  for (const d of desired) {
    const refs = requiredReferences(d.object);
    const ns = d.object.metadata.namespace;
    for (const [kind, names] of [
      ['ConfigMap', refs.configMaps],
      ['Secret', refs.secrets],
    ] as const) {
      for (const name of names) {
        if (inPlan(kind, ns, name)) continue;
        try {
          const found = await client.get({ apiVersion: 'v1', kind, namespace: ns, name }, opts.signal);
          if (found === undefined) {
            blockers.push({
              kind: 'reference',
              message: `${where(d)} needs ${kind} ${name}, which does not exist in namespace ${ns ?? 'default'}. Create it first (or add it to the manifests).`,
            });
          }
        } catch (e) {
          warnings.push(`Could not check that ${kind} ${name} exists: ${message(e)}`);
        }
      }
    }
    if (opts.protectedTarget) {
      for (const image of floatingImages(d.object)) {
        blockers.push({
          kind: 'policy',
          message: `${where(d)} uses image "${image}" without a fixed tag; protected environments need a pinned tag or digest (not latest).`,
        });
      }
    }
  }
  diffs.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
  return { blockers, warnings, live, diffs };
}
