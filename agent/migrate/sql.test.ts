import assert from 'node:assert/strict';
import { flywayChecksum, slipwayChecksum } from './checksums';
import { createdIndexName, lockOf, outsideTransactionReason, splitStatements, tableOf } from './sql';

describe('migration SQL', () => {
  it('splits at top-level semicolons only, with each statement’s line', () => {
    const sql = [
      '-- header; not a statement',
      "INSERT INTO t VALUES ('a;b', E'it\\'s;', \"odd;name\");",
      '/* block; /* nested; */ still comment; */',
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$',
      'BEGIN RETURN 1; END;',
      '$body$;',
      ';;',
      'SELECT $$x;y$$, 1',
    ].join('\n');
    const s = splitStatements(sql);
    assert.deepEqual(
      s.map((x) => x.line),
      [2, 4, 8],
    );
    assert.equal(s[0]!.text, "INSERT INTO t VALUES ('a;b', E'it\\'s;', \"odd;name\")");
    assert.match(s[1]!.text, /BEGIN RETURN 1; END;\n\$body\$$/);
    assert.equal(s[2]!.words, 'SELECT $$x;y$$, 1');
  });

  it('knows what cannot run in a transaction, which lock a statement takes, and on which table', () => {
    const one = (sql: string) => splitStatements(sql)[0]!;
    assert.match(
      outsideTransactionReason(one('create unique index concurrently i on t (a)'), 150000) ?? '',
      /concurrently/,
    );
    assert.equal(outsideTransactionReason(one('CREATE INDEX i ON t (a)'), 150000), undefined);
    assert.equal(outsideTransactionReason(one("ALTER TYPE mood ADD VALUE 'meh'"), 150000), undefined);
    assert.match(
      outsideTransactionReason(one("ALTER TYPE mood ADD VALUE 'meh'"), 110000) ?? '',
      /before PostgreSQL 12/,
    );
    assert.match(outsideTransactionReason(one('VACUUM ANALYZE t'), 150000) ?? '', /VACUUM/);
    assert.equal(lockOf(one('ALTER TABLE "Order" ADD COLUMN x int')), 'ACCESS EXCLUSIVE');
    assert.equal(tableOf(one('ALTER TABLE "Order" ADD COLUMN x int')), '"Order"');
    assert.equal(lockOf(one('ALTER TABLE t VALIDATE CONSTRAINT c')), 'SHARE UPDATE EXCLUSIVE');
    assert.equal(lockOf(one('CREATE INDEX i ON shop.t (a)')), 'SHARE');
    assert.equal(tableOf(one('CREATE INDEX i ON shop.t (a)')), 'shop.t');
    assert.equal(lockOf(one('UPDATE t SET a = 1')), 'ROW EXCLUSIVE');
    assert.equal(lockOf(one('CREATE TABLE t (a int)')), undefined);
    assert.equal(
      createdIndexName(one('CREATE INDEX CONCURRENTLY IF NOT EXISTS "Big_Idx" ON t (a)')),
      '"Big_Idx"',
    );
  });

  it('checksums: Flyway’s CRC-32 ignores line endings and a BOM; Slipway’s also comments and spacing', () => {
    // Python's zlib.crc32(b'SELECT 1;SELECT 2;') as a signed 32-bit int: the lines without their endings.
    const expected = -1665099012;
    assert.equal(flywayChecksum(Buffer.from('SELECT 1;\nSELECT 2;\n')), expected);
    assert.equal(flywayChecksum(Buffer.from('SELECT 1;\r\nSELECT 2;\r\n')), expected);
    assert.equal(flywayChecksum(Buffer.from('\ufeffSELECT 1;\nSELECT 2;')), expected);
    assert.notEqual(flywayChecksum(Buffer.from('SELECT 1; SELECT 2;')), expected);
    assert.equal(flywayChecksum(Buffer.from('')), 0);
    const a = slipwayChecksum(Buffer.from('CREATE TABLE t (a int);\n'));
    assert.equal(slipwayChecksum(Buffer.from('-- note\r\nCREATE  TABLE t (a int) ;  \r\n\r\n')), a);
    assert.notEqual(
      slipwayChecksum(Buffer.from("CREATE TABLE t (a int DEFAULT 'x  y');")),
      slipwayChecksum(Buffer.from("CREATE TABLE t (a int DEFAULT 'x y');")),
    );
  });
});
