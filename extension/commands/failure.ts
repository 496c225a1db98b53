import { type AgentError, type ErrorCode, AgentFailure, agentError } from '../../protocol';

export type FailureAction = 'Show Log' | 'Open kubeconfig' | 'Retry' | 'Restart Agent';

/** Failures that may well pass if the same command runs again in a moment. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set([
  'UNAVAILABLE',
  'TIMEOUT',
  'CLUSTER_UNREACHABLE',
  'CONFLICT',
]);

/** Any thrown value as an AgentError: ours keep their code; anything else is INTERNAL with its stack. */
export function toAgentError(e: unknown): AgentError {
  if (e instanceof AgentFailure) return e.error;
  if (e instanceof Error) {
    return agentError(
      'INTERNAL',
      'Slipway failed unexpectedly; see the Slipway log for details.',
      e.message,
      e.stack,
    );
  }
  return agentError('INTERNAL', 'Slipway failed unexpectedly; see the Slipway log for details.', String(e));
}

/** The buttons next to the sentence; "Show Log" always comes last. */
export function failureActions(error: AgentError, retryable: boolean): FailureAction[] {
  const actions: FailureAction[] = [];
  if (error.code === 'KUBECONFIG_INVALID') actions.push('Open kubeconfig');
  if (error.code === 'PROTOCOL_MISMATCH') actions.push('Restart Agent');
  if (retryable && TRANSIENT.has(error.code)) actions.push('Retry');
  actions.push('Show Log');
  return actions;
}

/** Whether the user hears of it at all: a cancellation is the user's own doing. */
export function shouldNotify(error: AgentError): boolean {
  return error.code !== 'CANCELLED';
}

/** Everything the log gets: the sentence, the code, the detail and the cause (a stack, often). */
export function failureLog(commandId: string, error: AgentError): string {
  return [
    `${commandId} failed: ${error.code}: ${error.message}`,
    error.detail === undefined ? undefined : `  detail: ${error.detail}`,
    error.cause === undefined ? undefined : `  cause: ${error.cause}`,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}
