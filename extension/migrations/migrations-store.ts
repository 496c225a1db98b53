import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentError, MigrationStatus, ProjectInfo, WorkloadRef } from '../../protocol';
import type { AgentClient } from '../agent/client';
import { toAgentError } from '../commands/failure';

/** What the extension knows of one service's migrations in one environment. */
export interface MigrationSetState {
  env: string;
  service: string;
  loading: boolean;
  status?: MigrationStatus;
  error?: AgentError;
}

/** Where a migration set's database is: the environment the Releases row's context and namespace are. */
export interface MigrationSetRef {
  workspace: string;
  env: string;
  service: string;
}

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/**
 * The workspace's migration sets and their status, fetched from the agent when a Releases row shows one
 * and after every run; their lint findings are the `.sql` files' diagnostics.
 */
export class MigrationsStore implements vscode.Disposable {
  private project: ProjectInfo | undefined;
  private projectLoading = false;
  private readonly sets = new Map<string, MigrationSetState>();
  private readonly inflight = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('slipway-migrations');
  private readonly watcher: vscode.FileSystemWatcher;

  constructor(private readonly client: () => AgentClient | undefined) {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/{slipway.yaml,slipway.yml,*.sql}');
    const changed = (): void => {
      this.project = undefined;
      for (const s of this.sets.values())
        if (s.status !== undefined || s.error !== undefined) void this.fetch(s);
      this.emitter.fire();
    };
    this.watcher.onDidChange(changed);
    this.watcher.onDidCreate(changed);
    this.watcher.onDidDelete(changed);
  }

  private key(env: string, service: string): string {
    return `${env}\0${service}`;
  }

  private loadProject(): void {
    const folder = workspaceFolder();
    const client = this.client();
    if (this.projectLoading || folder === undefined || client === undefined) return;
    if (!existsSync(join(folder, 'slipway.yaml')) && !existsSync(join(folder, 'slipway.yml'))) return;
    this.projectLoading = true;
    client.request('project.read', { workspace: folder }).then(
      (p) => {
        this.project = p;
        this.projectLoading = false;
        this.emitter.fire();
      },
      () => {
        this.projectLoading = false;
      },
    );
  }

  /** The service with migrations that runs `workload` in an environment on this context and namespace. */
  setFor(context: string, namespace: string, workload: WorkloadRef): MigrationSetRef | undefined {
    const folder = workspaceFolder();
    if (this.project === undefined) this.loadProject();
    const p = this.project;
    if (p === undefined || folder === undefined) return undefined;
    const env = p.environments.find((e) => e.context === context && e.namespace === namespace);
    const service = p.services.find(
      (s) => s.migrations && s.workload.kind === workload.kind && s.workload.name === workload.name,
    );
    if (env === undefined || service === undefined) return undefined;
    return { workspace: folder, env: env.name, service: service.name };
  }

  /** The set's state; the first ask starts fetching it. */
  state(ref: MigrationSetRef): MigrationSetState {
    const key = this.key(ref.env, ref.service);
    let s = this.sets.get(key);
    if (s === undefined) {
      s = { env: ref.env, service: ref.service, loading: true };
      this.sets.set(key, s);
    }
    // Fetched once; again when an earlier try found no agent to ask.
    if (s.status === undefined && s.error === undefined && !this.inflight.has(key)) void this.fetch(s);
    return s;
  }

  refresh(): void {
    this.project = undefined;
    for (const s of this.sets.values()) void this.fetch(s);
    this.emitter.fire();
  }

  /** Records a status a run returned. */
  update(ref: MigrationSetRef, status: MigrationStatus): void {
    const s = this.state(ref);
    s.status = status;
    s.loading = false;
    delete s.error;
    this.publishDiagnostics();
    this.emitter.fire();
  }

  private async fetch(s: MigrationSetState): Promise<void> {
    const client = this.client();
    const folder = workspaceFolder();
    const key = this.key(s.env, s.service);
    if (client === undefined || folder === undefined || this.inflight.has(key)) return;
    this.inflight.add(key);
    s.loading = true;
    try {
      s.status = await client.request('migrate.status', {
        workspace: folder,
        env: s.env,
        service: s.service,
      });
      delete s.error;
    } catch (e) {
      s.error = toAgentError(e);
    } finally {
      this.inflight.delete(key);
    }
    s.loading = false;
    this.publishDiagnostics();
    this.emitter.fire();
  }

  /** Lint findings of migrations still to run, as warnings on their files. */
  private publishDiagnostics(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const s of this.sets.values()) {
      for (const e of s.status?.entries ?? []) {
        if (e.file === undefined || e.state === 'applied') continue;
        const file = join(s.status!.directory, e.file);
        const list = byFile.get(file) ?? [];
        for (const l of e.lint) {
          const line = Math.max(0, l.line - 1);
          const d = new vscode.Diagnostic(
            new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
            l.message,
            vscode.DiagnosticSeverity.Warning,
          );
          d.source = 'Slipway';
          d.code = l.rule;
          list.push(d);
        }
        byFile.set(file, list);
      }
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  dispose(): void {
    this.watcher.dispose();
    this.diagnostics.dispose();
    this.emitter.dispose();
  }
}
