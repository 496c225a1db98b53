import { join } from 'node:path';
import * as vscode from 'vscode';
import { AgentFailure, type MigrationFailure, agentError } from '../../protocol';
import type { AgentClient } from '../agent/client';
import type { ReleasesView } from '../views/releases-view';
import type { MigrationSetRef, MigrationsStore } from './migrations-store';
import { ahead, planText } from './plan-text';

export interface MigrateDeps {
  client: AgentClient;
  releases: ReleasesView;
  migrations: MigrationsStore;
}

const cancelled = (): AgentFailure => new AgentFailure(agentError('CANCELLED', 'Cancelled.'));
const invalid = (m: string): AgentFailure => new AgentFailure(agentError('INVALID', m));

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The set a command acts on: the Releases row it was run on, else picked from slipway.yaml. */
async function setOf(deps: MigrateDeps, handle: unknown): Promise<MigrationSetRef> {
  const ref = deps.releases.tree.node(handle)?.ref;
  if (ref?.kind === 'migrations' || ref?.kind === 'migration') {
    return { workspace: ref.workspace, env: ref.env, service: ref.service };
  }
  if (ref?.kind === 'workload') {
    const set = deps.migrations.setFor(ref.context, ref.workload.namespace, ref.workload);
    if (set !== undefined) return set;
  }
  const folder = workspaceFolder();
  if (folder === undefined)
    throw invalid('Open the folder with slipway.yaml first: migrations are declared there.');
  const project = await deps.client.request('project.read', { workspace: folder });
  const services = project.services.filter((s) => s.migrations);
  if (services.length === 0) {
    throw invalid(
      'No service in slipway.yaml has migrations; add a migration set and name it from the service.',
    );
  }
  const service =
    services.length === 1
      ? services[0]!
      : (
          await vscode.window.showQuickPick(
            services.map((s) => ({ label: s.name, description: `${s.workload.kind}/${s.workload.name}`, s })),
            { title: 'Migrate which service’s database?' },
          )
        )?.s;
  if (service === undefined) throw cancelled();
  const env = await vscode.window.showQuickPick(
    project.environments.map((e) => ({ label: e.name, description: `${e.context} · ${e.namespace}`, e })),
    { title: `Migrate ${service.name} in which environment?` },
  );
  if (env === undefined) throw cancelled();
  return { workspace: folder, env: env.e.name, service: service.name };
}

async function openAt(dir: string, file: string, line: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(dir, file)));
  const pos = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
}

function reportFailure(dir: string, f: MigrationFailure, done: string[]): void {
  const earlier = done.length === 0 ? '' : ` ${done.length} before it were applied.`;
  const message = `Migration ${f.version} failed at ${f.file}:${f.line}: ${f.message}${f.code === undefined ? '' : ` (SQLSTATE ${f.code})`}. Nothing of it was applied.${earlier} Fix the file and run Migrate again.`;
  void vscode.window.showErrorMessage(message, 'Open File').then((choice) => {
    if (choice === 'Open File') void openAt(dir, f.file, f.line);
  });
}

/** Plans, shows the plan, asks, applies with progress, and reports: "Migrate Database…". */
export async function migrate(deps: MigrateDeps, handle: unknown): Promise<void> {
  const set = await setOf(deps, handle);
  const plan = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Planning the migrations of ${set.service} in ${set.env}…`,
    },
    () => deps.client.request('migrate.up', { ...set, dryRun: true }),
  );
  deps.migrations.update(set, plan.status);
  const pending = plan.status.entries.filter(ahead);
  if (pending.length === 0) {
    void vscode.window.showInformationMessage(
      `The database of ${set.service} in ${set.env} is up to date${plan.status.current === undefined ? '' : ` (at ${plan.status.current})`}.`,
    );
    return;
  }
  const project = await deps.client.request('project.read', { workspace: set.workspace });
  const env = project.environments.find((e) => e.name === set.env);
  const warnings = pending.reduce((n, e) => n + e.lint.length, 0);
  const apply = `Apply ${pending.length}`;
  const choice = await vscode.window.showWarningMessage(
    `Apply ${pending.length} migration${pending.length === 1 ? '' : 's'} of ${set.service} to ${set.env}${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}?`,
    { modal: true, detail: planText(plan.status) },
    apply,
  );
  if (choice !== apply) throw cancelled();
  let confirm: string | undefined;
  if (env?.protected === true) {
    confirm = await vscode.window.showInputBox({
      ignoreFocusOut: true,
      title: `${set.env} is protected`,
      prompt: `Type the context name (${env.context}) to migrate its database.`,
      validateInput: (v) => (v === env.context ? undefined : `Type ${env.context} exactly.`),
    });
    if (confirm === undefined) throw cancelled();
  }
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Migrating ${set.service} in ${set.env}`,
      cancellable: false,
    },
    async (progress) => {
      let last = 0;
      return deps.client.request(
        'migrate.up',
        { ...set, ...(confirm === undefined ? {} : { confirm }) },
        {
          onProgress: (message, fraction) => {
            const now = fraction === undefined ? last : Math.round(fraction * 100);
            progress.report({ message, increment: Math.max(0, now - last) });
            last = Math.max(last, now);
          },
        },
      );
    },
  );
  deps.migrations.update(set, result.status);
  if (result.failed !== undefined) {
    reportFailure(result.status.directory, result.failed, result.done);
    return;
  }
  void vscode.window.showInformationMessage(
    `Applied ${result.done.length} migration${result.done.length === 1 ? '' : 's'} of ${set.service} in ${set.env}: ${result.done.join(', ')}.`,
  );
}

