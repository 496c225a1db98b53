import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  AgentFailure,
  agentError,
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
import { progressMessage, resultMessage } from './plan-summary';
import { abortPlanView, applyPlanEvent, emptyPlanView, finishPlanView } from './plan-view';
import type { PreviewDocuments } from './preview-documents';
import { imageError, replicasError, tagSelection } from './inputs';
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
  return askContextName(
    guard,
    what,
    `${guard.reason ?? 'Protected target'}. Type the context name "${guard.context}" to confirm.`,
  );
}

/** The input box of the guard flow; nothing but the exact context name is accepted. */
async function askContextName(
  t: { context: string; namespace: string },
  what: string,
  prompt: string,
): Promise<string> {
  const typed = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `Confirm: ${what} on ${t.context}/${t.namespace}`,
    prompt,
    placeHolder: t.context,
    validateInput: (v) => (v === t.context ? undefined : `Type ${t.context} exactly to confirm.`),
  });
  if (typed !== t.context) throw cancelled();
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

/** One write, as `runPlan` runs it. */
interface PlanRun {
  title: string;
  /** Where the plan writes: named in a confirmation the agent asks for that the guard did not announce. */
  target: { context: string; namespace: string };
  /** The context name typed for a protected target, if it was asked for already. */
  confirm: string | undefined;
  run(signal: AbortSignal, onEvent: (e: PlanEvent) => void, confirm: string | undefined): Promise<PlanResult>;
}

function progressEvents(onEvent: (e: PlanEvent) => void): (m: string, f?: number, e?: PlanEvent) => void {
  return (_message, _fraction, event) => {
    if (event !== undefined) onEvent(event);
  };
}

/**
 * Runs one write with a cancellable progress notification and the rollout panel following it. The agent
 * enforces guards itself: when it still asks for a confirmation (slipway.yaml changed since the guard was
 * read, or another window's project declared the target protected), the user is asked then, once.
 */
async function runPlan(deps: DeployDeps, plan: PlanRun): Promise<void> {
  let confirm = plan.confirm;
  for (;;) {
    try {
      await runPlanOnce(deps, plan, confirm);
      return;
    } catch (e) {
      if (!(e instanceof AgentFailure) || e.error.code !== 'CONFIRMATION_REQUIRED' || confirm !== undefined)
        throw e;
      confirm = await askContextName(plan.target, plan.title.toLowerCase(), e.error.message);
    }
  }
}

async function runPlanOnce(deps: DeployDeps, plan: PlanRun, confirm: string | undefined): Promise<void> {
  let view = emptyPlanView(plan.title);
  deps.panel.update(view);
  let result: PlanResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Slipway: ${plan.title}`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        // Cancelling sends the protocol's cancel; the agent stops the plan (rolling back what it changed)
        // and answers, so the result or error below is still the agent's word on what happened.
        const cancel = token.onCancellationRequested(() => ac.abort());
        try {
          return await plan.run(
            ac.signal,
            (e) => {
              view = applyPlanEvent(view, e);
              deps.panel.update(view);
              progress.report({ message: progressMessage(view) });
            },
            confirm,
          );
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (e) {
    // A cancelled or failed request has no PlanResult; the panel still says how the plan ended.
    deps.panel.update(abortPlanView(view, toAgentError(e).message));
    throw e;
  }
  view = finishPlanView(view, result);
  deps.panel.update(view);
  const details = 'Show Details';
  const message = resultMessage(plan.title, result);
  const show =
    message.severity === 'info'
      ? vscode.window.showInformationMessage
      : message.severity === 'warning'
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
  void show(message.text, details).then((choice) => {
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
  checked?: GuardInfo,
): Promise<void> {
  const what = title.toLowerCase();
  const guard = checked ?? (await checkGuard(deps, writeTarget(target, undefined), what));
  const confirm = await typedConfirmation(guard, what, async () => {
    const preview = await deps.client.request('deploy.preview', params);
    if (preview.blockers.length > 0) {
      throw new AgentFailure(
        agentError('PREFLIGHT_FAILED', `${preview.blockers[0] ?? ''} Nothing was applied.`),
      );
    }
    await showDiffs(deps, preview.diffs);
  });
  await runPlan(deps, {
    title,
    target,
    confirm,
    run: (signal, onEvent, typed) =>
      deps.client.request('deploy.run', typed === undefined ? params : { ...params, confirm: typed }, {
        signal,
        onProgress: progressEvents(onEvent),
      }),
  });
}

export async function setImage(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  const title = `Set image of ${label(t.workload)}`;
  // A read-only target is refused before the user picks and types anything.
  const guard = await checkGuard(deps, writeTarget(t, undefined), title.toLowerCase());
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
  const image = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `${title} (container ${container})`,
    prompt: 'The new image (repository:tag). Slipway watches the rollout and rolls back if it fails.',
    value: current,
    valueSelection: tagSelection(current),
    validateInput: imageError,
  });
  if (image === undefined) throw cancelled();
  await deployWithParams(
    deps,
    title,
    {
      source: { kind: 'image', workload: t.workload, images: { [container]: image.trim() } },
      context: t.context,
      namespace: t.namespace,
    },
    t,
    guard,
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
  await runPlan(deps, {
    title: `Roll back ${label(t.workload)} to revision ${preview.toRevision}`,
    target: t,
    confirm,
    run: (signal, onEvent, typed) =>
      deps.client.request(
        'workload.rollback',
        { ...writeTarget(t, typed), workload: t.workload, toRevision: preview.toRevision },
        { signal, onProgress: progressEvents(onEvent) },
      ),
  });
}

export async function restart(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  const confirm = await confirmWrite(deps, writeTarget(t, undefined), `restart ${label(t.workload)}`);
  await runPlan(deps, {
    title: `Restart ${label(t.workload)}`,
    target: t,
    confirm,
    run: (signal, onEvent, typed) =>
      deps.client.request(
        'workload.restart',
        { ...writeTarget(t, typed), workload: t.workload },
        { signal, onProgress: progressEvents(onEvent) },
      ),
  });
}

export async function scale(deps: DeployDeps, handle: unknown): Promise<void> {
  const t = await targetOf(deps, handle);
  const guard = await checkGuard(deps, writeTarget(t, undefined), `scale ${label(t.workload)}`);
  const row = deps.services.tree.node(handle)?.ref;
  const desired = row?.kind === 'workload' ? String(row.workload.desired) : '';
  const text = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `Scale ${label(t.workload)}`,
    prompt: 'Number of replicas',
    value: desired,
    validateInput: replicasError,
  });
  if (text === undefined) throw cancelled();
  const replicas = Number(text.trim());
  const confirm = await typedConfirmation(guard, `scale ${label(t.workload)} to ${replicas}`);
  await runPlan(deps, {
    title: `Scale ${label(t.workload)} to ${replicas}`,
    target: t,
    confirm,
    run: (signal, onEvent, typed) =>
      deps.client.request(
        'workload.scale',
        { ...writeTarget(t, typed), workload: t.workload, replicas },
        { signal, onProgress: progressEvents(onEvent) },
      ),
  });
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
  await runPlan(deps, {
    title: `Roll back Helm release ${t.release} to revision ${pick.revision}`,
    target: t,
    confirm,
    run: (signal, onEvent, typed) =>
      deps.client.request(
        'helm.rollback',
        { ...writeTarget(t, typed), release: t.release, toRevision: pick.revision },
        { signal, onProgress: progressEvents(onEvent) },
      ),
  });
}
