import { type Check, object, str } from './check';
import type { ClusterStatus, KubeconfigState } from './models';

export interface AgentInfo {
  version: string;
  protocol: number;
  pid: number;
  startedAt: string;
  rssBytes: number;
  clients: number;
}

/** Every request the agent answers, with its parameters and result. */
export interface Methods {
  'agent.info': { params: Record<string, never>; result: AgentInfo };
  'agent.shutdown': { params: Record<string, never>; result: Record<string, never> };
  'kubeconfig.read': { params: Record<string, never>; result: KubeconfigState };
  'cluster.status': { params: { context: string }; result: ClusterStatus };
}

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M]['params'];
export type Result<M extends MethodName> = Methods[M]['result'];

const none = object<Record<string, never>>({});

export const METHOD_PARAMS: { [M in MethodName]: Check<Params<M>> } = {
  'agent.info': none,
  'agent.shutdown': none,
  'kubeconfig.read': none,
  'cluster.status': object({ context: str }),
};

export function isMethodName(v: unknown): v is MethodName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(METHOD_PARAMS, v);
}
