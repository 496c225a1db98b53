import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  AgentFailure,
  agentError,
  describePlanEvent,
  type DeployParams,
  type GuardInfo,
  type ObjectDiff,
  type PlanEvent,
  type PlanResult,
  type WorkloadRef,
  type WriteTarget,
} from '../../protocol';
import type { AgentClient } from '../agent/client';
import { toAgentError } from '../commands/failure';
import type { Selection } from '../state/selection';
import type { ReleasesView } from '../views/releases-view';
import type { ServicesView } from '../views/services-view';
import { applyPlanEvent, emptyPlanView, finishPlanView } from './plan-view';
import { PreviewDocuments } from './preview-documents';
import { helmRevisionItems, revisionItems } from './revision-items';
import type { RolloutPanel } from './rollout-panel';

export interface DeployDeps {
  client: AgentClient;
  selection: Selection;
  services: ServicesView;
  releases: ReleasesView;
  panel: RolloutPanel;
  previews: PreviewDocuments;
}

/** A workload a command acts on, from the tree row it was run on or picked from the Services view. */
interface Target {
  context: string;
  namespace: string;
  workload: WorkloadRef;
  images: string[];
  containers: string[];
}

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function cancelled(): AgentFailure {
  return new AgentFailure(agentError('CANCELLED', 'Cancelled.'));
}

/** The workload of a Services or Releases row, or one picked from the Services view. */
async function targetOf(deps: DeployDeps, handle: unknown): Promise<Target> {
  const s = deps.services.tree.node(handle)?.ref;
  if (s?.kind === 'workload') {
    const w = s.workload;
    return {
      context: s.context,
      namespace: w.namespace,
      workload: { kind: w.kind, name: w.name },
      images: w.images,
      containers: w.containers,
    };
  }
  const r = deps.releases.tree.node(handle)?.ref;
  if (r?.kind === 'workload') {
    return live(deps, r.context, r.workload.namespace, { kind: r.workload.kind, name: r.workload.name });
  }
  if (r?.kind === 'revision') {
    const w = r.revision.workload;
    return live(deps, r.context, w.namespace, { kind: w.kind, name: w.name });
  }
  const sel = deps.selection.current;
  if (sel === undefined)
    throw new AgentFailure(agentError('INVALID', 'Pick a context first (Slipway: Pick Context…).'));
  const picked = await vscode.window.showQuickPick(
    deps.services.workloads().map((w) => ({
      label: w.name,
      description: `${w.kind} · ${w.namespace}`,
      detail: w.images.join(', '),
      w,
    })),
    { title: 'Slipway: pick a workload', placeHolder: 'Workload' },
  );
  if (picked === undefined) throw cancelled();
  const w = picked.w;
  return {
    context: sel.context.name,
    namespace: w.namespace,
    workload: { kind: w.kind, name: w.name },
    images: w.images,
    containers: w.containers,
  };
}

/** A Releases row names a workload only; its containers come from the Services view when it shows it. */
function live(deps: DeployDeps, context: string, namespace: string, workload: WorkloadRef): Target {
  const w = deps.services
    .workloads()
    .find((x) => x.kind === workload.kind && x.name === workload.name && x.namespace === namespace);
  return { context, namespace, workload, images: w?.images ?? [], containers: w?.containers ?? [] };
}

/** Opens each changed object's live and desired YAML side by side in VS Code's diff editor. */
async function showDiffs(deps: DeployDeps, diffs: ObjectDiff[]): Promise<void> {
  for (const d of diffs.filter((x) => x.action !== 'unchanged')) {
    const name = `${d.kind}-${d.namespace ?? ''}-${d.name}`;
    const left = deps.previews.put(`${name}.live.yaml`, d.live);
    const right = deps.previews.put(`${name}.desired.yaml`, d.desired);
    await vscode.commands.executeCommand(
      'vscode.diff',
      left,
      right,
      `${d.kind} ${d.name}: live ↔ after deploy`,
      { preview: false },
    );
  }
}

/**
 * The first half of the guard flow, before anything else is asked or read: a read-only target stops
 * here. The agent enforces the same guards on its side; this only spares the user a doomed dialog.
 */
async function checkGuard(deps: DeployDeps, t: WriteTarget, what: string): Promise<GuardInfo> {
  const guard = await deps.client.request('guard.info', t);
  if (guard.readOnly) {
    throw new AgentFailure(
      agentError('READ_ONLY', `Slipway will not ${what}: ${guard.reason ?? 'the target is read-only'}.`),
    );
  }
  return guard;
}

