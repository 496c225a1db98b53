import * as k8s from '@kubernetes/client-node';
import { type ClusterStatus, AgentFailure, agentError } from '../protocol';
import { toAgentError } from './kube/errors';
import { type LoadedKubeconfig, kubeConfigFor } from './kube/kubeconfig';

const TIMEOUT_MS = 5_000;

/** Reachability and server version of one context: what the Clusters view and `slipway status` show. */
export async function clusterStatus(
  loaded: LoadedKubeconfig,
  context: string,
  signal: AbortSignal,
): Promise<ClusterStatus> {
  const kc = kubeConfigFor(loaded, context);
  const server = kc.getCurrentCluster()?.server ?? '';
  try {
    const version = await Promise.race([
      kc.makeApiClient(k8s.VersionApi).getCode(),
      new Promise<never>((_, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new AgentFailure(
                agentError(
                  'TIMEOUT',
                  `The cluster at ${server} did not answer within ${TIMEOUT_MS / 1000} seconds.`,
                ),
              ),
            ),
          5_000,
        );
        signal.addEventListener('abort', () => clearTimeout(t));
      }),
    ]);
    return { context, reachable: true, serverVersion: version.gitVersion };
  } catch (e) {
    return {
      context,
      reachable: false,
      error: e instanceof AgentFailure ? e.error : toAgentError(e, { context, server }),
    };
  }
}
