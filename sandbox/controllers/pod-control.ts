import type { ResourceType } from '../registry';
import { type JsonObject, type KObject, type OwnerReference, clone } from '../types';
import { type ControllerContext, emit } from './controller';
import { nameOf, namespaceOf, rec, strMap, strings } from './objects';
import { deleteQuietly, isNamespaceGone } from './writes';

/** Longest generateName prefix the API accepts before the five random characters are appended. */
const MAX_GENERATE_NAME = 58;

/** controller.GetPodFromTemplate: a pod carrying the template's labels, annotations, finalizers and spec. */
export function podFromTemplate(
  template: JsonObject,
  ownerRef: OwnerReference | undefined,
  generateName: string,
): KObject {
  const meta = rec(template['metadata']);
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: generateName.slice(0, MAX_GENERATE_NAME) },
    spec: clone(rec(template['spec'])),
  };
  const labels = strMap(meta['labels']);
  const annotations = strMap(meta['annotations']);
  const finalizers = strings(meta['finalizers']);
  if (Object.keys(labels).length > 0) pod.metadata.labels = labels;
  if (Object.keys(annotations).length > 0) pod.metadata.annotations = annotations;
  if (finalizers.length > 0) pod.metadata.finalizers = finalizers;
  if (ownerRef !== undefined) pod.metadata.ownerReferences = [ownerRef];
  return pod;
}

/**
 * PodControl.CreatePods: creates the pod in the owner's namespace and reports SuccessfulCreate or
 * FailedCreate on the owner. A namespace being deleted refuses pods; that is expected, so it gets no event.
 */
export function createPod(
  ctx: ControllerContext,
  component: string,
  owner: KObject,
  pod: KObject,
  t: ResourceType = ctx.res.pods,
): KObject {
  pod.metadata.namespace = namespaceOf(owner);
  try {
    const created = ctx.store.create(t, pod);
    emit(ctx, component, owner, 'Normal', 'SuccessfulCreate', `Created pod: ${nameOf(created)}`);
    return created;
  } catch (e) {
    if (!isNamespaceGone(e))
      emit(
        ctx,
        component,
        owner,
        'Warning',
        'FailedCreate',
        `Error creating: ${e instanceof Error ? e.message : String(e)}`,
      );
    throw e;
  }
}

/** PodControl.DeletePod: deletes and reports SuccessfulDelete or FailedDelete on the owner. */
export function deletePod(ctx: ControllerContext, component: string, owner: KObject, pod: KObject): void {
  try {
    if (
      deleteQuietly(ctx.store, ctx.res.pods, namespaceOf(pod), nameOf(pod), {
        preconditions: { uid: pod.metadata.uid ?? '' },
      })
    ) {
      emit(ctx, component, owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${nameOf(pod)}`);
    }
  } catch (e) {
    emit(
      ctx,
      component,
      owner,
      'Warning',
      'FailedDelete',
      `Error deleting: ${e instanceof Error ? e.message : String(e)}`,
    );
    throw e;
  }
}
