import * as vscode from 'vscode';
import type { ForwardInfo } from '../../protocol';
import type { Supervisor } from '../agent/supervisor';
import { TopicStore } from '../state/topic-store';
import { Scope } from '../util/scope';
import { LiveTree, type NodeHandle } from '../views/live-tree';
import { type ForwardProfile, type ForwardsRef, buildForwardsTree } from './forwards-model';
import { onDidChangeProfiles, readProfiles } from './profiles';

/**
 * The Port Forwards view over the agent's `forwards` topic. The agent owns the forwards, so a reloaded
 * window finds them as they are; the view only draws them (and redraws every few seconds while visible,
 * so "probed N s ago" stays true).
 */
export class ForwardsView implements vscode.Disposable {
  private readonly scope = new Scope();
  readonly tree: LiveTree<ForwardsRef>;
  private readonly store: TopicStore<'forwards'>;
  private profiles: ForwardProfile[] = [];

  constructor(
    private readonly supervisor: Supervisor,
    log: vscode.LogOutputChannel,
  ) {
    this.tree = this.scope.add(new LiveTree<ForwardsRef>(() => this.build()));
    this.store = this.scope.add(new TopicStore(supervisor.client, 'forwards', {}));
    const view = this.scope.add(
      vscode.window.createTreeView<NodeHandle>('slipway.forwards', { treeDataProvider: this.tree }),
    );
    const invalidate = (): void => this.tree.invalidate();
    const loadProfiles = (): void => {
      const { profiles, problems } = readProfiles();
      this.profiles = profiles;
      for (const p of problems) log.warn(`Ignoring a saved forward profile: ${p}.`);
      invalidate();
    };
    loadProfiles();
    this.scope.add(this.store.onDidChange(invalidate));
    this.scope.add(supervisor.onDidChangeState(invalidate));
    this.scope.add(onDidChangeProfiles(loadProfiles));
    const timer = setInterval(() => {
      if (view.visible && this.store.items('forwards').length > 0) invalidate();
    }, 5000);
    this.scope.defer(() => clearInterval(timer));
  }

  forwards(): ForwardInfo[] {
    return this.store.items('forwards');
  }

  private build(): ReturnType<typeof buildForwardsTree> {
    return buildForwardsTree({
      agent: this.supervisor.state,
      loaded: this.store.loaded,
      forwards: this.store.items('forwards'),
      profiles: this.profiles,
      now: Date.now(),
    });
  }

  dispose(): void {
    this.scope.dispose();
  }
}
