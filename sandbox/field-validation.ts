/**
 * Server-side field validation: the `fieldValidation` query parameter of create, update and patch.
 *
 * The real API server decodes request bodies strictly and, depending on the directive, fails the request
 * (Strict), answers with one `Warning: 299 - "unknown field \"spec.x\""` per unknown field (Warn, the
 * server's default when the parameter is absent) or says nothing (Ignore). kubectl sends Strict unless
 * run with --validate=warn|ignore|false. The sandbox finds unknown fields by walking the body along the
 * OpenAPI v3 schema it publishes for the kind, so validation and `kubectl explain` agree on what exists.
 *
 * Duplicate fields, which upstream also reports, cannot be seen here: bodies arrive already parsed.
 */
import { ApiError } from './errors';
import type { OpenApiPublisher } from './openapi';
import { v3PathKey } from './openapi/names';
import type { ResourceType } from './registry';
import { type JsonObject, isJsonObject } from './types';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The options kind named in the error for an unsupported directive, as upstream validates them. */
export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** One step of a field path: an object key, or a list element (with its map-list key values, if any). */
export type PathSegment = { field: string } | { index: number; keys?: JsonObject };

/** Finds a component schema by name ('io.k8s.api.apps.v1.Deployment'). */
export type SchemaLookup = (name: string) => JsonObject | undefined;

const REF_PREFIX = '#/components/schemas/';

/** What a schema (with its $ref and allOf parts folded in) says about the fields of a value. */
interface SchemaView {
  properties: Map<string, JsonObject> | undefined;
  additional: JsonObject | undefined;
  items: JsonObject | undefined;
  /** Unknown fields are kept at this level (CRD x-kubernetes-preserve-unknown-fields). */
  preserve: boolean;
  /** A CRD's x-kubernetes-embedded-resource: apiVersion, kind and metadata are implied. */
  embedded: boolean;
  mapKeys: string[] | undefined;
}

/**
 * Parses `fieldValidation`. Absent or empty means Warn, the server default since field validation went
 * GA; anything else is rejected the way upstream's options validation does (422, naming the options kind).
 */
export function parseFieldValidation(q: URLSearchParams, kind: WriteOptionsKind): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  const message = `Unsupported value: "${v}": supported values: "", "Ignore", "Strict", "Warn"`;
  return failUnsupported(kind, message);
}

