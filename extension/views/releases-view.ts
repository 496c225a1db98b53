import { type ReleasesRef, buildReleasesTree } from './releases-model';
import { type ScopedViewDeps, ScopedTopicView, currentViewScope } from './scoped-view';
import type { TreeModel } from './tree-model';

export class ReleasesView extends ScopedTopicView<'releases', ReleasesRef> {
  constructor(deps: ScopedViewDeps) {
    super('slipway.releases', 'releases', deps);
  }

  protected build(): TreeModel<ReleasesRef> {
    const s = this.store.current;
    return buildReleasesTree({
      agent: this.deps.supervisor.state,
      scope: currentViewScope(this.deps.selection),
      kubeconfig: { loaded: this.deps.kubeconfig.loaded, error: this.deps.kubeconfig.error },
      data:
        s === undefined
          ? undefined
          : { loaded: s.loaded, error: s.error, revisions: s.items('revisions'), helm: s.items('helm') },
      now: Date.now(),
    });
  }
}
