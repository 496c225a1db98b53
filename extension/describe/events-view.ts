import * as vscode from 'vscode';
import type { EventInfo } from '../../protocol';
import type { Supervisor } from '../agent/supervisor';
import { toAgentError } from '../commands/failure';
import { Scope } from '../util/scope';
import { LiveTree, type NodeHandle } from '../views/live-tree';
import { type EventsFocus, buildEventsTree } from './events-model';

const POLL_MS = 5000;

/**
 * The Events view: the events of what is selected in the Services view (a workload with its pods, a pod,
 * a Service...), fetched again every 5 s while the view is visible.
 */
export class EventsView implements vscode.Disposable {
  private readonly scope = new Scope();
  readonly tree: LiveTree<EventInfo>;
  private readonly view: vscode.TreeView<NodeHandle>;
  private focusOn: EventsFocus | undefined;
  private events: EventInfo[] | undefined;
  private error: string | undefined;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly supervisor: Supervisor) {
    this.tree = this.scope.add(new LiveTree<EventInfo>(() => this.build()));
    this.view = this.scope.add(
      vscode.window.createTreeView<NodeHandle>('slipway.events', { treeDataProvider: this.tree }),
    );
    this.scope.add(this.view.onDidChangeVisibility(() => this.schedule(0)));
    this.scope.add(
      supervisor.onDidChangeState(() => {
        this.tree.invalidate();
        this.schedule(0);
      }),
    );
    this.scope.defer(() => clearTimeout(this.timer));
  }

  get focus(): EventsFocus | undefined {
    return this.focusOn;
  }

  /** Shows the events of something else; the list is fetched at once. */
  show(focus: EventsFocus): void {
    if (JSON.stringify(focus) === JSON.stringify(this.focusOn)) return;
    this.focusOn = focus;
    this.events = undefined;
    this.error = undefined;
    this.view.description = focus.label ?? focus.namespace;
    this.tree.invalidate();
    this.schedule(0);
  }

  /** Reveals the view (used by "Show Events"). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand('slipway.events.focus');
  }

  refresh(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    const focus = this.focusOn;
    const client = this.supervisor.client;
    if (focus === undefined || !this.view.visible || !client.connected) return;
    const generation = ++this.generation;
    try {
      const { events } = await client.request('events.list', {
        context: focus.context,
        namespace: focus.namespace,
        ...(focus.objects === undefined ? {} : { objects: focus.objects }),
      });
      if (generation !== this.generation) return;
      this.events = events;
      this.error = undefined;
    } catch (e) {
      if (generation !== this.generation) return;
      this.error = toAgentError(e).message;
    }
    this.tree.invalidate();
    this.schedule(POLL_MS);
  }

  private build(): ReturnType<typeof buildEventsTree> {
    return buildEventsTree({
      agent: this.supervisor.state,
      focus: this.focusOn,
      events: this.events,
      error: this.error,
      now: Date.now(),
    });
  }

  dispose(): void {
    this.scope.dispose();
  }
}
