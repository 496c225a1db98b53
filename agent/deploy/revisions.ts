import { stringify } from 'yaml';
import {
  AgentFailure,
  agentError,
  type RevisionInfo,
  type RolloutRevision,
  type RollbackPreview,
  type WorkloadRef,
} from '../../protocol';
import type { KubeClient } from '../kube/client';
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  KubeObject,
  PodTemplate,
  ReplicaSet,
  StatefulSet,
} from '../kube/objects';
import { revisionFromControllerRevision, revisionFromReplicaSet } from '../kube/projections';
import { labelSelectorString } from '../kube/selectors';
import { ANNOTATIONS } from './provenance';

type Workload = Deployment | StatefulSet | DaemonSet;

/** One revision with the pod template it ran, from a ReplicaSet or a ControllerRevision. */
export interface Revision {
  info: RevisionInfo;
  template: PodTemplate;
  /** The ControllerRevision's patch (StatefulSet, DaemonSet) that restores this revision. */
  patch?: unknown;
}

const POD_TEMPLATE_HASH = 'pod-template-hash';

export async function getWorkload(
  client: KubeClient,
  namespace: string,
  ref: WorkloadRef,
  signal?: AbortSignal,
): Promise<Workload> {
  const obj = await client.get<Workload>(
    { apiVersion: 'apps/v1', kind: ref.kind, namespace, name: ref.name },
    signal,
  );
  if (obj === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        `${ref.kind} ${ref.name} does not exist in namespace ${namespace} of context "${client.context}". Refresh the Services view; it may have been deleted.`,
      ),
    );
  }
  return obj;
}

function owned(o: KubeObject, w: Workload): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === w.metadata.uid);
}

function toInfo(r: RolloutRevision, meta: KubeObject['metadata']): RevisionInfo {
  const info: RevisionInfo = {
    revision: r.revision,
    images: r.images,
    createdAt: r.createdAt,
    current: r.current,
  };
  if (r.changeCause !== undefined) info.changeCause = r.changeCause;
  const by = meta.annotations?.[ANNOTATIONS.deployedBy];
  if (by !== undefined) info.deployedBy = by;
  const sha = meta.annotations?.[ANNOTATIONS.gitSha];
  if (sha !== undefined) info.gitSha = sha;
  return info;
}

function withoutHash(t: PodTemplate | undefined): PodTemplate {
  const copy = JSON.parse(JSON.stringify(t ?? {})) as PodTemplate;
  if (copy.metadata?.labels !== undefined) {
    copy.metadata.labels = Object.fromEntries(
      Object.entries(copy.metadata.labels).filter(([k]) => k !== POD_TEMPLATE_HASH),
    );
  }
  return copy;
}

function templateOfPatch(data: unknown): PodTemplate {
  const spec = (data as { spec?: { template?: PodTemplate } } | null)?.spec;
  const t = JSON.parse(JSON.stringify(spec?.template ?? {})) as PodTemplate & { $patch?: string };
  delete t.$patch;
  return t;
}

/** Every revision of a workload, oldest first, like `kubectl rollout history`. */
export async function listRevisions(
  client: KubeClient,
  namespace: string,
  ref: WorkloadRef,
  signal?: AbortSignal,
): Promise<{ workload: Workload; revisions: Revision[] }> {
  const workload = await getWorkload(client, namespace, ref, signal);
  const labelSelector = labelSelectorString(workload.spec?.selector);
  const revisions: Revision[] = [];
  if (ref.kind === 'Deployment') {
    const sets = await client.list<ReplicaSet>('apps/v1', 'ReplicaSet', namespace, {
      labelSelector,
      ...(signal ? { signal } : {}),
    });
    for (const rs of sets.filter((s) => owned(s, workload))) {
      const r = revisionFromReplicaSet(rs, workload as Deployment);
      if (r !== undefined)
        revisions.push({ info: toInfo(r, rs.metadata), template: withoutHash(rs.spec?.template) });
    }
  } else {
    const crs = (
      await client.list<ControllerRevision>('apps/v1', 'ControllerRevision', namespace, {
        labelSelector,
        ...(signal ? { signal } : {}),
      })
    ).filter((c) => owned(c, workload));
    for (const cr of crs) {
      const r = revisionFromControllerRevision(cr, workload as StatefulSet | DaemonSet, crs);
      if (r !== undefined) {
        revisions.push({ info: toInfo(r, cr.metadata), template: templateOfPatch(cr.data), patch: cr.data });
      }
    }
  }
  revisions.sort((a, b) => a.info.revision - b.info.revision);
  return { workload, revisions };
}

