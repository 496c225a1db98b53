import * as vscode from 'vscode';
import { CheckError, type ForwardSpec, array, int, object, oneOf, optional, str } from '../../protocol';
import type { ForwardProfile } from './forwards-model';

const SETTING = 'forwardProfiles';

const spec = object<ForwardSpec>({
  context: str,
  namespace: str,
  target: object<ForwardSpec['target']>({
    kind: oneOf(['pod', 'service', 'workload'] as const),
    name: str,
    workloadKind: optional(oneOf(['Deployment', 'StatefulSet', 'DaemonSet'] as const)),
  }),
  port: (v, p = 'value') => {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v))) return v;
    throw new CheckError(`${p} must be a port number or name`);
  },
  localPort: optional(int),
  name: optional(str),
});
const profile = object<ForwardProfile>({ name: str, forwards: array(spec) });

/**
 * The workspace's saved forward profiles (`slipway.forwardProfiles` in .vscode/settings.json, so a team can
 * share them). An entry that does not parse is skipped and named in `problems`.
 */
export function readProfiles(): { profiles: ForwardProfile[]; problems: string[] } {
  const raw = vscode.workspace.getConfiguration('slipway').get<unknown>(SETTING, []);
  const profiles: ForwardProfile[] = [];
  const problems: string[] = [];
  for (const [i, entry] of (Array.isArray(raw) ? raw : []).entries()) {
    try {
      profiles.push(profile(entry, `slipway.forwardProfiles[${i}]`));
    } catch (e) {
      if (!(e instanceof CheckError)) throw e;
      problems.push(e.message);
    }
  }
  return { profiles, problems };
}

/** Saves (or replaces) a profile in the workspace settings. */
export async function saveProfile(p: ForwardProfile): Promise<void> {
  const rest = readProfiles().profiles.filter((x) => x.name !== p.name);
  await vscode.workspace
    .getConfiguration('slipway')
    .update(SETTING, [...rest, p], vscode.ConfigurationTarget.Workspace);
}

export async function deleteProfile(name: string): Promise<void> {
  const rest = readProfiles().profiles.filter((x) => x.name !== name);
  await vscode.workspace
    .getConfiguration('slipway')
    .update(SETTING, rest, vscode.ConfigurationTarget.Workspace);
}

export function onDidChangeProfiles(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`slipway.${SETTING}`)) listener();
  });
}
