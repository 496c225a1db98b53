import { stringify } from 'yaml';
import type { KubeObject } from '../kube/objects';

const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
] as const;

const MASK = '********';

function without<T extends object>(o: T, keys: readonly string[]): T {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k))) as T;
}

/**
 * An object as a person reviews it: no status, no server-managed metadata, and every Secret value masked
 * (a diff may be shown on screen or kept in an editor's history).
 */
export function forReview(obj: KubeObject | undefined): Record<string, unknown> | undefined {
  if (obj === undefined) return undefined;
  const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown> & KubeObject;
  delete copy['status'];
  copy.metadata = without(copy.metadata, SERVER_METADATA);
  const ann = without(copy.metadata.annotations ?? {}, [
    'kubectl.kubernetes.io/last-applied-configuration',
    'deployment.kubernetes.io/revision',
  ]);
  if (Object.keys(ann).length === 0) delete copy.metadata.annotations;
  else copy.metadata.annotations = ann;
  if (copy.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const values = copy[field];
      if (typeof values === 'object' && values !== null) {
        for (const k of Object.keys(values)) (values as Record<string, string>)[k] = MASK;
      }
    }
  }
  return copy;
}

export function reviewYaml(obj: KubeObject | undefined): string {
  const r = forReview(obj);
  return r === undefined ? '' : stringify(r);
}

/**
 * Whether applying changed nothing that matters: the dry-run result equals the live object apart from
 * Slipway's own deploy annotations, which change on every deploy.
 */
export function sameForReview(
  live: KubeObject | undefined,
  desired: KubeObject,
  ignoreAnnotations: string[],
): boolean {
  if (live === undefined) return false;
  const strip = (o: KubeObject): string => {
    const r = forReview(o) as Record<string, unknown> & KubeObject;
    const ann = without(r.metadata.annotations ?? {}, ignoreAnnotations);
    if (Object.keys(ann).length === 0) delete r.metadata.annotations;
    else r.metadata.annotations = ann;
    return JSON.stringify(sortKeys(r));
  };
  return strip(live) === strip(desired);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