function failUnsupported(kind: WriteOptionsKind, message: string): never {
  throw new ApiError('Invalid', `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    name: '',
    group: 'meta.k8s.io',
    kind,
    causes: [{ type: 'FieldValueNotSupported', message, field: 'fieldValidation' }],
  });
}

/** The component schema of a type's kind in its group version document, with a lookup for its refs. */
export function kindSchema(
  openapi: OpenApiPublisher,
  t: Pick<ResourceType, 'group' | 'version' | 'kind'>,
): { root: JsonObject; lookup: SchemaLookup } | undefined {
  const doc = openapi.v3Group(v3PathKey(t.group, t.version));
  const components = doc?.['components'];
  const schemas = isJsonObject(components) ? components['schemas'] : undefined;
  if (!isJsonObject(schemas)) return undefined;
  const lookup: SchemaLookup = (name) => {
    const s = schemas[name];
    return isJsonObject(s) ? s : undefined;
  };
  for (const schema of Object.values(schemas)) {
    if (!isJsonObject(schema)) continue;
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    const match = gvks.some(
      (g) => isJsonObject(g) && g['group'] === t.group && g['version'] === t.version && g['kind'] === t.kind,
    );
    if (match) return { root: schema, lookup };
  }
  return undefined;
}

/** Unknown field paths of a body of the type, as upstream's strict decoder formats them. */
export function unknownFields(
  openapi: OpenApiPublisher,
  t: Pick<ResourceType, 'group' | 'version' | 'kind'>,
  body: unknown,
): PathSegment[][] {
  const found = kindSchema(openapi, t);
  // A kind without a published schema cannot be checked; the server would accept anything of it too.
  if (found === undefined) return [];
  return findUnknownFields(found.root, found.lookup, body);
}

/** Walks `value` along `schema`, collecting the paths of fields the schema does not declare. */
export function findUnknownFields(schema: JsonObject, lookup: SchemaLookup, value: unknown): PathSegment[][] {
  const out: PathSegment[][] = [];
  walk(schema, lookup, value, [], out);
  return out;
}

function walk(
  schema: JsonObject,
  lookup: SchemaLookup,
  value: unknown,
  path: PathSegment[],
  out: PathSegment[][],
) {
  const view = viewOf(schema, lookup);
  if (Array.isArray(value)) {
    if (view.items === undefined) return;
    (value as unknown[]).forEach((item, index) => {
      const seg: PathSegment = { index };
      const keys = listKeys(view.mapKeys, item);
      if (keys !== undefined) seg.keys = keys;
      walk(view.items!, lookup, item, [...path, seg], out);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const next = [...path, { field: key }];
    const declared = view.properties?.get(key);
    if (declared !== undefined) walk(declared, lookup, child, next, out);
    else if (view.additional !== undefined) walk(view.additional, lookup, child, next, out);
    else if (view.embedded && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    // Only a schema that lists its properties can call a field unknown: one without (RawExtension,
    // FieldsV1, an open CRD object) takes anything, and so does a level that preserves unknown fields.
    else if (view.properties !== undefined && !view.preserve) out.push(next);
  }
}

function listKeys(mapKeys: string[] | undefined, item: unknown): JsonObject | undefined {
  if (mapKeys === undefined || !isJsonObject(item)) return undefined;
  const keys: JsonObject = {};
  for (const k of mapKeys) if (item[k] !== undefined) keys[k] = item[k];
  return Object.keys(keys).length > 0 ? keys : undefined;
}

function viewOf(schema: JsonObject, lookup: SchemaLookup): SchemaView {
  const view: SchemaView = {
    properties: undefined,
    additional: undefined,
    items: undefined,
    preserve: false,
    embedded: false,
    mapKeys: undefined,
  };
  fold(schema, lookup, view, 0);
  return view;
}

/** Merges a schema and what it references (`$ref`, `allOf` wrappers of descriptions) into a view. */
function fold(schema: JsonObject, lookup: SchemaLookup, view: SchemaView, depth: number): void {
  if (depth > 16) return;
  const ref = schema['$ref'];
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    const target = lookup(ref.slice(REF_PREFIX.length));
    if (target !== undefined) fold(target, lookup, view, depth + 1);
  }
  const allOf = schema['allOf'];
  if (Array.isArray(allOf)) for (const s of allOf) if (isJsonObject(s)) fold(s, lookup, view, depth + 1);
  const props = schema['properties'];
  if (isJsonObject(props)) {
    view.properties ??= new Map();
    for (const [k, v] of Object.entries(props)) if (isJsonObject(v)) view.properties.set(k, v);
  }
  const additional = schema['additionalProperties'];
  if (isJsonObject(additional)) view.additional = additional;
  else if (additional === true) view.additional = {};
  const items = schema['items'];
  if (isJsonObject(items)) view.items = items;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) view.preserve = true;
  if (schema['x-kubernetes-embedded-resource'] === true) view.embedded = true;
  const mapKeys = schema['x-kubernetes-list-map-keys'];
  if (schema['x-kubernetes-list-type'] === 'map' && Array.isArray(mapKeys))
    view.mapKeys = mapKeys.filter((k): k is string => typeof k === 'string');
}

/** 'spec.template.spec.containers[0].imagez': the strict decoder's path format. */
export function formatPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const seg of path) {
    if ('field' in seg) s += s === '' ? seg.field : `.${seg.field}`;
    else s += `[${seg.index}]`;
  }
  return s;
}

/**
 * '.spec.template.spec.containers[name="app"].imagez': structured-merge-diff's format, which server-side
 * apply errors use (map-list elements are named by their keys, other elements by index).
 */
export function formatTypedPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const seg of path) {
    if ('field' in seg) s += `.${seg.field}`;
    else if (seg.keys !== undefined)
      s += `[${Object.entries(seg.keys)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    else s += `[${seg.index}]`;
  }
  return s;
}

/** The per-field error texts, `unknown field "spec.replicaz"`. */
export function unknownFieldErrors(paths: readonly PathSegment[][]): string[] {
  return paths.map((p) => `unknown field "${formatPath(p)}"`);
}

/** `strict decoding error: unknown field "spec.a", unknown field "spec.b"` */
export function strictDecodingError(errors: readonly string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

/**
 * A Warning header value carrying several warnings (RFC 7234 allows a comma-separated list, and
 * client-go splits it): `299 - "unknown field \"spec.replicaz\""`.
 */
export function warningHeader(messages: readonly string[]): string {
  return messages
    .map((m) => `299 - "${m.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`)
    .join(', ');
}

/** Extra response headers for a write that produced warnings. */
export function warningHeaders(warnings: readonly string[]): Record<string, string> {
  return warnings.length === 0 ? {} : { Warning: warningHeader(warnings) };
}

/**
 * Applies the directive to a create or update body: Strict fails like the real decoder
 * (`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ...`), Warn
 * returns the warnings to send, Ignore returns none.
 */
export function checkWriteBody(
  openapi: OpenApiPublisher,
  t: Pick<ResourceType, 'group' | 'version' | 'kind'>,
  directive: FieldValidation,
  body: unknown,
): string[] {
  if (directive === 'Ignore') return [];
  const errors = unknownFieldErrors(unknownFields(openapi, t, body));
  if (errors.length === 0 || directive === 'Warn') return errors;
  throw new ApiError(
    'BadRequest',
    `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${strictDecodingError(errors)}`,
  );
}

/**
 * Applies the directive to the result of a JSON, merge or strategic merge patch. Upstream decodes the
 * patched object strictly, so the check is of the result; fields the live object already had are left
 * out, since the real server would have dropped them when they were first written and only the sandbox
 * keeps them. Strict fails with the bare `strict decoding error: ...` message the patch handler uses.
 */
export function checkPatchedObject(
  openapi: OpenApiPublisher,
  t: Pick<ResourceType, 'group' | 'version' | 'kind'>,
  directive: FieldValidation,
  live: unknown,
  result: unknown,
): string[] {
  if (directive === 'Ignore') return [];
  const before = new Set(unknownFieldErrors(unknownFields(openapi, t, live)));
  const errors = unknownFieldErrors(unknownFields(openapi, t, result)).filter((e) => !before.has(e));
  if (errors.length === 0 || directive === 'Warn') return errors;
  throw new ApiError('BadRequest', strictDecodingError(errors));
}

/**
 * Server-side apply converts the applied object to a typed value whatever the directive, and a field the
 * schema lacks fails that conversion. Upstream (1.32) lets that error out as a 500 with structured-merge-
 * diff's message; the sandbox answers the same way so clients see what a real cluster shows them.
 */
export function checkAppliedObject(
  openapi: OpenApiPublisher,
  t: Pick<ResourceType, 'group' | 'version' | 'kind'>,
  namespace: string | undefined,
  name: string,
  applied: unknown,
): void {
  const paths = unknownFields(openapi, t, applied);
  if (paths.length === 0) return;
  const gvk = `${t.group === '' ? '' : t.group}/${t.version}, Kind=${t.kind}`;
  const details = paths.map((p) => `${formatTypedPath(p)}: field not declared in schema`).join('\n');
  throw new ApiError(
    'InternalError',
    `failed to create typed patch object (${namespace ?? ''}/${name}; ${gvk}): ${details}`,
  );
}