/** Opens a migration row's file. */
export async function openMigration(deps: MigrateDeps, handle: unknown): Promise<void> {
  const ref = deps.releases.tree.node(handle)?.ref;
  if (ref?.kind !== 'migration' || ref.entry.file === undefined) {
    throw invalid('Run this on a migration in the Releases view.');
  }
  const first = ref.entry.lint[0]?.line ?? 1;
  await openAt(ref.directory, ref.entry.file, first);
}

/** Reverts the newest applied migration with its down/undo script, after a confirmation. */
export async function revertMigration(deps: MigrateDeps, handle: unknown): Promise<void> {
  const set = await setOf(deps, handle);
  const status = await deps.client.request('migrate.status', set);
  const newest = [...status.entries].reverse().find((e) => e.state === 'applied' && e.repeatable !== true);
  if (newest === undefined) throw invalid(`No applied migration of ${set.service} in ${set.env} to revert.`);
  if (!newest.reversible) {
    throw invalid(
      `${newest.file ?? newest.version} has no down migration (${status.layout === 'prisma' ? 'Prisma has none' : 'add one next to it'}); write a new migration that undoes it instead.`,
    );
  }
  const revert = 'Revert';
  const choice = await vscode.window.showWarningMessage(
    `Revert ${newest.file ?? newest.version} of ${set.service} in ${set.env}?`,
    {
      modal: true,
      detail: 'Its down script runs in a transaction with the history change; data it removes is gone.',
    },
    revert,
  );
  if (choice !== revert) throw cancelled();
  const project = await deps.client.request('project.read', { workspace: set.workspace });
  const env = project.environments.find((e) => e.name === set.env);
  let confirm: string | undefined;
  if (env?.protected === true) {
    confirm = await vscode.window.showInputBox({
      ignoreFocusOut: true,
      title: `${set.env} is protected`,
      prompt: `Type the context name (${env.context}) to revert a migration of its database.`,
      validateInput: (v) => (v === env.context ? undefined : `Type ${env.context} exactly.`),
    });
    if (confirm === undefined) throw cancelled();
  }
  const r = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Reverting ${newest.version} of ${set.service}`,
    },
    () => deps.client.request('migrate.down', { ...set, ...(confirm === undefined ? {} : { confirm }) }),
  );
  deps.migrations.update(set, r.status);
  if (r.failed !== undefined) {
    reportFailure(r.status.directory, r.failed, []);
    return;
  }
  void vscode.window.showInformationMessage(`Reverted ${r.done.join(', ')} of ${set.service} in ${set.env}.`);
}

/** Records an edited applied migration's file as intended, with a note for the audit table. */
export async function acceptMigrationEdit(deps: MigrateDeps, handle: unknown): Promise<void> {
  const ref = deps.releases.tree.node(handle)?.ref;
  if (ref?.kind !== 'migration' || ref.entry.state !== 'edited') {
    throw invalid('Run this on an edited migration in the Releases view.');
  }
  const note = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    title: `Accept the edit of ${ref.entry.file ?? ref.entry.version}`,
    prompt: 'Why the applied file changed (kept in slipway_migration_audit with the old and new checksum).',
  });
  if (note === undefined) throw cancelled();
  const set = { workspace: ref.workspace, env: ref.env, service: ref.service };
  const status = await deps.client.request('migrate.acceptEdit', {
    ...set,
    version: ref.entry.version,
    ...(note.trim() === '' ? {} : { note: note.trim() }),
  });
  deps.migrations.update(set, status);
  void vscode.window.showInformationMessage(
    `Accepted the edit of ${ref.entry.file ?? ref.entry.version}; the change is recorded in slipway_migration_audit.`,
  );
}