/** The revision a rollback goes to: the one asked for, else the newest one before the current. */
export function pickTarget(
  revisions: Revision[],
  ref: WorkloadRef,
  toRevision?: number,
): { current: Revision; target: Revision } {
  const current = revisions.find((r) => r.info.current) ?? revisions[revisions.length - 1];
  const numbers = revisions.map((r) => r.info.revision).join(', ');
  if (current === undefined) {
    throw new AgentFailure(
      agentError('NOT_FOUND', `${ref.kind} ${ref.name} has no recorded revisions to roll back to.`),
    );
  }
  if (toRevision !== undefined && toRevision !== 0) {
    const target = revisions.find((r) => r.info.revision === toRevision);
    if (target === undefined) {
      throw new AgentFailure(
        agentError(
          'NOT_FOUND',
          `${ref.kind} ${ref.name} has no revision ${toRevision}; its revisions are ${numbers}.`,
        ),
      );
    }
    return { current, target };
  }
  const older = revisions.filter((r) => r.info.revision < current.info.revision);
  const target = older[older.length - 1];
  if (target === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        `${ref.kind} ${ref.name} has no revision before ${current.info.revision} to roll back to.`,
      ),
    );
  }
  return { current, target };
}

export function templateYaml(t: PodTemplate): string {
  return stringify(t, { sortMapEntries: false });
}

export async function rollbackPreview(
  client: KubeClient,
  namespace: string,
  ref: WorkloadRef,
  toRevision?: number,
  signal?: AbortSignal,
): Promise<RollbackPreview> {
  const { workload, revisions } = await listRevisions(client, namespace, ref, signal);
  const { current, target } = pickTarget(revisions, ref, toRevision);
  return {
    workload: ref,
    fromRevision: current.info.revision,
    toRevision: target.info.revision,
    current: templateYaml(withoutHash(workload.spec?.template)),
    target: templateYaml(target.template),
  };
}

/**
 * Puts a workload back on a revision's pod template, as `kubectl rollout undo --to-revision` does: a
 * Deployment gets the ReplicaSet's template (without its pod-template-hash label), a StatefulSet or
 * DaemonSet the ControllerRevision's own patch. The controller then records it as a new revision.
 */
export async function applyRevision(
  client: KubeClient,
  namespace: string,
  ref: WorkloadRef,
  workload: Workload,
  target: Revision,
  annotations: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const path = { apiVersion: 'apps/v1', kind: ref.kind, namespace, name: ref.name };
  if (ref.kind === 'Deployment') {
    const ops: unknown[] = [];
    if (workload.metadata.annotations === undefined)
      ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
    for (const [k, v] of Object.entries(annotations)) {
      ops.push({
        op: 'add',
        path: `/metadata/annotations/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        value: v,
      });
    }
    ops.push({ op: 'replace', path: '/spec/template', value: target.template });
    await client.patch(path, ops, 'json', signal ? { signal } : {});
    return;
  }
  // Annotations first: the controller copies them onto the ControllerRevision it records for the template.
  await client.patch(path, { metadata: { annotations } }, 'merge', signal ? { signal } : {});
  await client.patch(path, target.patch, 'strategic', signal ? { signal } : {});
}
