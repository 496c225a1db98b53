import * as vscode from 'vscode';

/**
 * The one Slipway log: "Slipway" in the Output panel, with levels the user can change there. Stacks, error
 * details and causes go here; notifications carry only one sentence.
 */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Slipway', { log: true });
}
