/**
 * Protocol buffer encoding of the Swagger 2.0 document, in gnostic's openapi_v2.Document message
 * (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), which is what client-go's
 * DiscoveryClient.OpenAPISchema insists on: it sends
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and proto-decodes whatever comes
 * back. kubectl needs that document for client-side validation when server-side validation does not
 * apply (`kind: List` manifests, create-only kinds) and for `explain --output=plaintext-openapiv2`.
 *
 * Only the parts of the message our JSON document uses are encoded. Free-form values (vendor extensions,
 * default, enum, example) travel as openapi_v2.Any with their `yaml` field set to JSON text, which is
 * valid YAML and is how kube-openapi reads them back.
 */
import { type Json, type JsonObject, isJsonObject } from '../types';

type Chunk = Uint8Array;

const encoder = new TextEncoder();

function varint(value: number | bigint): Chunk {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

function concat(chunks: readonly Chunk[]): Chunk {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** A message under construction: fields are appended in order and joined at the end. */
class Message {
  private readonly chunks: Chunk[] = [];

  bytes(field: number, value: Chunk): this {
    this.chunks.push(varint((field << 3) | 2), varint(value.length), value);
    return this;
  }

  string(field: number, value: Json | undefined): this {
    if (typeof value === 'string' && value !== '') this.bytes(field, encoder.encode(value));
    return this;
  }

  strings(field: number, values: Json | undefined): this {
    if (Array.isArray(values))
      for (const v of values) if (typeof v === 'string') this.bytes(field, encoder.encode(v));
    return this;
  }

  /** Writes true, and false only when `explicit` (a oneof member must be present to be chosen). */
  bool(field: number, value: Json | undefined, explicit = false): this {
    if (value === true || (value === false && explicit))
      this.chunks.push(varint(field << 3), varint(value ? 1 : 0));
    return this;
  }

  int64(field: number, value: Json | undefined): this {
    if (typeof value === 'number' && Number.isInteger(value))
      this.chunks.push(varint(field << 3), varint(value));
    return this;
  }

  double(field: number, value: Json | undefined): this {
    if (typeof value !== 'number') return this;
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, value, true);
    this.chunks.push(varint((field << 3) | 1), new Uint8Array(buf.buffer));
    return this;
  }

  message(field: number, value: Message | undefined): this {
    if (value !== undefined) this.bytes(field, value.finish());
    return this;
  }

  finish(): Chunk {
    return concat(this.chunks);
  }
}

function object(value: Json | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

/** openapi_v2.Any carrying a value as YAML (JSON text). */
function anyValue(value: Json): Message {
  return new Message().string(2, JSON.stringify(value));
}

/** The `x-` keys of an object as repeated NamedAny. */
function vendorExtensions(msg: Message, field: number, obj: JsonObject): Message {
  for (const [name, value] of Object.entries(obj)) {
    if (name.startsWith('x-')) msg.message(field, new Message().string(1, name).message(2, anyValue(value)));
  }
  return msg;
}

function schema(s: JsonObject): Message {
  const m = new Message()
    .string(1, s['$ref'])
    .string(2, s['format'])
    .string(3, s['title'])
    .string(4, s['description']);
  if (s['default'] !== undefined) m.message(5, anyValue(s['default']));
  m.double(6, s['multipleOf']).double(7, s['maximum']).bool(8, s['exclusiveMaximum']);
  m.double(9, s['minimum']).bool(10, s['exclusiveMinimum']);
  m.int64(11, s['maxLength']).int64(12, s['minLength']).string(13, s['pattern']);
  m.int64(14, s['maxItems']).int64(15, s['minItems']).bool(16, s['uniqueItems']);
  m.int64(17, s['maxProperties']).int64(18, s['minProperties']).strings(19, s['required']);
  const enumValues = s['enum'];
  if (Array.isArray(enumValues)) for (const v of enumValues) m.message(20, anyValue(v));
  m.message(21, additionalProperties(s['additionalProperties']));
  const type = s['type'];
  if (type !== undefined) m.message(22, new Message().strings(1, Array.isArray(type) ? type : [type]));
  if (isJsonObject(s['items'])) m.message(23, new Message().message(1, schema(s['items'])));
  const allOf = s['allOf'];
  if (Array.isArray(allOf)) for (const sub of allOf) m.message(24, schema(object(sub)));
  if (isJsonObject(s['properties'])) m.message(25, namedSchemas(s['properties']));
  m.string(26, s['discriminator']).bool(27, s['readOnly']);
  if (s['example'] !== undefined) m.message(30, anyValue(s['example']));
  return vendorExtensions(m, 31, s);
}

function additionalProperties(value: Json | undefined): Message | undefined {
  if (isJsonObject(value)) return new Message().message(1, schema(value));
  if (typeof value === 'boolean') return new Message().bool(2, value, true);
  return undefined;
}

/** Properties / Definitions: repeated NamedSchema in field 1. */
function namedSchemas(map: JsonObject): Message {
  const m = new Message();
  for (const [name, value] of Object.entries(map)) {
    m.message(1, new Message().string(1, name).message(2, schema(object(value))));
  }
  return m;
}

function parameter(p: JsonObject): Message {
  if (p['in'] === 'body') {
    const body = new Message().string(1, p['description']).string(2, p['name']).string(3, p['in']);
    body.bool(4, p['required']).message(5, schema(object(p['schema'])));
    return new Message().message(1, body);
  }
  // Query and path parameter sub-schemas number their fields differently after `name`.
  const isQuery = p['in'] === 'query';
  const sub = new Message()
    .bool(1, p['required'])
    .string(2, p['in'])
    .string(3, p['description'])
    .string(4, p['name']);
  sub.string(isQuery ? 6 : 5, p['type']).bool(isQuery ? 20 : 19, p['uniqueItems']);
  return new Message().message(2, new Message().message(isQuery ? 3 : 4, sub));
}

function parameters(msg: Message, field: number, list: Json | undefined): void {
  if (!Array.isArray(list)) return;
  for (const p of list) msg.message(field, new Message().message(1, parameter(object(p))));
}

function responses(map: JsonObject): Message {
  const m = new Message();
  for (const [code, value] of Object.entries(map)) {
    const r = object(value);
    const response = new Message().string(1, r['description']);
    if (isJsonObject(r['schema'])) response.message(2, new Message().message(1, schema(r['schema'])));
    m.message(1, new Message().string(1, code).message(2, new Message().message(1, response)));
  }
  return m;
}

function operation(op: JsonObject): Message {
  const m = new Message().strings(1, op['tags']).string(3, op['description']).string(5, op['operationId']);
  m.strings(6, op['produces']).strings(7, op['consumes']);
  parameters(m, 8, op['parameters']);
  m.message(9, responses(object(op['responses']))).strings(10, op['schemes']);
  return vendorExtensions(m, 13, op);
}

const METHOD_FIELDS: Readonly<Record<string, number>> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

function pathItem(item: JsonObject): Message {
  const m = new Message();
  for (const [method, field] of Object.entries(METHOD_FIELDS)) {
    if (isJsonObject(item[method])) m.message(field, operation(item[method]));
  }
  parameters(m, 9, item['parameters']);
  return vendorExtensions(m, 10, item);
}

function paths(map: JsonObject): Message {
  const m = new Message();
  for (const [path, item] of Object.entries(map)) {
    m.message(2, new Message().string(1, path).message(2, pathItem(object(item))));
  }
  return m;
}

function securityDefinitions(map: JsonObject): Message {
  const m = new Message();
  for (const [name, value] of Object.entries(map)) {
    const d = object(value);
    const apiKey = new Message()
      .string(1, d['type'])
      .string(2, d['name'])
      .string(3, d['in'])
      .string(4, d['description']);
    m.message(1, new Message().string(1, name).message(2, new Message().message(2, apiKey)));
  }
  return m;
}

function securityRequirement(req: JsonObject): Message {
  const m = new Message();
  for (const [name, scopes] of Object.entries(req)) {
    m.message(1, new Message().string(1, name).message(2, new Message().strings(1, scopes)));
  }
  return m;
}

/** The openapi_v2.Document encoding of a Swagger 2.0 JSON document. */
export function encodeSwaggerDocument(doc: JsonObject): Uint8Array {
  const info = object(doc['info']);
  const m = new Message()
    .string(1, doc['swagger'])
    .message(2, new Message().string(1, info['title']).string(2, info['version']))
    .message(8, paths(object(doc['paths'])))
    .message(9, namedSchemas(object(doc['definitions'])));
  const security = doc['security'];
  if (Array.isArray(security)) for (const req of security) m.message(12, securityRequirement(object(req)));
  m.message(13, securityDefinitions(object(doc['securityDefinitions'])));
  return vendorExtensions(m, 16, doc).finish();
}
