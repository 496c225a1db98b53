import type { MigrationEntry, MigrationStatus } from '../../protocol';

export const ahead = (e: MigrationEntry): boolean =>
  e.state === 'pending' || e.state === 'out-of-order' || e.state === 'partial';

/** The plan as the confirmation dialog shows it: each migration with its transaction mode, locks and warnings. */
export function planText(s: MigrationStatus): string {
  const lines: string[] = [
    `${s.layout} migrations in ${s.directory}`,
    `Database ${s.database.user}@${s.database.host}:${s.database.port}/${s.database.database}${s.database.via === undefined ? '' : ` (${s.database.via})`}`,
    '',
  ];
  for (const e of s.entries.filter(ahead)) {
    const mode = e.transaction === 'split' ? 'partly outside a transaction' : 'one transaction';
    const extra = e.state === 'partial' ? `, resumes after statement ${e.statementsDone ?? 0}` : '';
    lines.push(`• ${e.file ?? e.version} — ${e.state}, ${mode}${extra}`);
    for (const l of e.locks.filter((x) => x.lock !== 'ROW EXCLUSIVE')) {
      lines.push(`    line ${l.line}: ${l.lock}${l.table === undefined ? '' : ` on ${l.table}`}`);
    }
    for (const l of e.lint) lines.push(`    ⚠ line ${l.line}: ${l.message}`);
  }
  return lines.join('\n');
}
