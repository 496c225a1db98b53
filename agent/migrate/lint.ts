import type { LintFinding } from '../../protocol';
import { type Statement, tableOf } from './sql';

/*
 * The operations zero-downtime deploys warn against, found in a migration before it runs. Tables the
 * same migration creates are exempt: nothing reads them yet.
 */

const norm = (t: string | undefined): string => (t ?? '').replace(/"/g, '').toLowerCase();

export interface LintOptions {
  /** Whether Slipway sets lock_timeout itself for every statement (then a file need not). */
  lockTimeoutSet: boolean;
}

export function lintMigration(statements: Statement[], opts: LintOptions): LintFinding[] {
  const out: LintFinding[] = [];
  const created = new Set(
    statements
      .filter((s) => /^CREATE (UNLOGGED |TEMP |TEMPORARY )?TABLE\b/i.test(s.words))
      .map((s) => norm(tableOf(s))),
  );
  const existing = (s: Statement): boolean => !created.has(norm(tableOf(s)));
  let setsLockTimeout = false;
  let heavyLock: Statement | undefined;
  for (const s of statements) {
    const u = s.words.toUpperCase();
    const add = (rule: LintFinding['rule'], message: string): void => {
      out.push({ rule, line: s.line, message });
    };
    if (/^SET (LOCAL )?LOCK_TIMEOUT\b/.test(u)) setsLockTimeout = true;
    if (/^CREATE (UNIQUE )?INDEX\b/.test(u) && !/ CONCURRENTLY /.test(` ${u} `) && existing(s)) {
      add(
        'index-not-concurrent',
        `CREATE INDEX on ${tableOf(s) ?? 'an existing table'} blocks writes while it builds; use CREATE INDEX CONCURRENTLY.`,
      );
    }
    if (!/^ALTER TABLE\b/.test(u) || !existing(s)) continue;
    heavyLock ??= s;
    const table = tableOf(s) ?? 'the table';
    if (/\bADD (COLUMN )?(IF NOT EXISTS )?\S+ .*\bNOT NULL\b/.test(u) && !/\bDEFAULT\b/.test(u)) {
      add(
        'not-null-without-default',
        `Adding a NOT NULL column without a DEFAULT to ${table} fails on existing rows and breaks running code that inserts without it; add it nullable or with a DEFAULT.`,
      );
    }
    if (/\bRENAME COLUMN\b/.test(u) || /\bRENAME (?!TO\b)\S+ TO\b/.test(u)) {
      add(
        'column-rename',
        `Renaming a column of ${table} breaks the running version that still uses the old name; add the new column, backfill, and drop the old one in a later release.`,
      );
    } else if (/\bRENAME TO\b/.test(u)) {
      add(
        'table-rename',
        `Renaming ${table} breaks the running version; create a view with the old name or rename in a later release.`,
      );
    }
    const dropsColumn =
      /\bDROP COLUMN\b/.test(u) ||
      /(^ALTER TABLE (IF EXISTS )?(ONLY )?\S+|,) DROP (?!CONSTRAINT\b|DEFAULT\b|NOT\b|IDENTITY\b|EXPRESSION\b)\S+/.test(
        u,
      );
    if (dropsColumn) {
      add(
        'column-drop',
        `Dropping a column of ${table} breaks the running version that still reads it; stop using it first and drop it in a later release.`,
      );
    }
    if (/\bALTER (COLUMN )?\S+ (SET DATA )?TYPE\b/.test(u)) {
      add(
        'column-type-change',
        `Changing a column type of ${table} rewrites the table under an ACCESS EXCLUSIVE lock and can break readers; add a new column and migrate instead.`,
      );
    }
    if (/\bADD (CONSTRAINT \S+ )?(FOREIGN KEY|CHECK)\b/.test(u) && !/\bNOT VALID\b/.test(u)) {
      add(
        'constraint-without-not-valid',
        `Adding a constraint to ${table} scans it under lock; add it NOT VALID, then VALIDATE CONSTRAINT in a separate step.`,
      );
    }
  }
  for (const s of statements) {
    if (/^DROP TABLE\b/i.test(s.words) && existing(s)) {
      out.push({
        rule: 'table-drop',
        line: s.line,
        message: `Dropping ${tableOf(s) ?? 'a table'} breaks the running version if it still uses it; drop it a release after the code stops.`,
      });
    }
  }
  if (heavyLock !== undefined && !opts.lockTimeoutSet && !setsLockTimeout) {
    out.push({
      rule: 'missing-lock-timeout',
      line: heavyLock.line,
      message:
        'ALTER TABLE waits for its lock behind long queries and blocks everything queued after it; SET lock_timeout (for example 5s) first.',
    });
  }
  return out.sort((a, b) => a.line - b.line);
}