/**
 * The second half: a protected target shows what will change and asks for the context name typed out,
 * which goes to the agent as `confirm`. Unprotected targets need nothing.
 */
async function typedConfirmation(
  guard: GuardInfo,
  what: string,
  preview?: () => Promise<void>,
): Promise<string | undefined> {
  if (!guard.protected) return undefined;
  if (preview !== undefined) await preview();
  const typed = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `Confirm: ${what} on ${guard.context}/${guard.namespace}`,
    prompt: `${guard.reason ?? 'Protected target'}. Type the context name "${guard.context}" to confirm.`,
    placeHolder: guard.context,
    validateInput: (v) => (v === guard.context ? undefined : `Type ${guard.context} exactly to confirm.`),
  });
  if (typed !== guard.context) throw cancelled();
  return typed;
}

async function confirmWrite(
  deps: DeployDeps,
  t: WriteTarget,
  what: string,
  preview?: () => Promise<void>,
): Promise<string | undefined> {
  return typedConfirmation(await checkGuard(deps, t, what), what, preview);
}

/** Runs one plan with a cancellable progress notification and the rollout panel following it. */
async function runPlan(
  deps: DeployDeps,
  title: string,
  run: (signal: AbortSignal, onEvent: (e: PlanEvent) => void) => Promise<PlanResult>,
): Promise<void> {
  let view = emptyPlanView(title);
  deps.panel.update(view);
  let result: PlanResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Slipway: ${title}`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const cancel = token.onCancellationRequested(() => ac.abort());
        try {
          return await run(ac.signal, (e) => {
            view = applyPlanEvent(view, e);
            deps.panel.update(view);
            progress.report({ message: describePlanEvent(e) });
          });
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (e) {
    // A cancelled or failed request has no PlanResult; the panel still says how the plan ended.
    const message = toAgentError(e).message;
    deps.panel.update({ ...view, notes: [...view.notes, { level: 'warning', message }] });
    throw e;
  }
  view = finishPlanView(view, result);
  deps.panel.update(view);
  const details = 'Show Details';
  const show =
    result.outcome === 'succeeded'
      ? vscode.window.showInformationMessage
      : result.outcome === 'rolledBack'
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
  void show(`${title}: ${result.summary}`, details).then((choice) => {
    if (choice === details) deps.panel.show();
  });
}

function writeTarget(t: { context: string; namespace: string }, confirm: string | undefined): WriteTarget {
  const folder = workspaceFolder();
  return {
    context: t.context,
    namespace: t.namespace,
    ...(folder === undefined ? {} : { workspace: folder }),
    ...(confirm === undefined ? {} : { confirm }),
  };
}

function label(w: WorkloadRef): string {
  return `${w.kind.toLowerCase()}/${w.name}`;
}

/** `target` is where the deploy lands: for a project deploy, its environment's context and namespace. */
async function deployWithParams(
  deps: DeployDeps,
  title: string,
  params: DeployParams,
  target: { context: string; namespace: string },
): Promise<void> {
  const confirm = await confirmWrite(deps, writeTarget(target, undefined), title.toLowerCase(), async () => {
    const preview = await deps.client.request('deploy.preview', params);
    if (preview.blockers.length > 0) {
      throw new AgentFailure(
        agentError('PREFLIGHT_FAILED', `${preview.blockers[0] ?? ''} Nothing was applied.`),
      );
    }
    await showDiffs(deps, preview.diffs);
  });
  await runPlan(deps, title, (signal, onEvent) =>
    deps.client.request('deploy.run', confirm === undefined ? params : { ...params, confirm }, {
      signal,
      onProgress: (_m, _f, e) => {
        if (e !== undefined) onEvent(e);
      },
    }),
  );
}

export async function setImage(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  if (t.containers.length === 0) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `Open ${label(t.workload)} in the Services view first, so Slipway knows its containers.`,
      ),
    );
  }
  const index =
    t.containers.length === 1
      ? 0
      : (
          await vscode.window.showQuickPick(
            t.containers.map((c, i) => ({ label: c, description: t.images[i] ?? '', i })),
            { title: `Which container of ${label(t.workload)}?` },
          )
        )?.i;
  if (index === undefined) throw cancelled();
  const container = t.containers[index] ?? '';
  const current = t.images[index] ?? '';
  const colon = current.lastIndexOf(':');
  const image = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `Set image of ${label(t.workload)} (container ${container})`,
    prompt: 'The new image (repository:tag). Slipway watches the rollout and rolls back if it fails.',
    value: current,
    ...(colon > current.lastIndexOf('/')
      ? { valueSelection: [colon + 1, current.length] as [number, number] }
      : {}),
    validateInput: (v) =>
      v.trim() === '' || /\s/.test(v.trim()) ? 'Enter an image such as ghcr.io/team/api:1.4.2' : undefined,
  });
  if (image === undefined) throw cancelled();
  await deployWithParams(
    deps,
    `Set image of ${label(t.workload)}`,
    {
      source: { kind: 'image', workload: t.workload, images: { [container]: image.trim() } },
      context: t.context,
      namespace: t.namespace,
    },
    t,
  );
}

export async function deploy(deps: DeployDeps, handle: unknown): Promise<void> {
  const folder = workspaceFolder();
  const hasProject =
    folder !== undefined &&
    (existsSync(join(folder, 'slipway.yaml')) || existsSync(join(folder, 'slipway.yml')));
  if (hasProject) {
    const project = await deps.client.request('project.read', { workspace: folder });
    const env = await vscode.window.showQuickPick(
      project.environments.map((e) => ({
        label: e.name,
        description: `${e.context} · ${e.namespace}`,
        detail: e.readOnly ? 'read-only' : e.protected ? 'protected: asks for the context name' : '',
        e,
      })),
      { title: 'Slipway: deploy to which environment?' },
    );
    if (env === undefined) throw cancelled();
    const picked = deps.services.tree.node(handle)?.ref;
    const fromRow = picked?.kind === 'workload' ? picked.workload.name : undefined;
    const services = project.services;
    const service =
      services.find((s) => s.workload.name === fromRow) ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'All services', s: undefined },
            ...services.map((s) => ({
              label: s.name,
              description: `${label(s.workload)} · ${s.strategy}`,
              s,
            })),
          ],
          { title: 'Slipway: deploy which service?' },
        )
      )?.s;
    const tag =
      service === undefined
        ? undefined
        : await vscode.window.showInputBox({
            ignoreFocusOut: true,
            title: `Deploy ${service.name} to ${env.e.name}`,
            prompt: `Image tag for ${service.imageRepository ?? 'the service'} (leave empty to apply the manifests as they are)`,
          });
    if (tag === undefined && service !== undefined) throw cancelled();
    await deployWithParams(
      deps,
      `Deploy ${service?.name ?? 'all services'} to ${env.e.name}`,
      {
        source: {
          kind: 'project',
          workspace: folder,
          env: env.e.name,
          ...(service === undefined ? {} : { service: service.name }),
          ...(tag === undefined || tag.trim() === '' ? {} : { image: tag.trim() }),
        },
      },
      { context: env.e.context, namespace: env.e.namespace },
    );
    return;
  }
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Deploy a manifest file or folder…', id: 'path' as const },
      { label: 'Set the image of a workload…', id: 'image' as const },
    ],
    { title: 'Slipway: deploy (no slipway.yaml in this workspace)' },
  );
  if (choice === undefined) throw cancelled();
  if (choice.id === 'image') return setImage(deps, handle);
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    title: 'Manifests to deploy',
  });
  const uri = uris?.[0];
  if (uri === undefined) throw cancelled();
  await deployPath(deps, uri.fsPath);
}

export async function deployPath(deps: DeployDeps, path: string): Promise<void> {
  const sel = deps.selection.current;
  if (sel === undefined)
    throw new AgentFailure(agentError('INVALID', 'Pick a context first (Slipway: Pick Context…).'));
  await deployWithParams(
    deps,
    `Deploy ${path.split('/').pop() ?? path}`,
    { source: { kind: 'path', path }, context: sel.context.name, namespace: sel.namespace },
    { context: sel.context.name, namespace: sel.namespace },
  );
}

export async function rollback(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  const what = `roll back ${label(t.workload)}`;
  const guard = await checkGuard(deps, writeTarget(t, undefined), what);
  const fromRow = deps.releases.tree.node(handle)?.ref;
  let toRevision =
    fromRow?.kind === 'revision' && !fromRow.revision.current ? fromRow.revision.revision : undefined;
  if (toRevision === undefined) {
    const { revisions } = await deps.client.request('workload.history', {
      context: t.context,
      namespace: t.namespace,
      workload: t.workload,
    });
    const pick = await vscode.window.showQuickPick(revisionItems(revisions, Date.now()), {
      title: `Roll back ${label(t.workload)} to…`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (pick === undefined) throw cancelled();
    toRevision = pick.revision;
  }
  const preview = await deps.client.request('workload.rollbackPreview', {
    context: t.context,
    namespace: t.namespace,
    workload: t.workload,
    toRevision,
  });
  const left = deps.previews.put(`${t.workload.name}.revision-${preview.fromRevision}.yaml`, preview.current);
  const right = deps.previews.put(`${t.workload.name}.revision-${preview.toRevision}.yaml`, preview.target);
  await vscode.commands.executeCommand(
    'vscode.diff',
    left,
    right,
    `${label(t.workload)}: revision ${preview.fromRevision} ↔ ${preview.toRevision}`,
    { preview: false },
  );
  const go = await vscode.window.showWarningMessage(
    `Roll ${label(t.workload)} back from revision ${preview.fromRevision} to revision ${preview.toRevision}?`,
    { modal: true },
    'Roll Back',
  );
  if (go !== 'Roll Back') throw cancelled();
  const confirm = await typedConfirmation(guard, what);
  await runPlan(deps, `Roll back ${label(t.workload)} to revision ${preview.toRevision}`, (signal, onEvent) =>
    deps.client.request(
      'workload.rollback',
      { ...writeTarget(t, confirm), workload: t.workload, toRevision: preview.toRevision },
      { signal, onProgress: (_m, _f, e) => e !== undefined && onEvent(e) },
    ),
  );
}

export async function restart(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  const confirm = await confirmWrite(deps, writeTarget(t, undefined), `restart ${label(t.workload)}`);
  await runPlan(deps, `Restart ${label(t.workload)}`, (signal, onEvent) =>
    deps.client.request(
      'workload.restart',
      { ...writeTarget(t, confirm), workload: t.workload },
      { signal, onProgress: (_m, _f, e) => e !== undefined && onEvent(e) },
    ),
  );
}

export async function scale(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  const row = deps.services.tree.node(handle)?.ref;
  const desired = row?.kind === 'workload' ? String(row.workload.desired) : '';
  const text = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `Scale ${label(t.workload)}`,
    prompt: 'Number of replicas',
    value: desired,
    validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'Enter a whole number of 0 or more.'),
  });
  if (text === undefined) throw cancelled();
  const replicas = Number(text.trim());
  const confirm = await confirmWrite(
    deps,
    writeTarget(t, undefined),
    `scale ${label(t.workload)} to ${replicas}`,
  );
  await runPlan(deps, `Scale ${label(t.workload)} to ${replicas}`, (signal, onEvent) =>
    deps.client.request(
      'workload.scale',
      { ...writeTarget(t, confirm), workload: t.workload, replicas },
      { signal, onProgress: (_m, _f, e) => e !== undefined && onEvent(e) },
    ),
  );
}

export async function rollbackHelm(deps: DeployDeps, handle: unknown): Promise<void> {
  const ref = deps.releases.tree.node(handle)?.ref;
  if (ref?.kind !== 'helmRelease' && ref?.kind !== 'helmRevision') {
    throw new AgentFailure(agentError('INVALID', 'Run this on a Helm release in the Releases view.'));
  }
  const t =
    ref.kind === 'helmRelease'
      ? { context: ref.context, namespace: ref.namespace, release: ref.release }
      : { context: ref.context, namespace: ref.revision.namespace, release: ref.revision.release };
  const what = `roll back Helm release ${t.release}`;
  const guard = await checkGuard(deps, writeTarget(t, undefined), what);
  const { revisions } = await deps.client.request('helm.history', t);
  const pick = await vscode.window.showQuickPick(helmRevisionItems(revisions, Date.now()), {
    title: `Roll back Helm release ${t.release} to…`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (pick === undefined) throw cancelled();
  const confirm = await typedConfirmation(guard, what);
  await runPlan(deps, `Roll back Helm release ${t.release} to revision ${pick.revision}`, (signal, onEvent) =>
    deps.client.request(
      'helm.rollback',
      { ...writeTarget(t, confirm), release: t.release, toRevision: pick.revision },
      { signal, onProgress: (_m, _f, e) => e !== undefined && onEvent(e) },
    ),
  );
}
