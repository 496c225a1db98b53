import * as vscode from 'vscode';
import { assertNever } from '../../protocol';
import { type FailureAction, failureActions, failureLog, shouldNotify, toAgentError } from './failure';

/** What the failure actions need. */
export interface FailureHost {
  log: vscode.LogOutputChannel;
  openKubeconfig(): Promise<void>;
  restartAgent(): Promise<void>;
}

export interface CommandOptions {
  /** Offer "Retry" on transient failures; off for commands that must not run twice by accident. */
  retryable?: boolean;
}

/**
 * Reports a failure the one Slipway way: the log gets code, detail and cause (the stack); the user gets
 * the error's one sentence with the actions that help: Open kubeconfig, Restart Agent, Retry, Show Log.
 */
export function reportFailure(host: FailureHost, commandId: string, e: unknown, retry?: () => void): void {
  const error = toAgentError(e);
  host.log.error(failureLog(commandId, error));
  if (!shouldNotify(error)) return;
  const actions = failureActions(error, retry !== undefined);
  // Not awaited: a notification stays until dismissed, and the command has finished by then.
  void vscode.window.showErrorMessage<FailureAction>(error.message, ...actions).then(async (choice) => {
    try {
      switch (choice) {
        case undefined:
          return;
        case 'Show Log':
          host.log.show(true);
          return;
        case 'Open kubeconfig':
          await host.openKubeconfig();
          return;
        case 'Restart Agent':
          await host.restartAgent();
          return;
        case 'Retry':
          retry?.();
          return;
        default:
          assertNever(choice, 'failure action');
      }
    } catch (actionError) {
      reportFailure(host, `${commandId} (${choice ?? ''})`, actionError);
    }
  });
}

/** Registers a command whose every failure is reported by `reportFailure`; nothing escapes to VS Code. */
export function registerCommand(
  host: FailureHost,
  id: string,
  run: (...args: unknown[]) => unknown,
  options: CommandOptions = {},
): vscode.Disposable {
  const invoke = async (...args: unknown[]): Promise<void> => {
    try {
      await run(...args);
    } catch (e) {
      reportFailure(host, id, e, options.retryable === false ? undefined : () => void invoke(...args));
    }
  };
  return vscode.commands.registerCommand(id, invoke);
}
