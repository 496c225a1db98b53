/**
 * RFC 6902 JSON Patch as the kube-apiserver applies it for `application/json-patch+json`. The real server
 * uses evanphx/json-patch v4; error texts follow that library so clients see familiar messages.
 */
import { type Json, type JsonObject, isJsonObject, clone } from '../types';

export type PatchErrorReason = 'Invalid' | 'BadRequest';

/**
 * A patch the server refuses. `reason` and `code` go straight into the Kubernetes Status. For a JSON patch
 * that fails to apply, the real server puts the generic {@link INVALID_REQUEST_MESSAGE} in Status.message
 * and this error's `message` in details.causes[0].message; everywhere else `message` is the Status message.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  readonly code: 400 | 422;

  constructor(
    readonly reason: PatchErrorReason,
    message: string,
  ) {
    super(message);
    this.code = reason === 'Invalid' ? 422 : 400;
  }
}

/** What the real server says in Status.message when a JSON patch does not apply (HTTP 422). */
export const INVALID_REQUEST_MESSAGE = 'the server rejected our request due to an error in our request';

type OpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

type Operation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: Json }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly path: string; readonly from: string };

/** Where a pointer lands: the container holding the target and the target's key within it. */
interface Location {
  readonly parent: JsonObject | Json[];
  readonly key: string;
}

/** Applies `ops` to a copy of `doc` and returns the copy; `doc` itself is never modified. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  const operations = decodeOperations(ops);
  // The root holder lets operations on the empty pointer replace the whole document like any other value.
  const holder: JsonObject = { root: doc === undefined ? null : toJson(doc) };
  for (const operation of operations) applyOperation(holder, operation);
  return holder['root'];
}

/**
 * A deep copy of a JSON value that arrived typed as unknown. Members that are undefined are left out, as
 * JSON.stringify would; anything else that JSON cannot hold is a programming error.
 */
export function toJson(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => toJson(item));
  if (typeof value === 'object') return objectToJson(value);
  throw new TypeError(`not a JSON value: ${String(value)}`);
}

function objectToJson(value: object): JsonObject {
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) setMember(out, key, toJson(member));
  }
  return out;
}

function invalid(message: string): PatchError {
  return new PatchError('Invalid', message);
}

/** Checks the whole operations list before anything is applied, so a malformed patch changes nothing. */
function decodeOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    throw new PatchError(
      'BadRequest',
      `json: cannot unmarshal ${goTypeName(ops)} into Go value of type jsonpatch.Patch`,
    );
  }
  return ops.map((raw: unknown) => decodeOperation(raw));
}

function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

function decodeOperation(raw: unknown): Operation {
  if (!isJsonObject(raw)) {
    throw new PatchError(
      'BadRequest',
      `json: cannot unmarshal ${goTypeName(raw)} into Go value of type jsonpatch.Operation`,
    );
  }
  const op = opName(raw['op']);
  const path = requiredString(raw, 'path', op);
  switch (op) {
    case 'remove':
      return { op, path };
    case 'move':
    case 'copy':
      return { op, path, from: requiredString(raw, 'from', op) };
    default:
      return { op, path, value: requiredValue(raw, op) };
  }
}

function opName(op: Json | undefined): OpName {
  switch (op) {
    case 'add':
    case 'remove':
    case 'replace':
    case 'move':
    case 'copy':
    case 'test':
      return op;
    default:
      throw invalid(`Unexpected kind: ${typeof op === 'string' ? op : 'unknown'}`);
  }
}

function requiredString(raw: JsonObject, field: 'path' | 'from', op: OpName): string {
  const value = raw[field];
  if (typeof value !== 'string') {
    throw invalid(
      `${op} operation failed to decode ${field}: operation missing ${field} field: missing value`,
    );
  }
  return value;
}

function requiredValue(raw: JsonObject, op: OpName): Json {
  const value = raw['value'];
  if (value === undefined) throw invalid(`${op} operation, missing value field: missing value`);
  return value;
}

/** The reference tokens of `pointer`, or undefined when it is not a pointer at all. */
function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  // "~1" must be decoded before "~0" so that "~01" becomes "~1" rather than "/".
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Resolves `pointer` below the root holder; undefined when a parent on the way does not exist. */
function locate(holder: JsonObject, pointer: string): Location | undefined {
  const tokens = parsePointer(pointer);
  if (tokens === undefined) return undefined;
  let location: Location = { parent: holder, key: 'root' };
  for (const token of tokens) {
    const container = read(location);
    if (!Array.isArray(container) && !isJsonObject(container)) return undefined;
    location = { parent: container, key: token };
  }
  return location;
}

function read(location: Location): Json | undefined {
  if (Array.isArray(location.parent)) {
    const index = arrayIndex(location.key);
    return index === undefined ? undefined : location.parent[index];
  }
  return getMember(location.parent, location.key);
}

