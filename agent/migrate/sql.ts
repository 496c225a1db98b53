/*
 * Reading migration SQL the way PostgreSQL will: statements split at top-level semicolons (quotes, quoted
 * identifiers, dollar quotes and comments respected), each with its line, its words without comments, and
 * what it needs: whether it may run inside a transaction and which table lock it takes.
 */

export interface Statement {
  /** The statement as written, without its terminating semicolon. */
  text: string;
  /** 1-based line of its first character (after leading comments). */
  line: number;
  /** Comments removed and whitespace collapsed, as written otherwise: for reading its shape. */
  words: string;
}

/** Splits a script into statements; empty statements (`;;`, comments alone) are dropped. */
export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  let i = 0;
  let line = 1;
  let start = -1;
  let startLine = 1;
  let words = '';
  const n = sql.length;
  const flush = (end: number): void => {
    if (start >= 0) {
      const text = sql.slice(start, end).trimEnd();
      const w = words.trim();
      if (w !== '') out.push({ text, line: startLine, words: w });
    }
    start = -1;
    words = '';
  };
  // Whitespace and comments outside quotes collapse to one space; quoted text stays as written.
  const space = (): void => {
    if (words !== '' && !words.endsWith(' ')) words += ' ';
  };
  const begin = (): void => {
    if (start < 0) {
      start = i;
      startLine = line;
    }
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      space();
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
      space();
      continue;
    }
    if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      while (i < n) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else {
          if (sql[i] === '\n') line++;
          i++;
        }
      }
      space();
      continue;
    }
    if (c === ';') {
      flush(i);
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      space();
      i++;
      continue;
    }
    begin();
    if (c === "'" || c === '"') {
      // E'…' strings take backslash escapes; '' and "" double the quote everywhere.
      const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      const from = i;
      i++;
      while (i < n) {
        if (sql[i] === '\n') line++;
        if (escapes && sql[i] === '\\') {
          i += 2;
          continue;
        }
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      words += sql.slice(from, i);
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m !== null && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        const body = sql.slice(i, end);
        for (const ch of body) if (ch === '\n') line++;
        words += body;
        i = end;
        continue;
      }
    }
    words += c;
    i++;
  }
  flush(n);
  return out;
}

const upper = (s: Statement): string => s.words.toUpperCase();

/** Transaction control a file may carry for psql; Slipway gives each migration its own transaction. */
export function isTransactionControl(s: Statement): boolean {
  return /^(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK)( (WORK|TRANSACTION))?$/.test(upper(s));
}

/**
 * Why a statement cannot run inside a transaction block, or undefined when it can. `serverVersion` is
 * PostgreSQL's server_version_num (ALTER TYPE … ADD VALUE runs in a transaction from 12 on).
 */
export function outsideTransactionReason(s: Statement, serverVersion: number): string | undefined {
  const u = upper(s);
  if (/^(CREATE (UNIQUE )?INDEX|DROP INDEX) CONCURRENTLY\b/.test(u))
    return 'builds or drops an index concurrently';
  if (/^REINDEX\b.*\bCONCURRENTLY\b/.test(u)) return 'reindexes concurrently';
  if (/^REFRESH MATERIALIZED VIEW CONCURRENTLY\b/.test(u)) return undefined;
  if (/^VACUUM\b/.test(u)) return 'VACUUM cannot run in a transaction';
  if (/^(CREATE|DROP) (DATABASE|TABLESPACE)\b/.test(u)) return 'creates or drops a database or tablespace';
  if (/^ALTER SYSTEM\b/.test(u)) return 'ALTER SYSTEM cannot run in a transaction';
  if (/^CLUSTER$/.test(u)) return 'CLUSTER of every table cannot run in a transaction';
  if (serverVersion < 120000 && /^ALTER TYPE \S+ ADD VALUE\b/.test(u)) {
    return 'ALTER TYPE … ADD VALUE cannot run in a transaction before PostgreSQL 12';
  }
  return undefined;
}

const NAME = String.raw`((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))?)`;

