import { existsSync, statSync } from 'node:fs';
import { AgentFailure, agentError, type WorkloadRef } from '../../protocol';
import type { KubeClient } from '../kube/client';
import type { KubeObject } from '../kube/objects';
import { manifestsFor } from '../project/config';
import { readManifestPath } from '../project/manifests';
import type { ServiceConfig } from '../project/types';
import type { DesiredObject } from './desired';
import { isKustomizeDir, renderKustomization } from './kustomize';
import { getWorkload } from './revisions';

/** Reads one manifest path: a kustomize directory is rendered, anything else read as YAML documents. */
export function readPath(path: string): DesiredObject[] {
  if (!existsSync(path)) {
    throw new AgentFailure(
      agentError('NOT_FOUND', `${path} does not exist. Check the path and deploy again.`),
    );
  }
  if (statSync(path).isDirectory() && isKustomizeDir(path)) {
    return renderKustomization(path).map((r) => ({
      object: r.object as DesiredObject['object'],
      file: r.file,
    }));
  }
  return readManifestPath(path).map((d) => ({
    object: d.object as DesiredObject['object'],
    file: d.file,
    line: d.line,
  }));
}

/** Fills in the target namespace for namespaced objects that name none, as `kubectl apply -n` does. */
export async function defaultNamespaces(
  client: KubeClient,
  objects: DesiredObject[],
  namespace: string,
): Promise<void> {
  for (const d of objects) {
    const o = d.object;
    if (o.metadata.namespace !== undefined) continue;
    let namespaced = true;
    try {
      namespaced = await client.namespaced(o.apiVersion ?? '', o.kind ?? '');
    } catch {
      // An unknown kind is reported by preflight with its file and line; assume namespaced until then.
    }
    if (namespaced) o.metadata.namespace = namespace;
  }
}

function imageRepository(image: string): string {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  return colon > slash ? base.slice(0, colon) : base;
}

/** `--image` may be a tag (completed with the service's repository) or a whole image reference. */
export function resolveImage(service: ServiceConfig, image: string): string {
  if (image.includes('/') || image.includes('@') || (image.includes(':') && service.image === undefined))
    return image;
  if (service.image === undefined) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `Service ${service.name} has no image repository in slipway.yaml, so "${image}" is not a complete image. Pass a full image (repository:tag) or set services.${service.name}.image.`,
      ),
    );
  }
  return `${service.image}:${image.replace(/^:/, '')}`;
}

interface ContainerLike {
  name: string;
  image?: string;
}

function containersOf(o: KubeObject): ContainerLike[] {
  return (
    (o as { spec?: { template?: { spec?: { containers?: ContainerLike[] } } } }).spec?.template?.spec
      ?.containers ?? []
  );
}

/** The container a service's deploy changes: the configured one, else the one running its repository, else the first. */
export function serviceContainer(service: ServiceConfig, o: KubeObject): ContainerLike {
  const containers = containersOf(o);
  const named =
    service.container === undefined ? undefined : containers.find((c) => c.name === service.container);
  if (service.container !== undefined && named === undefined) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `${o.kind ?? 'Workload'} ${o.metadata.name} has no container "${service.container}" (it has ${containers.map((c) => c.name).join(', ')}). Fix services.${service.name}.container in slipway.yaml.`,
      ),
    );
  }
  const byRepo =
    service.image === undefined
      ? undefined
      : containers.find((c) => imageRepository(c.image ?? '') === service.image);
  const chosen = named ?? byRepo ?? containers[0];
  if (chosen === undefined) {
    throw new AgentFailure(
      agentError('INVALID', `${o.kind ?? 'Workload'} ${o.metadata.name} has no containers.`),
    );
  }
  return chosen;
}

/**
 * The object a set-image applies: only the workload's identity and the containers' new images, so
 * server-side apply changes those fields and nothing else.
 */
export async function imageChange(
  client: KubeClient,
  namespace: string,
  workload: WorkloadRef,
  images: Record<string, string>,
  signal?: AbortSignal,
): Promise<DesiredObject> {
  const live = await getWorkload(client, namespace, workload, signal);
  const names = containersOf(live).map((c) => c.name);
  for (const c of Object.keys(images)) {
    if (!names.includes(c)) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `${workload.kind} ${workload.name} has no container "${c}"; its containers are ${names.join(', ')}.`,
        ),
      );
    }
  }
  if (Object.keys(images).length === 0) {
    throw new AgentFailure(
      agentError('INVALID', 'No image given: name a container and its new image (CONTAINER=IMAGE).'),
    );
  }
  return {
    object: {
      apiVersion: 'apps/v1',
      kind: workload.kind,
      metadata: { name: workload.name, namespace },
      spec: {
        template: {
          spec: { containers: Object.entries(images).map(([name, image]) => ({ name, image })) },
        },
      },
    },
  };
}

/** Sets the service's container image in its rendered workload. */
export function setServiceImage(objects: DesiredObject[], service: ServiceConfig, image: string): boolean {
  const w = objects.find(
    (d) => d.object.kind === service.workload.kind && d.object.metadata.name === service.workload.name,
  );
  if (w === undefined) return false;
  serviceContainer(service, w.object).image = image;
  return true;
}

/** The manifests a project service deploys to an environment, rendered. */
export function renderService(service: ServiceConfig, env: string): DesiredObject[] {
  return manifestsFor(service, env).flatMap((p) => readPath(p));
}
