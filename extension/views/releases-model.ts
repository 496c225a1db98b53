import type {
  AgentError,
  HelmRevision,
  MigrationEntry,
  MigrationStatus,
  RolloutRevision,
  WorkloadKind,
} from '../../protocol';
import { COLOR_OK, formatAge, joinParts, plural, shortImage } from './format';
import { type AgentStatus, type ViewScope, addPreamble, inWhere, messageNode } from './placeholders';
import { TreeBuilder, type TreeModel } from './tree-model';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** What commands on a Releases row act on. */
export type ReleasesRef =
  | { kind: 'namespace'; context: string; namespace: string }
  | { kind: 'workload'; context: string; workload: WorkloadRef }
  | { kind: 'revision'; context: string; revision: RolloutRevision }
  | { kind: 'helmRelease'; context: string; namespace: string; release: string; revisions: HelmRevision[] }
  | { kind: 'helmRevision'; context: string; revision: HelmRevision; current: boolean }
  | { kind: 'migrations'; context: string; workspace: string; env: string; service: string }
  | {
      kind: 'migration';
      context: string;
      workspace: string;
      env: string;
      service: string;
      entry: MigrationEntry;
      directory: string;
    };

/** A workload's migration set, as the Releases view shows it under the workload. */
export interface MigrationsRow {
  workspace: string;
  env: string;
  service: string;
  loading: boolean;
  status?: MigrationStatus;
  error?: AgentError;
}

export interface ReleasesData {
  loaded: boolean;
  error: AgentError | null;
  revisions: readonly RolloutRevision[];
  helm: readonly HelmRevision[];
}

export interface ReleasesInput {
  agent: AgentStatus;
  scope: ViewScope | undefined;
  kubeconfig: { loaded: boolean; error: AgentError | null };
  data: ReleasesData | undefined;
  now: number;
  /** The migration set of a workload, when slipway.yaml gives it one in this context and namespace. */
  migrations?: (workload: WorkloadRef) => MigrationsRow | undefined;
}

const MIGRATION_ICONS: Record<MigrationEntry['state'], { id: string; color?: string }> = {
  applied: { id: 'pass', color: COLOR_OK },
  pending: { id: 'circle-large-outline' },
  'out-of-order': { id: 'warning', color: 'list.warningForeground' },
  missing: { id: 'question', color: 'list.warningForeground' },
  edited: { id: 'error', color: 'list.errorForeground' },
  partial: { id: 'debug-pause', color: 'list.warningForeground' },
};

/** The Migrations row under a workload and, below it, what is not simply applied. */
function addMigrations(b: TreeBuilder<ReleasesRef>, parent: string, context: string, m: MigrationsRow): void {
  const base = { context, workspace: m.workspace, env: m.env, service: m.service };
  const s = m.status;
  const edited = s?.entries.filter((e) => e.state === 'edited').length ?? 0;
  const description =
    s !== undefined
      ? joinParts([
          s.current === undefined ? 'none applied' : `at ${s.current}`,
          s.pending > 0 ? `${s.pending} pending` : 'up to date',
          edited > 0 && `${edited} edited`,
          m.loading && 'refreshing…',
        ])
      : m.error !== undefined
        ? 'cannot read'
        : 'loading…';
  const tooltip =
    s !== undefined
      ? `${s.layout} migrations in ${s.directory}\nHistory ${s.history.table} on ${s.database.user}@${s.database.host}:${s.database.port}/${s.database.database}${s.database.via === undefined ? '' : ` via ${s.database.via}`}\nEnvironment ${m.env}, service ${m.service}`
      : (m.error?.message ?? `Reading the migrations of ${m.service} in ${m.env}…`);
  const id = b.add(parent, {
    id: `${parent}|migrations`,
    label: 'Migrations',
    description,
    tooltip,
    icon: { id: m.error !== undefined && s === undefined ? 'warning' : 'database' },
    contextValue: 'migrations',
    ref: { kind: 'migrations', ...base },
  });
  if (s === undefined) return;
  const shown = s.entries.filter((e) => e.state !== 'applied' || e.version === s.current);
  for (const e of shown) {
    const name = e.version === '' ? e.description : e.version;
    b.add(id, {
      id: `${id}|${e.repeatable === true ? `R:${e.description}` : e.version}`,
      label: name,
      description: joinParts([
        e.state === 'applied' ? 'current' : e.state,
        e.version === '' ? undefined : e.description,
        e.lint.length > 0 && plural(e.lint.length, 'warning'),
      ]),
      tooltip: [
        `${e.file ?? name}: ${e.state}`,
        `${plural(e.statements, 'statement')}${e.transaction === 'split' ? ', partly outside a transaction' : ''}`,
        ...e.locks.map(
          (l) => `line ${l.line}: ${l.lock}${l.table === undefined ? '' : ` on ${l.table}`} (${l.statement})`,
        ),
        ...e.lint.map((l) => `⚠ line ${l.line}: ${l.message}`),
      ].join('\n'),
      icon: MIGRATION_ICONS[e.state],
      contextValue: `migration.${e.state}`,
      ref: { kind: 'migration', ...base, entry: e, directory: s.directory },
    });
  }
}

