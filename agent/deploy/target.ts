import { AgentFailure, agentError, type GuardInfo } from '../../protocol';
import { KubeClient } from '../kube/client';
import { type LoadedKubeconfig, toKubeconfigState } from '../kube/kubeconfig';
import { loadProject } from '../project/config';
import { type Guards, enforceGuard } from './guard';

/** What every plan needs from the agent (or the CLI) that runs it. */
export interface PlanEnv {
  loaded: () => LoadedKubeconfig;
  guards: Guards;
  /** How to reach a context; tests and the agent both use KubeClient.forContext. */
  client?: (loaded: LoadedKubeconfig, context: string) => KubeClient;
}

export function clientFor(env: PlanEnv, context: string): KubeClient {
  return (env.client ?? KubeClient.forContext)(env.loaded(), context);
}

/** The kubeconfig's current context; INVALID with a next step when there is none. */
export function defaultContext(env: PlanEnv): string {
  const c = env.loaded().currentContext;
  if (c === undefined || c === '') {
    throw new AgentFailure(
      agentError(
        'INVALID',
        'No context given and the kubeconfig has no current-context. Pass --context NAME.',
      ),
    );
  }
  return c;
}

/** The context's default namespace, as kubectl uses it when -n is not given. */
export function defaultNamespace(env: PlanEnv, context: string): string {
  return env.loaded().contexts.get(context)?.value.namespace ?? 'default';
}

export function isProductionContext(env: PlanEnv, context: string): boolean {
  return toKubeconfigState(env.loaded()).contexts.find((c) => c.name === context)?.production === true;
}

/** Loads the workspace's slipway.yaml (if any) so its guards apply; a broken file is reported. */
export function rememberWorkspace(env: PlanEnv, workspace: string | undefined): void {
  if (workspace === undefined) return;
  try {
    env.guards.remember(loadProject(workspace));
  } catch (e) {
    // No slipway.yaml is fine (deploying a manifest path); a broken one must not silently drop guards.
    if (e instanceof AgentFailure && e.error.code === 'NOT_FOUND') return;
    throw e;
  }
}

export function guardInfo(env: PlanEnv, context: string, namespace: string): GuardInfo {
  return env.guards.info(context, namespace, isProductionContext(env, context));
}

/** Refuses the write unless every namespace it touches allows it. */
export function checkGuards(
  env: PlanEnv,
  context: string,
  namespaces: Iterable<string>,
  confirm: string | undefined,
  what: string,
): GuardInfo {
  let strongest: GuardInfo | undefined;
  for (const ns of new Set(namespaces)) {
    const g = guardInfo(env, context, ns);
    enforceGuard(g, confirm, what);
    if (strongest === undefined || (g.protected && !strongest.protected)) strongest = g;
  }
  return strongest ?? guardInfo(env, context, defaultNamespace(env, context));
}
