import type { HelmRevision, RevisionInfo } from '../../protocol';
import { formatAge } from '../views/format';

export interface RevisionItem {
  label: string;
  description: string;
  detail: string;
  revision: number;
}

/** Quick Pick rows for a rollback: newest first, the current revision left out. */
export function revisionItems(revisions: readonly RevisionInfo[], now: number): RevisionItem[] {
  return [...revisions]
    .filter((r) => !r.current)
    .sort((a, b) => b.revision - a.revision)
    .map((r) => ({
      label: `Revision ${r.revision}`,
      description: r.images.join(', '),
      detail: [
        `${formatAge(r.createdAt, now)} ago`,
        r.changeCause ?? 'no change-cause',
        ...(r.deployedBy === undefined ? [] : [`by ${r.deployedBy}`]),
        ...(r.gitSha === undefined ? [] : [`git ${r.gitSha.slice(0, 7)}`]),
      ].join(' · '),
      revision: r.revision,
    }));
}

/** Quick Pick rows for a Helm rollback: newest first, the deployed revision left out. */
export function helmRevisionItems(revisions: readonly HelmRevision[], now: number): RevisionItem[] {
  return [...revisions]
    .filter((r) => r.status !== 'deployed')
    .sort((a, b) => b.revision - a.revision)
    .map((r) => ({
      label: `Revision ${r.revision}`,
      description: `${r.chart}-${r.chartVersion} · app ${r.appVersion}`,
      detail: [
        `${formatAge(r.updatedAt, now)} ago`,
        r.status,
        ...(r.description === '' ? [] : [r.description]),
      ].join(' · '),
      revision: r.revision,
    }));
}
