import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AgentFailure, type MigrationLayout, agentError } from '../../protocol';

/** One migration as its directory holds it. */
export interface MigrationFile {
  /** As written in the name: "20240101120000", "1.2", "0003_users". Empty for a Flyway repeatable. */
  version: string;
  description: string;
  /** The up script, relative to the directory. */
  file: string;
  content: Buffer;
  /** The down (sqlx `.down.sql`) or undo (Flyway `U…`) script, relative to the directory. */
  down?: { file: string; content: Buffer };
  /** Flyway `R__`: applied after the versioned ones, again whenever it changes. */
  repeatable: boolean;
  /** sqlx's `-- no-transaction` first line: the tool would run it outside a transaction. */
  noTransaction: boolean;
}

const invalid = (message: string): AgentFailure => new AgentFailure(agentError('INVALID', message));

const SQLX = /^(\d+)_(.+?)(\.up|\.down)?\.sql$/;
const FLYWAY = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const FLYWAY_REPEATABLE = /^R__(.+)\.sql$/;

/** Decides a directory's layout from its names: Prisma folders, Flyway prefixes, sqlx versions, or plain. */
export function detectLayout(dir: string): MigrationLayout {
  const names = listDir(dir);
  if (names.some((n) => existsSync(join(dir, n, 'migration.sql')))) return 'prisma';
  const sql = names.filter((n) => n.endsWith('.sql'));
  if (sql.length > 0 && sql.every((n) => FLYWAY.test(n) || FLYWAY_REPEATABLE.test(n))) return 'flyway';
  if (sql.length > 0 && sql.every((n) => SQLX.test(n))) return 'sqlx';
  return 'plain';
}

function listDir(dir: string): string[] {
  try {
    if (!statSync(dir).isDirectory())
      throw invalid(`${dir} is not a directory; name the migrations directory.`);
    return readdirSync(dir).sort();
  } catch (e) {
    if (e instanceof AgentFailure) throw e;
    throw invalid(
      `The migrations directory ${dir} does not exist; check --dir or the set's directory in slipway.yaml.`,
    );
  }
}

/** Compares versions as the layout orders them: numbers by value, dotted Flyway versions part by part. */
export function compareVersions(layout: MigrationLayout, a: string, b: string): number {
  if (layout === 'sqlx') {
    const d = BigInt(a) - BigInt(b);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (layout === 'flyway') {
    const pa = a.split(/[._]/).map(BigInt);
    const pb = b.split(/[._]/).map(BigInt);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const x = pa[i] ?? 0n;
      const y = pb[i] ?? 0n;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }
  // Prisma folders start with a timestamp; plain files sort naturally (digits by value).
  return a.localeCompare(b, 'en', { numeric: true });
}

function read(dir: string, file: string): Buffer {
  return readFileSync(join(dir, file));
}

function sqlxFiles(dir: string, names: string[]): MigrationFile[] {
  const byVersion = new Map<string, MigrationFile>();
  const downs = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith('.sql'))) {
    const m = SQLX.exec(name);
    if (m === null) {
      throw invalid(
        `${name} is not an sqlx migration name; use <VERSION>_<DESCRIPTION>.sql (or .up.sql/.down.sql).`,
      );
    }
    const version = String(BigInt(m[1]!));
    if (m[3] === '.down') {
      downs.set(version, name);
      continue;
    }
    if (byVersion.has(version)) {
      throw invalid(
        `Two migrations have version ${version}: ${byVersion.get(version)!.file} and ${name}; renumber one.`,
      );
    }
    const content = read(dir, name);
    byVersion.set(version, {
      version,
      description: m[2]!.replace(/_/g, ' '),
      file: name,
      content,
      repeatable: false,
      noTransaction: content.toString('utf8').startsWith('-- no-transaction'),
    });
  }
  for (const [version, file] of downs) {
    const up = byVersion.get(version);
    if (up === undefined)
      throw invalid(`${file} has no matching up migration; add ${file.replace('.down.', '.up.')}.`);
    up.down = { file, content: read(dir, file) };
  }
  return [...byVersion.values()];
}

function flywayFiles(dir: string, names: string[]): MigrationFile[] {
  const versioned = new Map<string, MigrationFile>();
  const undo = new Map<string, string>();
  const out: MigrationFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.sql'))) {
    const r = FLYWAY_REPEATABLE.exec(name);
    if (r !== null) {
      out.push({
        version: '',
        description: r[1]!.replace(/_/g, ' '),
        file: name,
        content: read(dir, name),
        repeatable: true,
        noTransaction: false,
      });
      continue;
    }
    const m = FLYWAY.exec(name);
    if (m === null) {
      throw invalid(
        `${name} is not a Flyway migration name; use V<VERSION>__<DESCRIPTION>.sql, U<VERSION>__… or R__….`,
      );
    }
    const version = m[2]!.replace(/_/g, '.');
    if (m[1] === 'U') {
      undo.set(version, name);
      continue;
    }
    const existing = [...versioned.values()].find((f) => compareVersions('flyway', f.version, version) === 0);
    if (existing !== undefined) {
      throw invalid(`Two migrations have version ${version}: ${existing.file} and ${name}; renumber one.`);
    }
    versioned.set(version, {
      version,
      description: m[3]!.replace(/_/g, ' '),
      file: name,
      content: read(dir, name),
      repeatable: false,
      noTransaction: false,
    });
  }
  for (const [version, file] of undo) {
    const up = [...versioned.values()].find((f) => compareVersions('flyway', f.version, version) === 0);
    if (up === undefined)
      throw invalid(`${file} undoes version ${version}, which has no V${version}__ migration.`);
    up.down = { file, content: read(dir, file) };
  }
  return [...versioned.values(), ...out.sort((a, b) => a.description.localeCompare(b.description))];
}

function prismaFiles(dir: string, names: string[]): MigrationFile[] {
  const out: MigrationFile[] = [];
  for (const name of names) {
    const file = join(name, 'migration.sql');
    if (!existsSync(join(dir, file))) continue;
    const m = /^(\d+)_(.+)$/.exec(name);
    out.push({
      version: name,
      description: m === null ? name : m[2]!.replace(/_/g, ' '),
      file: file.split('\\').join('/'),
      content: read(dir, file),
      repeatable: false,
      noTransaction: false,
    });
  }
  return out;
}

function plainFiles(dir: string, names: string[]): MigrationFile[] {
  return names
    .filter((n) => n.endsWith('.sql') && !n.endsWith('.down.sql'))
    .map((name) => {
      const stem = name.replace(/\.sql$/, '');
      const down = `${stem}.down.sql`;
      const f: MigrationFile = {
        version: stem,
        description: stem.replace(/^\d+[-_]?/, '').replace(/[-_]/g, ' ') || stem,
        file: name,
        content: read(dir, name),
        repeatable: false,
        noTransaction: false,
      };
      if (names.includes(down)) f.down = { file: down, content: read(dir, down) };
      return f;
    });
}

/** The directory's migrations in the order they apply (Flyway repeatables last). */
export function readMigrations(dir: string, layout: MigrationLayout): MigrationFile[] {
  const names = listDir(dir);
  const files =
    layout === 'sqlx'
      ? sqlxFiles(dir, names)
      : layout === 'flyway'
        ? flywayFiles(dir, names)
        : layout === 'prisma'
          ? prismaFiles(dir, names)
          : plainFiles(dir, names);
  const versioned = files.filter((f) => !f.repeatable);
  versioned.sort((a, b) => compareVersions(layout, a.version, b.version));
  return [...versioned, ...files.filter((f) => f.repeatable)];
}