const CURRENT_ICON = { id: 'circle-filled', color: COLOR_OK };
const PAST_ICON = { id: 'circle-outline' };

/** The Helm revision a release runs: the deployed one, else the newest. */
export function currentHelmRevision(revisions: readonly HelmRevision[]): HelmRevision | undefined {
  const deployed = revisions.filter((r) => r.status === 'deployed');
  const pool = deployed.length > 0 ? deployed : revisions;
  return pool.reduce<HelmRevision | undefined>(
    (a, r) => (a === undefined || r.revision > a.revision ? r : a),
    undefined,
  );
}

/**
 * The Releases view: per namespace, each workload with its rollout revisions (newest first, the running
 * one marked) and each Helm release with its revisions.
 */
export function buildReleasesTree(input: ReleasesInput): TreeModel<ReleasesRef> {
  const b = new TreeBuilder<ReleasesRef>();
  const { data, scope, now } = input;
  if (
    !addPreamble(b, input, `Loading releases of ${scope?.context ?? ''}…`) ||
    data === undefined ||
    !scope
  ) {
    return b.build();
  }
  const context = scope.context;
  const workloads = new Map<string, { ref: WorkloadRef; revisions: RolloutRevision[] }>();
  for (const r of data.revisions) {
    const key = `${r.workload.kind}:${r.workload.namespace}/${r.workload.name}`;
    let w = workloads.get(key);
    if (w === undefined) workloads.set(key, (w = { ref: r.workload, revisions: [] }));
    w.revisions.push(r);
  }
  const releases = new Map<string, { namespace: string; name: string; revisions: HelmRevision[] }>();
  for (const h of data.helm) {
    const key = `${h.namespace}/${h.release}`;
    let rel = releases.get(key);
    if (rel === undefined)
      releases.set(key, (rel = { namespace: h.namespace, name: h.release, revisions: [] }));
    rel.revisions.push(h);
  }
  const namespaces = [
    ...new Set([
      ...[...workloads.values()].map((w) => w.ref.namespace),
      ...[...releases.values()].map((r) => r.namespace),
    ]),
  ].sort();
  if (namespaces.length === 0) {
    if (data.error === null) b.add(undefined, messageNode('empty', `No releases in ${inWhere(scope)}`));
    return b.build();
  }
  for (const ns of namespaces) {
    const ws = [...workloads.entries()]
      .filter(([, w]) => w.ref.namespace === ns)
      .sort(([, x], [, y]) => x.ref.name.localeCompare(y.ref.name) || x.ref.kind.localeCompare(y.ref.kind));
    const rels = [...releases.values()]
      .filter((r) => r.namespace === ns)
      .sort((x, y) => x.name.localeCompare(y.name));
    const nsId = b.add(undefined, {
      id: `ns:${ns}`,
      label: ns,
      description: joinParts([
        plural(ws.length, 'workload'),
        rels.length > 0 && plural(rels.length, 'Helm release'),
      ]),
      icon: { id: 'symbol-namespace' },
      contextValue: 'namespace',
      expanded: scope.namespace !== undefined,
      ref: { kind: 'namespace', context, namespace: ns },
    });
    for (const [key, w] of ws) {
      const revisions = [...w.revisions].sort((x, y) => y.revision - x.revision);
      const current = revisions.find((r) => r.current);
      const wid = b.add(nsId, {
        id: `w:${key}`,
        label: w.ref.name,
        description: joinParts([w.ref.kind, current !== undefined && `revision ${current.revision}`]),
        tooltip: `${w.ref.kind} ${w.ref.namespace}/${w.ref.name}\n${plural(revisions.length, 'revision')}`,
        icon: { id: 'history' },
        contextValue: `workload.${w.ref.kind}`,
        ref: { kind: 'workload', context, workload: w.ref },
      });
      const m = input.migrations?.(w.ref);
      if (m !== undefined) addMigrations(b, wid, context, m);
      for (const r of revisions) {
        b.add(wid, {
          id: `${wid}|rev:${r.revision}`,
          label: `#${r.revision}`,
          description: joinParts([
            r.current && 'current',
            r.images.map(shortImage).join(', '),
            formatAge(r.createdAt, now),
            r.changeCause,
          ]),
          tooltip: [
            `Revision ${r.revision} of ${w.ref.kind} ${w.ref.namespace}/${w.ref.name}${r.current ? ' (running)' : ''}`,
            `Images: ${r.images.join(', ')}`,
            r.changeCause === undefined ? undefined : `Change cause: ${r.changeCause}`,
            `Created ${formatAge(r.createdAt, now)} ago from ${r.source}`,
          ]
            .filter((l) => l !== undefined)
            .join('\n'),
          icon: r.current ? CURRENT_ICON : PAST_ICON,
          contextValue: r.current ? 'revision.current' : 'revision',
          ref: { kind: 'revision', context, revision: r },
        });
      }
    }
    for (const rel of rels) {
      const revisions = [...rel.revisions].sort((x, y) => y.revision - x.revision);
      const current = currentHelmRevision(revisions);
      const rid = b.add(nsId, {
        id: `helm:${ns}/${rel.name}`,
        label: rel.name,
        description: joinParts([
          'Helm',
          current?.status,
          current !== undefined && `${current.chart}-${current.chartVersion}`,
          current !== undefined && current.appVersion !== '' && `app ${current.appVersion}`,
        ]),
        tooltip: `Helm release ${ns}/${rel.name}\n${plural(revisions.length, 'revision')}`,
        icon: { id: 'package' },
        contextValue: 'helmRelease',
        ref: { kind: 'helmRelease', context, namespace: ns, release: rel.name, revisions },
      });
      for (const h of revisions) {
        const isCurrent = h === current;
        b.add(rid, {
          id: `${rid}|rev:${h.revision}`,
          label: `#${h.revision}`,
          description: joinParts([
            h.status,
            `${h.chart}-${h.chartVersion}`,
            h.appVersion !== '' && `app ${h.appVersion}`,
            formatAge(h.updatedAt, now),
          ]),
          tooltip: [
            `Revision ${h.revision} of Helm release ${ns}/${rel.name}${isCurrent ? ' (running)' : ''}`,
            `Chart ${h.chart} ${h.chartVersion}, app version ${h.appVersion}`,
            `Status ${h.status}, updated ${formatAge(h.updatedAt, now)} ago`,
            h.description,
          ].join('\n'),
          icon: isCurrent ? CURRENT_ICON : PAST_ICON,
          contextValue: isCurrent ? 'helmRevision.current' : 'helmRevision',
          ref: { kind: 'helmRevision', context, revision: h, current: isCurrent },
        });
      }
    }
  }
  return b.build();
}
