/**
 * Swagger 2.0 forms of the v3 component schemas. The two differ in where references point
 * (#/definitions/ instead of #/components/schemas/) and in what a schema may say: Swagger 2.0 has no
 * oneOf/anyOf/not/nullable, so those go, as they do in the real server's v2 document (which also writes
 * IntOrString and Quantity as plain strings).
 */
import { type Json, type JsonObject, isJsonObject } from '../types';
import { SCHEMA_REF_PREFIX, WELL_KNOWN } from './names';

const DROPPED = new Set(['oneOf', 'anyOf', 'not', 'nullable']);

const V2_OVERRIDES: Readonly<Record<string, (v3: JsonObject) => JsonObject>> = {
  [WELL_KNOWN.intOrString]: (v3) => ({
    description: v3['description'] ?? '',
    type: 'string',
    format: 'int-or-string',
  }),
  [WELL_KNOWN.quantity]: (v3) => ({ description: v3['description'] ?? '', type: 'string' }),
};

/** A definition named `name` in v2 form. */
export function toV2Definition(name: string, schema: JsonObject): JsonObject {
  const override = V2_OVERRIDES[name];
  return override === undefined ? toV2Schema(schema) : override(schema);
}

export function toV2Schema(schema: JsonObject): JsonObject {
  const single = singleRef(schema);
  if (single !== undefined) return single;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    out[key] = convertKeyword(key, value);
  }
  return out;
}

function convertKeyword(key: string, value: Json): Json {
  switch (key) {
    case '$ref':
      return typeof value === 'string' ? value.replace(SCHEMA_REF_PREFIX, '#/definitions/') : value;
    case 'properties':
    case 'patternProperties':
      return isJsonObject(value) ? mapValues(value) : value;
    case 'items':
    case 'additionalProperties':
      return isJsonObject(value) ? toV2Schema(value) : value;
    case 'allOf':
      return Array.isArray(value) ? value.map((v) => (isJsonObject(v) ? toV2Schema(v) : v)) : value;
    default:
      return value;
  }
}

function mapValues(properties: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(properties))
    out[name] = isJsonObject(value) ? toV2Schema(value) : value;
  return out;
}

/**
 * `{description, allOf: [{$ref}]}` becomes `{description, $ref}`: the v3 wrapper exists only because
 * OpenAPI 3.0 ignores siblings of $ref, and the real v2 document writes the plain form.
 */
function singleRef(schema: JsonObject): JsonObject | undefined {
  const allOf = schema['allOf'];
  if (!Array.isArray(allOf) || allOf.length !== 1) return undefined;
  const only = allOf[0];
  if (!isJsonObject(only) || typeof only['$ref'] !== 'string' || Object.keys(only).length !== 1)
    return undefined;
  const rest = Object.entries(schema).filter(([key]) => key !== 'allOf');
  return toV2Schema({ ...Object.fromEntries(rest), $ref: only['$ref'] });
}
