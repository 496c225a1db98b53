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

// Whitespace, and the byte-order mark some editors put first (Flyway and psql skip it too).
const SPACE = new Set([32, 9, 10, 11, 12, 13, 0xfeff]);
const isWordCode = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;

/** Splits a script into statements; empty statements (`;;`, comments alone) are dropped. */
export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  const n = sql.length;
  let i = 0;
  let line = 1;
  let start = -1;
  let startLine = 1;
  // The statement's words: runs of text outside whitespace and comments (quoted text kept as written),
  // joined by single spaces.
  let parts: string[] = [];
  let runStart = -1;
  let gap = false;
  const closeRun = (end: number): void => {
    if (runStart >= 0) {
      parts.push(sql.slice(runStart, end));
      runStart = -1;
    }
    gap = true;
  };
  const flush = (end: number): void => {
    closeRun(end);
    if (start >= 0 && parts.length > 0) {
      out.push({ text: sql.slice(start, end).trimEnd(), line: startLine, words: parts.join('') });
    }
    start = -1;
    parts = [];
    gap = false;
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (SPACE.has(c)) {
      closeRun(i);
      if (c === 10) line++;
      i++;
      continue;
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      // -- comment to the end of the line
      closeRun(i);
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      // /* comment */, nested as PostgreSQL nests them
      closeRun(i);
      let depth = 0;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d === 47 && sql.charCodeAt(i + 1) === 42) {
          depth++;
          i += 2;
        } else if (d === 42 && sql.charCodeAt(i + 1) === 47) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else {
          if (d === 10) line++;
          i++;
        }
      }
      continue;
    }
    if (c === 59) {
      flush(i);
      i++;
      continue;
    }
    if (start < 0) {
      start = i;
      startLine = line;
    }
    if (runStart < 0) {
      if (gap && parts.length > 0) parts.push(' ');
      gap = false;
      runStart = i;
    }
    if (c === 39 || c === 34) {
      // '…' and "…" double their quote; E'…' strings also take backslash escapes.
      const prev = sql.charCodeAt(i - 1);
      const escapes = c === 39 && (prev === 69 || prev === 101) && !isWordCode(sql.charCodeAt(i - 2));
      i++;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d === 10) line++;
        if (escapes && d === 92) {
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql.charCodeAt(i + 1) === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      continue;
    }
    if (c === 36 && !isWordCode(sql.charCodeAt(i - 1))) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m !== null) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        for (let k = i; k < end; k++) if (sql.charCodeAt(k) === 10) line++;
        i = end;
        continue;
      }
    }
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

const TABLE_PATTERNS = [
  String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${NAME}`,
  String.raw`^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:(?:IF NOT EXISTS )?\S+ )?ON (?:ONLY )?${NAME}`,
  String.raw`^(?:DROP|TRUNCATE) TABLE (?:IF EXISTS )?${NAME}`,
  String.raw`^TRUNCATE (?:ONLY )?${NAME}`,
  String.raw`^CREATE (?:UNLOGGED |TEMP |TEMPORARY )?TABLE (?:IF NOT EXISTS )?${NAME}`,
  String.raw`^(?:UPDATE|DELETE FROM|INSERT INTO) (?:ONLY )?${NAME}`,
  String.raw`^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER \S+ .*? ON ${NAME}`,
  String.raw`^VACUUM (?:\([^)]*\) |FULL |ANALYZE |VERBOSE )*${NAME}`,
  String.raw`^REFRESH MATERIALIZED VIEW (?:CONCURRENTLY )?${NAME}`,
].map((p) => new RegExp(p, 'i'));

/** The table a statement is about, as written (possibly schema-qualified and quoted). */
export function tableOf(s: Statement): string | undefined {
  for (const p of TABLE_PATTERNS) {
    const m = p.exec(s.words);
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
const CREATED_INDEX = new RegExp(
  String.raw`^CREATE (?:UNIQUE )?INDEX CONCURRENTLY (?:IF NOT EXISTS )?${NAME} ON\b`,
  'i',
);

export function createdIndexName(s: Statement): string | undefined {
  return CREATED_INDEX.exec(s.words)?.[1];
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
