import type { MethodHandlers } from '../server/session';
import type { KubeClient } from '../kube/client';
import { describeObject, listEvents } from './describe';
import type { ForwardManager } from './forwards';
import { LogFollower } from './log-follower';
import { type MetricsHub, podUsage } from './metrics-collector';

type ObserveMethods = Pick<
  Required<MethodHandlers>,
  | 'logs.follow'
  | 'metrics.watch'
  | 'top.pods'
  | 'forward.start'
  | 'forward.stop'
  | 'forward.list'
  | 'object.describe'
  | 'events.list'
>;

export interface ObserveEnv {
  clientFor(context: string): KubeClient;
  forwards: ForwardManager;
  metrics: MetricsHub;
}

/** The incident toolkit's methods: log streams, metric streams, port-forwards, describe and events. */
export function observeMethods(env: ObserveEnv): ObserveMethods {
  return {
    'logs.follow': async (params, ctx) => {
      const follower = new LogFollower(env.clientFor(params.context), params, {
        chunk: (c) => ctx.chunk(c),
        pressure: () => ctx.pressure(),
      });
      return { lines: await follower.run(ctx.signal) };
    },
    'metrics.watch': (params, ctx) =>
      new Promise((resolve) => {
        const stop = env.metrics.watch(env.clientFor(params.context), params, (samples) =>
          ctx.chunk({ kind: 'metrics', samples }),
        );
        const end = (): void => {
          stop();
          resolve({});
        };
        if (ctx.signal.aborted) end();
        else ctx.signal.addEventListener('abort', end, { once: true });
      }),
    'top.pods': async ({ context, namespace }, ctx) => ({
      rows: await podUsage(env.clientFor(context), namespace, undefined, ctx.signal),
    }),
    'forward.start': (spec, ctx) => env.forwards.start(spec, ctx.signal),
    'forward.stop': async ({ id }) => ({ stopped: await env.forwards.stop(id) }),
    'forward.list': () => Promise.resolve({ forwards: env.forwards.list() }),
    'object.describe': (p, ctx) => describeObject(env.clientFor(p.context), p, ctx.signal),
    'events.list': async ({ context, namespace, objects }, ctx) => ({
      events: await listEvents(env.clientFor(context), namespace, objects, ctx.signal),
    }),
  };
}
