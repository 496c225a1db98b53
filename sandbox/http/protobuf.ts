import { ApiError } from '../errors';
import type { JsonObject } from '../types';

/**
 * kubectl's typed clients send some bodies as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`),
 * e.g. the SelfSubjectAccessReview of `kubectl auth can-i`. The sandbox answers in JSON, which client-go
 * accepts, but must read these requests. This decodes the envelope and the few kinds kubectl sends so;
 * anything else gets a 415 that names the kind.
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, (Buffer | number)[]>;

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value: Buffer | number;
    if (wire === 0) [value, pos] = readVarint(buf, pos);
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      value = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else if (wire === 1) {
      value = buf.subarray(pos, pos + 8);
      pos += 8;
    } else if (wire === 5) {
      value = buf.subarray(pos, pos + 4);
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

function str(f: Fields, n: number): string | undefined {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

function sub(f: Fields, n: number): Fields | undefined {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? fields(v) : undefined;
}

function strings(f: Fields, names: Record<number, string>): JsonObject {
  const o: JsonObject = {};
  for (const [n, name] of Object.entries(names)) {
    const v = str(f, Number(n));
    if (v !== undefined && v !== '') o[name] = v;
  }
  return o;
}

function objectMeta(f: Fields | undefined): JsonObject {
  return f === undefined ? {} : strings(f, { 1: 'name', 2: 'generateName', 3: 'namespace' });
}

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').startsWith('application/vnd.kubernetes.protobuf');
}

export function decodeProtobufObject(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw new ApiError('BadRequest', 'the protobuf body lacks the k8s envelope');
  try {
    const unknown = fields(body.subarray(4));
    const typeMeta = sub(unknown, 1);
    const apiVersion = typeMeta === undefined ? '' : (str(typeMeta, 1) ?? '');
    const kind = typeMeta === undefined ? '' : (str(typeMeta, 2) ?? '');
    const raw = unknown.get(2)?.[0];
    const obj = Buffer.isBuffer(raw) ? fields(raw) : new Map<number, (Buffer | number)[]>();
    const metadata = objectMeta(sub(obj, 1));
    const spec = sub(obj, 2);
    switch (kind) {
      case 'SelfSubjectAccessReview': {
        const s: JsonObject = {};
        const ra = spec === undefined ? undefined : sub(spec, 1);
        const nra = spec === undefined ? undefined : sub(spec, 2);
        if (ra !== undefined)
          s['resourceAttributes'] = strings(ra, {
            1: 'namespace',
            2: 'verb',
            3: 'group',
            4: 'version',
            5: 'resource',
            6: 'subresource',
            7: 'name',
          });
        if (nra !== undefined) s['nonResourceAttributes'] = strings(nra, { 1: 'path', 2: 'verb' });
        return { apiVersion, kind, metadata, spec: s };
      }
      case 'SelfSubjectRulesReview':
        return {
          apiVersion,
          kind,
          metadata,
          spec: spec === undefined ? {} : strings(spec, { 1: 'namespace' }),
        };
      default:
        throw new ApiError(
          'UnsupportedMediaType',
          `the sandbox reads ${kind || 'this kind'} as JSON or YAML only, not protobuf`,
        );
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(
      'BadRequest',
      `the protobuf body could not be decoded: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
