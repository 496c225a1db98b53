import type { DeployMarker, WorkloadRef } from '../../protocol';
import { deployMarkers } from '../logs/markers';
import type { MigrationsStore } from '../migrations/migrations-store';
import { type MigrationsRow, type ReleasesRef, buildReleasesTree } from './releases-model';
import { type ScopedViewDeps, ScopedTopicView, currentViewScope } from './scoped-view';
import type { TreeModel } from './tree-model';

export class ReleasesView extends ScopedTopicView<'releases', ReleasesRef> {
  constructor(
    deps: ScopedViewDeps,
    private readonly migrations?: MigrationsStore,
  ) {
    super('slipway.releases', 'releases', deps);
    if (migrations !== undefined) this.scope.add(migrations.onDidChange(() => this.tree.invalidate()));
  }

  private migrationsRow(context: string, w: WorkloadRef & { namespace: string }): MigrationsRow | undefined {
    const store = this.migrations;
    const ref = store?.setFor(context, w.namespace, { kind: w.kind, name: w.name });
    if (store === undefined || ref === undefined) return undefined;
    const st = store.state(ref);
    return {
      ...ref,
      loading: st.loading,
      ...(st.status === undefined ? {} : { status: st.status }),
      ...(st.error === undefined ? {} : { error: st.error }),
    };
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
    const scope = currentViewScope(this.deps.selection);
    return buildReleasesTree({
      ...(scope === undefined ? {} : { migrations: (w) => this.migrationsRow(scope.context, w) }),
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
