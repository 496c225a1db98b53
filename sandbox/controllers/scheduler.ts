import { rfc3339 } from '../store';
import type { KObject } from '../types';
import { type Controller, type ControllerContext, startLoop } from './controller';
import { unfitReason } from './node-fit';
import {
  type Condition,
  conditionsJson,
  isDeleting,
  isPodTerminal,
  keyOf,
  nameOf,
  namespaceOf,
  nodeNameOf,
  podConditions,
  specOf,
  splitKey,
  statusOf,
  str,
} from './objects';
import { mutateObject } from './writes';

export const SCHEDULER_NAME = 'default-scheduler';
/** How long an unschedulable pod waits before it is tried again without a node change. */
const UNSCHEDULABLE_RETRY_MS = 5 * 60_000;

function needsScheduling(pod: KObject): boolean {
  const scheduler = str(specOf(pod)['schedulerName']) ?? SCHEDULER_NAME;
  return nodeNameOf(pod) === '' && scheduler === SCHEDULER_NAME && !isDeleting(pod) && !isPodTerminal(pod);
}

/**
 * The scheduler: binds each pending pod to a node that fits it (node selector, required node affinity,
 * taints, readiness), taking fitting nodes in turn. Like the real scheduler it reports through the
 * events.k8s.io API (Scheduled, FailedScheduling) and sets the PodScheduled condition. Unschedulable pods
 * are tried again whenever a node changes.
 */
export function startScheduler(ctx: ControllerContext): Controller {
  let cursor = 0;
  const pending = (): string[] => ctx.cache.list(ctx.res.pods).filter(needsScheduling).map(keyOf);
  const loop = startLoop(ctx, {
    name: SCHEDULER_NAME,
    initialKeys: pending,
    route: (ev, queue) => {
      if (ev.key === 'core/pods' && ev.type !== 'DELETED' && needsScheduling(ev.object))
        queue.add(keyOf(ev.object));
      else if (ev.key === 'core/nodes' && ev.type !== 'DELETED') for (const key of pending()) queue.add(key);
    },
    sync: (key) => {
      const { namespace, name } = splitKey(key);
      const pod = ctx.store.get(ctx.res.pods, namespace, name);
      if (pod === undefined || !needsScheduling(pod)) return;
      const nodes = ctx.cache.list(ctx.res.nodes).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
      const reasons = new Map<string, number>();
      const fitting = nodes.filter((n) => {
        const why = unfitReason(pod, n);
        if (why !== undefined) reasons.set(why, (reasons.get(why) ?? 0) + 1);
        return why === undefined;
      });
      if (fitting.length === 0) {
        unschedulable(ctx, pod, failureMessage(nodes.length, reasons));
        loop.queue.addAfter(key, UNSCHEDULABLE_RETRY_MS);
        return;
      }
      const node = fitting[cursor++ % fitting.length]!;
      bind(ctx, pod, nameOf(node));
    },
  });
  return { stop: () => loop.stop() };
}

function failureMessage(total: number, reasons: Map<string, number>): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const parts = [...reasons.entries()].map(([why, n]) => `${n} ${why}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

function setScheduled(ctx: ControllerContext, pod: KObject, cond: Condition): void {
  mutateObject(
    ctx.store,
    ctx.res.pods,
    namespaceOf(pod),
    nameOf(pod),
    (next) => {
      if (next.metadata.uid !== pod.metadata.uid) return false;
      const conds = podConditions(next);
      const current = conds.find((c) => c.type === 'PodScheduled');
      if (
        current !== undefined &&
        current.status === cond.status &&
        current.reason === cond.reason &&
        current.message === cond.message
      )
        return false;
      const merged: Condition = { ...cond };
      if (current !== undefined && current.status === cond.status && current.lastTransitionTime !== undefined)
        merged.lastTransitionTime = current.lastTransitionTime;
      const others = conds.filter((c) => c.type !== 'PodScheduled');
      next['status'] = { ...statusOf(next), conditions: conditionsJson([...others, merged]) };
      return true;
    },
    { subresource: 'status' },
  );
}

function unschedulable(ctx: ControllerContext, pod: KObject, message: string): void {
  const now = rfc3339(ctx.clock.now());
  setScheduled(ctx, pod, {
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: now,
    reason: 'Unschedulable',
    message,
  });
  ctx.recorder.recordAction(pod, 'Warning', 'FailedScheduling', message, {
    reportingController: SCHEDULER_NAME,
    reportingInstance: `${SCHEDULER_NAME}-sandbox`,
    action: 'Scheduling',
  });
}

/** The binding subresource's effect: PodScheduled true and spec.nodeName set. */
function bind(ctx: ControllerContext, pod: KObject, node: string): void {
  const now = rfc3339(ctx.clock.now());
  setScheduled(ctx, pod, {
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: now,
  });
  const bound = mutateObject(ctx.store, ctx.res.pods, namespaceOf(pod), nameOf(pod), (next) => {
    if (next.metadata.uid !== pod.metadata.uid || nodeNameOf(next) !== '') return false;
    next['spec'] = { ...specOf(next), nodeName: node };
    return true;
  });
  if (bound === undefined || nodeNameOf(bound) !== node) return;
  ctx.recorder.recordAction(
    bound,
    'Normal',
    'Scheduled',
    `Successfully assigned ${namespaceOf(pod)}/${nameOf(pod)} to ${node}`,
    {
      reportingController: SCHEDULER_NAME,
      reportingInstance: `${SCHEDULER_NAME}-sandbox`,
      action: 'Binding',
    },
  );
}
