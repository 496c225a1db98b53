import type { DeployMarker, HelmRevision, RolloutRevision, WorkloadRef } from '../../protocol';

/**
 * The Releases timeline of one workload as markers for the log and metric panels: each rollout revision
 * when it was created (with its image and change-cause), and each Helm revision of a release named like
 * the workload. Oldest first.
 */
export function deployMarkers(
  namespace: string,
  workload: WorkloadRef,
  revisions: readonly RolloutRevision[],
  helm: readonly HelmRevision[],
): DeployMarker[] {
  const out: DeployMarker[] = [];
  for (const r of revisions) {
    if (r.workload.namespace !== namespace || r.workload.kind !== workload.kind) continue;
    if (r.workload.name !== workload.name) continue;
    const image = r.images.map((i) => i.slice(i.lastIndexOf('/') + 1)).join(', ');
    const cause = r.changeCause === undefined ? '' : ` (${r.changeCause})`;
    out.push({ at: r.createdAt, label: `Revision ${r.revision} of ${workload.name}: ${image}${cause}` });
  }
  for (const h of helm) {
    if (h.namespace !== namespace || h.release !== workload.name) continue;
    out.push({
      at: h.updatedAt,
      label: `Helm ${h.release} revision ${h.revision}: ${h.chart}-${h.chartVersion} ${h.status}`,
    });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/**
 * Posts a panel's markers when they differ from the ones it last got: the Releases view changes often
 * (every rollout status tick), its markers seldom. `always` re-sends, for a webview that (re)loaded.
 */
export function markerPoster(
  compute: () => DeployMarker[],
  post: (markers: DeployMarker[]) => void,
): (always: boolean) => void {
  let sent: string | undefined;
  return (always) => {
    const markers = compute();
    const key = JSON.stringify(markers);
    if (!always && key === sent) return;
    sent = key;
    post(markers);
  };
}
