import * as vscode from 'vscode';

const SECTION = 'slipway';
const ALL_NAMESPACES = 'allNamespaces';

/** Whether Services and Releases show every namespace of the selected context instead of one. */
export function allNamespaces(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>(ALL_NAMESPACES, false);
}

/** Writes where the value currently comes from, so a workspace setting is not silently shadowed. */
export async function setAllNamespaces(value: boolean): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect<boolean>(ALL_NAMESPACES);
  const target =
    inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await config.update(ALL_NAMESPACES, value, target);
}

export function onDidChangeAllNamespaces(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.${ALL_NAMESPACES}`)) listener();
  });
}
