import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { type ClusterStatus, AgentFailure, agentError } from '../protocol';
import { clusterStatus } from './cluster-status';
import { loadKubeconfigs, toKubeconfigState } from './kube/kubeconfig';

export const STATUS_USAGE = `Usage: slipway status [--kubeconfig FILE] [--context NAME] [--json]

Checks that a cluster is reachable with your kubeconfig (KUBECONFIG or ~/.kube/config, or --kubeconfig),
for the current context or the one named. Exit codes: 0 reachable, 3 unreachable or refused, 2 usage or
kubeconfig errors.`;

/** `slipway status`: one line per checked context, or JSON; the exit code says whether it is reachable. */
export async function runStatus(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`slipway status: ${e instanceof Error ? e.message : String(e)}\n${STATUS_USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${STATUS_USAGE}\n`);
    return 0;
  }
  const env =
    values.kubeconfig === undefined ? process.env : { ...process.env, KUBECONFIG: values.kubeconfig };
  const loaded = loadKubeconfigs(env, homedir());
  const state = toKubeconfigState(loaded);
  for (const p of state.problems) process.stderr.write(`slipway status: ${p.message}\n`);
  const context = values.context ?? state.currentContext;
  if (context === undefined) {
    process.stderr.write(
      'slipway status: no context to check: your kubeconfig has no current-context; pass --context NAME.\n',
    );
    return 2;
  }
  const status: ClusterStatus = await clusterStatus(loaded, context, new AbortController().signal).catch(
    (e: unknown): ClusterStatus => ({
      context,
      reachable: false,
      error:
        e instanceof AgentFailure
          ? e.error
          : agentError('KUBECONFIG_INVALID', e instanceof Error ? e.message : String(e)),
    }),
  );
  if (values.json === true) process.stdout.write(`${JSON.stringify(status)}\n`);
  else if (status.reachable)
    process.stdout.write(`${context}: reachable, ${status.serverVersion ?? 'unknown version'}\n`);
  else process.stdout.write(`${context}: ${status.error?.message ?? 'unreachable'}\n`);
  if (status.reachable) return 0;
  return status.error?.code === 'KUBECONFIG_INVALID' || status.error?.code === 'CONTEXT_NOT_FOUND' ? 2 : 3;
}