/** An RFC 6901 array index: digits without leading zeros. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

function locateOrThrow(holder: JsonObject, pointer: string, describe: () => string): Location {
  const location = locate(holder, pointer);
  if (location === undefined) throw invalid(describe());
  return location;
}

function applyOperation(holder: JsonObject, operation: Operation): void {
  switch (operation.op) {
    case 'add':
      return add(holder, operation.path, clone(operation.value));
    case 'remove':
      remove(holder, operation.path);
      return;
    case 'replace':
      return replace(holder, operation.path, clone(operation.value));
    case 'move':
      return move(holder, operation.from, operation.path);
    case 'copy':
      return copy(holder, operation.from, operation.path);
    case 'test':
      return test(holder, operation.path, operation.value);
  }
}

function add(holder: JsonObject, path: string, value: Json, op = 'add'): void {
  const location = locateOrThrow(
    holder,
    path,
    () => `${op} operation does not apply: doc is missing path: "${path}": missing value`,
  );
  if (!Array.isArray(location.parent)) {
    setMember(location.parent, location.key, value);
    return;
  }
  const index =
    location.key === '-' ? location.parent.length : insertionIndex(location.parent, location.key, path);
  location.parent.splice(index, 0, value);
}

function insertionIndex(list: Json[], key: string, path: string): number {
  const index = arrayIndex(key);
  if (index === undefined)
    throw invalid(`error in add for path: '${path}': value was not a proper array index: '${key}'`);
  if (index > list.length) throw invalidIndex('add', path, index);
  return index;
}

function invalidIndex(op: string, path: string, index: number | string): PatchError {
  return invalid(
    `error in ${op} for path: '${path}': Unable to access invalid index: ${index}: invalid index referenced`,
  );
}

/** Removes the value at `path` and returns it. */
function remove(holder: JsonObject, path: string, op = 'remove'): Json {
  const location = path === '' ? undefined : locate(holder, path);
  if (location === undefined)
    throw invalid(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  const value = existingValue(location, op, path);
  if (Array.isArray(location.parent)) location.parent.splice(Number(location.key), 1);
  else Reflect.deleteProperty(location.parent, location.key);
  return value;
}

/** The value at `location`, which must exist: a missing key or an index past the end is an error. */
function existingValue(location: Location, op: string, path: string): Json {
  const value = read(location);
  if (value !== undefined) return value;
  if (Array.isArray(location.parent)) throw invalidIndex(op, path, location.key);
  throw invalid(
    `error in ${op} for path: '${path}': Unable to remove nonexistent key: ${location.key}: missing value`,
  );
}

function replace(holder: JsonObject, path: string, value: Json): void {
  const location = locateOrThrow(
    holder,
    path,
    () => `replace operation does not apply: doc is missing path: ${path}: missing value`,
  );
  if (read(location) === undefined) {
    throw invalid(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  }
  if (Array.isArray(location.parent)) location.parent[Number(location.key)] = value;
  else setMember(location.parent, location.key, value);
}

function move(holder: JsonObject, from: string, path: string): void {
  if (from === path) {
    readExisting(holder, from, 'move');
    return;
  }
  // RFC 6902 forbids moving a value into one of its own children.
  if (path.startsWith(`${from}/`)) {
    throw invalid(`move operation does not apply: from path ${from} is a prefix of destination path ${path}`);
  }
  readExisting(holder, from, 'move');
  add(holder, path, remove(holder, from, 'move'), 'move');
}

function copy(holder: JsonObject, from: string, path: string): void {
  add(holder, path, clone(readExisting(holder, from, 'copy')), 'copy');
}

function readExisting(holder: JsonObject, from: string, op: 'move' | 'copy'): Json {
  const location = locateOrThrow(
    holder,
    from,
    () => `${op} operation does not apply: doc is missing from path: ${from}: missing value`,
  );
  const value = read(location);
  if (value === undefined) throw invalid(`error in ${op} for from: '${from}': missing value`);
  return value;
}

function test(holder: JsonObject, path: string, expected: Json): void {
  const location = locateOrThrow(
    holder,
    path,
    () => `test operation does not apply: is missing path: ${path}: missing value`,
  );
  const actual = read(location);
  if (Array.isArray(location.parent) && actual === undefined) throw invalidIndex('test', path, location.key);
  // Like the real server, a missing member compares equal to null.
  if (jsonEqual(actual ?? null, expected)) return;
  throw invalid(`testing value ${path} failed: test failed`);
}

/** Structural equality of JSON values; member order does not matter. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i] ?? null));
  if (isJsonObject(a)) return isJsonObject(b) && objectsEqual(a, b);
  return a === b;
}

function objectsEqual(a: JsonObject, b: JsonObject): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const left = a[key];
    const right = b[key];
    return left !== undefined && right !== undefined && jsonEqual(left, right);
  });
}

/**
 * Sets an own member, even one named "__proto__": plain assignment would change the object's prototype
 * instead of adding the member a JSON document asked for.
 */
export function setMember(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** An own member; inherited ones such as "__proto__" or "constructor" are not part of a JSON document. */
export function getMember(source: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(source, key) ? source[key] : undefined;
}
