import type { Pod } from '../kube/objects';

/** Waiting reasons that mean the container will not start without a change. */
const FATAL_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export interface PodFinding {
  container?: string;
  reason: string;
  message: string;
  restarts: number;
  /** The rollout cannot succeed with this pod as it is. */
  fatal: boolean;
  /** The container has restarted: its previous instance's log says why. */
  restarted: boolean;
}

/**
 * Why a pod of a new revision is not coming up, if it is not: a container stuck waiting for a fatal
 * reason, restarting repeatedly, terminated with an error, or running but failing its readiness probe.
 */
export function podFinding(pod: Pod, maxRestarts: number): PodFinding | undefined {
  if (pod.metadata.deletionTimestamp !== undefined) return undefined;
  const status = pod.status ?? {};
  if (status.phase === 'Failed') {
    return {
      reason: status.reason ?? 'Failed',
      message: 'The pod failed.',
      restarts: 0,
      fatal: true,
      restarted: false,
    };
  }
  const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  let notReady: PodFinding | undefined;
  for (const c of statuses) {
    const restarts = c.restartCount ?? 0;
    const waiting = c.state?.waiting;
    const reason = waiting?.reason ?? '';
    if (FATAL_WAITING.has(reason)) {
      return {
        container: c.name,
        reason,
        message: waiting?.message ?? reason,
        restarts,
        fatal: true,
        restarted: restarts > 0,
      };
    }
    if (restarts >= maxRestarts) {
      const last = c.lastState?.terminated;
      return {
        container: c.name,
        reason: last?.reason ?? 'Restarting',
        message: `Container ${c.name} restarted ${restarts} times${last?.exitCode === undefined ? '' : ` (last exit code ${last.exitCode})`}.`,
        restarts,
        fatal: true,
        restarted: true,
      };
    }
    if (c.state?.running !== undefined && c.ready === false && notReady === undefined) {
      notReady = {
        container: c.name,
        reason: 'NotReady',
        message: `Container ${c.name} is running but not ready.`,
        restarts,
        fatal: false,
        restarted: restarts > 0,
      };
    }
  }
  return notReady;
}
