import { type Health, type PodInfo, type ServicePort, assertNever } from '../../protocol';
import type { NodeIcon } from './tree-model';

/** Joins the parts of a description that apply, e.g. "Running · 2 restarts · node-a · 5m". */
export function joinParts(parts: readonly (string | undefined | false | null)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' · ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Age in the largest whole unit, as `kubectl get` prints it at a glance: 45s, 3m, 5h, 12d. One unit
 * keeps rows from being redrawn every second once they are a minute old.
 */
export function formatAge(createdAt: string, now: number): string {
  const t = Date.parse(createdAt);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function formatReplicas(ready: number, desired: number): string {
  return `${ready}/${desired}`;
}

/** "80→8080/TCP" when the target differs, "443/TCP" when not, with the node port for NodePort services. */
export function formatPort(p: ServicePort): string {
  const target = p.targetPort !== '' && p.targetPort !== String(p.port) ? `→${p.targetPort}` : '';
  const node = p.nodePort === undefined ? '' : ` (node ${p.nodePort})`;
  return `${p.port}${target}/${p.protocol}${node}`;
}

export function formatPorts(ports: readonly ServicePort[]): string {
  return ports.map(formatPort).join(', ');
}

/** The image without its registry and path: "ghcr.io/acme/core:1.4.2" → "core:1.4.2"; digests shortened. */
export function shortImage(image: string): string {
  const at = image.indexOf('@');
  const [name, digest] = at < 0 ? [image, undefined] : [image.slice(0, at), image.slice(at + 1)];
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (digest === undefined) return base;
  const hex = digest.slice(digest.indexOf(':') + 1);
  return `${base}@${hex.slice(0, 12)}`;
}

export const COLOR_OK = 'testing.iconPassed';
export const COLOR_WARN = 'charts.yellow';
export const COLOR_FAIL = 'testing.iconFailed';

export function healthIcon(health: Health): NodeIcon {
  switch (health) {
    case 'healthy':
      return { id: 'pass-filled', color: COLOR_OK };
    case 'progressing':
      return { id: 'sync', color: COLOR_WARN };
    case 'degraded':
      return { id: 'warning', color: COLOR_WARN };
    case 'failed':
      return { id: 'error', color: COLOR_FAIL };
    case 'idle':
      return { id: 'circle-large-outline' };
    case 'unknown':
      return { id: 'question' };
    default:
      return assertNever(health, 'health');
  }
}

/** A pod's STATUS as a dot: green running and ready, yellow on its way, red failing, grey done or going. */
export function podIcon(pod: PodInfo): NodeIcon {
  if (pod.status === 'Terminating') return { id: 'circle-slash' };
  if (pod.status === 'Completed' || pod.phase === 'Succeeded') return { id: 'pass' };
  if (pod.status === 'Running') {
    const ready = pod.readyContainers >= pod.totalContainers;
    return { id: 'circle-filled', color: ready ? COLOR_OK : COLOR_WARN };
  }
  if (pod.phase === 'Pending' && !FAILING_WAIT_REASONS.has(pod.status)) {
    return { id: 'circle-outline', color: COLOR_WARN };
  }
  if (pod.phase === 'Unknown') return { id: 'question' };
  return { id: 'error', color: COLOR_FAIL };
}

/** Waiting reasons of a pending pod that will not resolve by themselves. */
const FAILING_WAIT_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
  'Error',
]);