/** The table a statement is about, as written (possibly schema-qualified and quoted). */
export function tableOf(s: Statement): string | undefined {
  const w = s.words;
  const patterns = [
    new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${NAME}`, 'i'),
    new RegExp(
      String.raw`^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:(?:IF NOT EXISTS )?\S+ )?ON (?:ONLY )?${NAME}`,
      'i',
    ),
    new RegExp(String.raw`^(?:DROP|TRUNCATE) TABLE (?:IF EXISTS )?${NAME}`, 'i'),
    new RegExp(String.raw`^TRUNCATE (?:ONLY )?${NAME}`, 'i'),
    new RegExp(String.raw`^CREATE (?:UNLOGGED |TEMP |TEMPORARY )?TABLE (?:IF NOT EXISTS )?${NAME}`, 'i'),
    new RegExp(String.raw`^(?:UPDATE|DELETE FROM|INSERT INTO) (?:ONLY )?${NAME}`, 'i'),
    new RegExp(String.raw`^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER \S+ .*? ON ${NAME}`, 'i'),
    new RegExp(String.raw`^VACUUM (?:\([^)]*\) |FULL |ANALYZE |VERBOSE )*${NAME}`, 'i'),
    new RegExp(String.raw`^REFRESH MATERIALIZED VIEW (?:CONCURRENTLY )?${NAME}`, 'i'),
  ];
  for (const p of patterns) {
    const m = p.exec(w);
    if (m !== null) return m[1];
  }
  return undefined;
}

/** The table lock mode a statement takes (PostgreSQL's "Explicit Locking" table), if it takes one. */
export function lockOf(s: Statement): string | undefined {
  const u = upper(s);
  if (/^CREATE (UNIQUE )?INDEX CONCURRENTLY\b/.test(u)) return 'SHARE UPDATE EXCLUSIVE';
  if (/^CREATE (UNIQUE )?INDEX\b/.test(u)) return 'SHARE';
  if (/^DROP INDEX CONCURRENTLY\b/.test(u)) return 'SHARE UPDATE EXCLUSIVE';
  if (/^DROP INDEX\b/.test(u)) return 'ACCESS EXCLUSIVE';
  if (/^ALTER TABLE\b/.test(u)) {
    if (/ VALIDATE CONSTRAINT /.test(` ${u} `) || /\bSET STATISTICS\b/.test(u))
      return 'SHARE UPDATE EXCLUSIVE';
    if (/\bADD (CONSTRAINT \S+ )?FOREIGN KEY\b/.test(u) && !/\bDROP\b|\bALTER COLUMN\b/.test(u)) {
      return 'SHARE ROW EXCLUSIVE';
    }
    return 'ACCESS EXCLUSIVE';
  }
  if (/^(DROP|TRUNCATE) TABLE\b|^TRUNCATE\b/.test(u)) return 'ACCESS EXCLUSIVE';
  if (/^VACUUM\b/.test(u)) return /\bFULL\b/.test(u) ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE';
  if (/^REFRESH MATERIALIZED VIEW CONCURRENTLY\b/.test(u)) return 'EXCLUSIVE';
  if (/^REFRESH MATERIALIZED VIEW\b/.test(u)) return 'ACCESS EXCLUSIVE';
  if (/^CREATE (OR REPLACE )?(CONSTRAINT )?TRIGGER\b/.test(u)) return 'SHARE ROW EXCLUSIVE';
  if (/^(UPDATE|DELETE|INSERT|MERGE)\b/.test(u)) return 'ROW EXCLUSIVE';
  return undefined;
}

/** The index a CREATE INDEX names (needed to find an INVALID one a failed concurrent build left). */
export function createdIndexName(s: Statement): string | undefined {
  const m = new RegExp(
    String.raw`^CREATE (?:UNIQUE )?INDEX CONCURRENTLY (?:IF NOT EXISTS )?${NAME} ON\b`,
    'i',
  ).exec(s.words);
  return m?.[1];
}

/** The statement's first words, for a plan line. */
export function headline(s: Statement, words = 6): string {
  const parts = s.words.split(' ');
  return parts.slice(0, words).join(' ') + (parts.length > words ? ' …' : '');
}

/**
 * The form a Slipway checksum is taken over: line endings, trailing whitespace, blank lines and comments
 * do not count, so re-saving a file in another editor is not an edit.
 */
export function normalizedSql(sql: string): string {
  return splitStatements(sql)
    .map((s) => s.words)
    .join(';\n');
}
