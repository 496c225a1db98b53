import { createHash } from 'node:crypto';
import { normalizedSql } from './sql';

/*
 * The checksums each tool records for a migration file, computed exactly as the tool does, so a
 * compatible-mode history row matches what the tool itself would have written.
 */

/** sqlx: SHA-384 of the up-script's bytes, stored as BYTEA; shown as hex. */
export function sqlxChecksum(content: Buffer): Buffer {
  return createHash('sha384').update(content).digest();
}

/** Prisma: SHA-256 of migration.sql's bytes, as 64 lower-case hex digits. */
export function prismaChecksum(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return c;
}

/**
 * Flyway: CRC-32 over the file read line by line as Java's BufferedReader.readLine gives them (line
 * endings \n, \r\n and \r dropped, a leading byte-order mark removed), each line's UTF-8 bytes in turn;
 * stored as a signed 32-bit INTEGER.
 */
export function flywayChecksum(content: Buffer): number {
  let text = content.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\r|\n/);
  // readLine yields no final empty line after a trailing line ending.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let crc = 0xffffffff;
  for (const line of lines) crc = crc32Update(crc, Buffer.from(line, 'utf8'));
  return (crc ^ 0xffffffff) | 0;
}

/** Slipway: SHA-256 of the normalized SQL (see normalizedSql), as hex. */
export function slipwayChecksum(content: Buffer): string {
  return createHash('sha256')
    .update(normalizedSql(content.toString('utf8')))
    .digest('hex');
}
