import type { Condition, ContainerState, ContainerStatus, Pod } from './objects';

/** What `kubectl get pods` prints for a pod: READY as ready/total, STATUS, RESTARTS. */
export interface PodSummary {
  status: string;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
}

function conditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/** A terminated state's reason, or its signal or exit code when the runtime gave none. */
function terminatedReason(t: NonNullable<ContainerState['terminated']>): string {
  if (t.reason !== undefined && t.reason !== '') return t.reason;
  if (t.signal !== undefined && t.signal !== 0) return `Signal:${t.signal}`;
  return `ExitCode:${t.exitCode ?? 0}`;
}

/**
 * kubectl's pod printer (printPod in kubernetes/pkg/printers/internalversion): init containers are walked
 * in order until one blocks start-up ("Init:1/2", "Init:CrashLoopBackOff"); app containers are walked
 * from last to first so the first container's waiting or terminated reason wins; sidecars (init
 * containers with restartPolicy Always) count towards READY; deletion turns it into Terminating.
 */
export function podSummary(pod: Pod): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs = spec.initContainers ?? [];
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const totalContainers = (spec.containers ?? []).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;

  let reason =
    status.reason !== undefined && status.reason !== '' ? status.reason : (status.phase ?? 'Pending');
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  let initializing = false;
  const initStatuses: readonly ContainerStatus[] = status.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount ?? 0;
    const sidecar = sidecars.has(c.name);
    if (sidecar) sidecarRestarts += c.restartCount ?? 0;
    const terminated = c.state?.terminated;
    if (terminated !== undefined && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    const waiting = c.state?.waiting?.reason;
    if (terminated !== undefined) reason = `Init:${terminatedReason(terminated)}`;
    else if (waiting !== undefined && waiting !== '' && waiting !== 'PodInitializing')
      reason = `Init:${waiting}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses: readonly ContainerStatus[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      const waiting = c.state?.waiting?.reason;
      const terminated = c.state?.terminated;
      if (waiting !== undefined && waiting !== '') reason = waiting;
      else if (terminated !== undefined) reason = terminatedReason(terminated);
      else if (c.ready === true && c.state?.running !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    // A container that completed while another still runs does not make the whole pod "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp !== undefined) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  }
  return { status: reason, readyContainers: ready, totalContainers, restarts };
}

/** Waiting reasons that mean a container cannot start until someone changes something. */
const FAILING_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

/**
 * Why a pod is broken, for its workload's health, or undefined when nothing is wrong beyond not being
 * ready yet. kubectl's STATUS flips between CrashLoopBackOff, Running and Error as a crashing container
 * restarts; a container that is not ready and last exited with an error is reported as crash-looping
 * throughout, so the tree does not flicker.
 */
export function podProblem(pod: Pod): string | undefined {
  const phase = pod.status?.phase;
  if (pod.metadata.deletionTimestamp !== undefined || phase === 'Succeeded' || phase === 'Failed')
    return undefined;
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of all) {
    const waiting = c.state?.waiting?.reason;
    if (waiting !== undefined && FAILING_WAITING.has(waiting)) return waiting;
  }
  for (const c of all) {
    const last = c.lastState?.terminated ?? c.state?.terminated;
    const crashed = last !== undefined && ((last.exitCode ?? 0) !== 0 || last.reason === 'OOMKilled');
    if (crashed && c.ready !== true && (c.restartCount ?? 0) > 0) {
      return last.reason === 'OOMKilled' ? 'OOMKilled' : 'CrashLoopBackOff';
    }
  }
  return undefined;
}

/** Pods on their way up: not broken, just not there yet. */
export function podStarting(summary: PodSummary): boolean {
  const s = summary.status;
  return s === 'Pending' || s === 'ContainerCreating' || s === 'PodInitializing' || /^Init:\d+\/\d+$/.test(s);
}
