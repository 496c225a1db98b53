import type { DeployMarker, WorkloadRef } from '../../protocol';
import { deployMarkers } from '../logs/markers';
import { type ReleasesRef, buildReleasesTree } from './releases-model';
import { type ScopedViewDeps, ScopedTopicView, currentViewScope } from './scoped-view';
import type { TreeModel } from './tree-model';

export class ReleasesView extends ScopedTopicView<'releases', ReleasesRef> {
  constructor(deps: ScopedViewDeps) {
    super('slipway.releases', 'releases', deps);
  }

  /**
   * The workload's releases as markers for the log and metric panels, from what the view holds (empty
   * while it looks at another context or namespace).
   */
  markers(context: string, namespace: string, workload: WorkloadRef): DeployMarker[] {
    const s = this.store.current;
    const scope = currentViewScope(this.deps.selection);
    if (s === undefined || scope?.context !== context) return [];
    return deployMarkers(namespace, workload, s.items('revisions'), s.items('helm'));
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
