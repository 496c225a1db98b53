import type { PodInfo, ServiceInfo, WorkloadInfo } from '../../protocol';
import { type ServicesRef, buildServicesTree } from './services-model';
import { type ScopedViewDeps, ScopedTopicView, currentViewScope } from './scoped-view';
import type { TreeModel } from './tree-model';

export class ServicesView extends ScopedTopicView<'services', ServicesRef> {
  constructor(deps: ScopedViewDeps) {
    super('slipway.services', 'services', deps);
  }

  /** The workloads the view shows now, for commands run from the palette. */
  workloads(): readonly WorkloadInfo[] {
    return this.store.current?.items('workloads') ?? [];
  }

  pods(): readonly PodInfo[] {
    return this.store.current?.items('pods') ?? [];
  }

  services(): readonly ServiceInfo[] {
    return this.store.current?.items('services') ?? [];
  }

  protected build(): TreeModel<ServicesRef> {
    const s = this.store.current;
    return buildServicesTree({
      agent: this.deps.supervisor.state,
      scope: currentViewScope(this.deps.selection),
      kubeconfig: { loaded: this.deps.kubeconfig.loaded, error: this.deps.kubeconfig.error },
      data:
        s === undefined
          ? undefined
          : {
              loaded: s.loaded,
              error: s.error,
              workloads: s.items('workloads'),
              pods: s.items('pods'),
              services: s.items('services'),
              ingresses: s.items('ingresses'),
              hpas: s.items('hpas'),
            },
      now: Date.now(),
    });
  }
}
