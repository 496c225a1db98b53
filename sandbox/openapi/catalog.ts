/**
 * Turns client-node model classes into OpenAPI v3 component schemas named like the real server's, with
 * the Kubernetes extensions kubectl reads: x-kubernetes-group-version-kind on kinds, and the list merge
 * metadata (x-kubernetes-patch-merge-key, -patch-strategy, -list-type, -list-map-keys) taken from the
 * sandbox's own merge table so that kubectl's client-side strategic merge patches match how the sandbox
 * merges them.
 */
import { listStrategy } from '../patch/merge-keys';
import type { JsonObject } from '../types';
import {
  LIST_METADATA_DESCRIPTION,
  METADATA_DESCRIPTION,
  specDescription,
  statusDescription,
} from './descriptions';
import { type ModelField, type ModelInfo, loadModel } from './models';
import { type Gvk, META_GROUP, WELL_KNOWN, packageName, parseClassName, schemaRef } from './names';

/** A kind served by the API and the client-node class that models it. */
export interface ModelRoot {
  gvk: Gvk;
  className: string;
}

interface BuiltSchema {
  schema: JsonObject;
  /** Component schema names this schema refers to. */
  refs: Set<string>;
}

/** Where a model is first met, walking from the kinds: the kind and the field path from its root. */
interface Placement {
  kind: string;
  path: readonly string[];
}

/** apimachinery meta/v1 types; client-node names them like any other V1 class. */
const META_TYPES = new Set([
  'ObjectMeta',
  'ListMeta',
  'LabelSelector',
  'LabelSelectorRequirement',
  'OwnerReference',
  'ManagedFieldsEntry',
  'Status',
  'StatusDetails',
  'StatusCause',
  'Condition',
  'DeleteOptions',
  'Preconditions',
  'WatchEvent',
  'FieldSelectorRequirement',
  'APIResource',
  'APIResourceList',
  'APIGroup',
  'APIGroupList',
  'APIVersions',
  'GroupVersionForDiscovery',
  'ServerAddressByClientCIDR',
]);

/**
 * Fields whose client-node type is a plain string or string map but whose real schema is a Quantity
 * (the generator flattens Quantity to string). Keyed 'Class.jsonField'.
 */
const QUANTITY_FIELDS = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests',
  'V1ResourceQuotaSpec.hard',
  'V1ResourceQuotaStatus.hard',
  'V1ResourceQuotaStatus.used',
  'V1LimitRangeItem.default',
  'V1LimitRangeItem.defaultRequest',
  'V1LimitRangeItem.max',
  'V1LimitRangeItem.maxLimitRequestRatio',
  'V1LimitRangeItem.min',
  'V1NodeStatus.allocatable',
  'V1NodeStatus.capacity',
  'V1PersistentVolumeSpec.capacity',
  'V1PersistentVolumeClaimStatus.allocatedResources',
  'V1PersistentVolumeClaimStatus.capacity',
  'V1EmptyDirVolumeSource.sizeLimit',
  'V1ResourceFieldSelector.divisor',
  'V2MetricTarget.averageValue',
  'V2MetricTarget.value',
  'V2MetricValueStatus.averageValue',
  'V2MetricValueStatus.value',
  'V1PodSpec.overhead',
  'V1ContainerStatus.allocatedResources',
]);

/** Fields typed `any` by client-node that the real schema names. */
const ANY_FIELD_SCHEMAS: Readonly<Record<string, string>> = {
  'V1ManagedFieldsEntry.fieldsV1': WELL_KNOWN.fieldsV1,
  'V1ControllerRevision.data': WELL_KNOWN.rawExtension,
  'V1WatchEvent.object': WELL_KNOWN.rawExtension,
};

const PRIMITIVES = new Set(['string', 'number', 'boolean']);

/**
 * Core types that only a kind of another group reaches among the kinds the sandbox serves, so the
 * first-reaching-kind rule would misplace them.
 */
const CORE_TYPES = new Set(['V1TopologySelectorTerm', 'V1TopologySelectorLabelRequirement']);

/** client-node repeats IntOrString's own description on IntOrString fields; the real text is lost. */
const INT_OR_STRING_BOILERPLATE = 'IntOrString is a type that can hold an int32 or a string.';

/**
 * The schemas of every model reachable from a set of kinds. Which Go package (and so which schema name) a
 * nested type belongs to is not in client-node's metadata; we give it the group of the first kind that
 * reaches it, walking core kinds first, which matches the real layout for all the types the sandbox serves
 * (core types are shared by other groups, never the other way round).
 */
export class ModelCatalog {
  private readonly owners = new Map<string, string>();
  private readonly placements = new Map<string, Placement>();
  private readonly kindsByClass = new Map<string, Gvk[]>();
  private readonly built = new Map<string, BuiltSchema>();
  private readonly classBySchema = new Map<string, string>();

  constructor(roots: readonly ModelRoot[]) {
    for (const r of roots)
      this.kindsByClass.set(r.className, [...(this.kindsByClass.get(r.className) ?? []), r.gvk]);
    this.assignOwners(roots);
    this.placeModels(roots);
  }

  /** Component schema name of a model class, e.g. 'V1Deployment' → 'io.k8s.api.apps.v1.Deployment'. */
  schemaName(className: string): string | undefined {
    const parsed = parseClassName(className);
    if (parsed === undefined) return undefined;
    const group = parsed.group ?? this.ownerGroup(className, parsed.typeName, parsed.version);
    return `${packageName(group, parsed.version)}.${parsed.typeName}`;
  }

  /** The schemas reachable from the given classes, by component name, including well-known ones. */
  closure(classNames: readonly string[]): Map<string, JsonObject> {
    const out = new Map<string, JsonObject>();
    const pending = classNames.map((c) => this.remember(c)).filter((n) => n !== undefined);
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (out.has(name)) continue;
      const built = this.buildByName(name);
      if (built === undefined) continue;
      out.set(name, built.schema);
      pending.push(...built.refs);
    }
    return out;
  }

  private ownerGroup(className: string, typeName: string, version: string): string {
    if (version === 'v1' && META_TYPES.has(typeName)) return META_GROUP;
    if (CORE_TYPES.has(className)) return '';
    return this.owners.get(className) ?? '';
  }

  private assignOwners(roots: readonly ModelRoot[]): void {
    const ordered = [...roots].sort((a, b) => Number(a.gvk.group !== '') - Number(b.gvk.group !== ''));
    for (const root of ordered) {
      const stack = [root.className];
      for (let cls = stack.pop(); cls !== undefined; cls = stack.pop()) {
        if (this.owners.has(cls)) continue;
        this.owners.set(cls, root.gvk.group);
        stack.push(...referencedClasses(cls));
      }
    }
  }

  /** Breadth first, so each model keeps its shallowest path: the one the merge table is written for. */
  private placeModels(roots: readonly ModelRoot[]): void {
    const queue: [string, Placement][] = roots.map((r) => [r.className, { kind: r.gvk.kind, path: [] }]);
    for (let i = 0; i < queue.length; i++) {
      const [cls, placement] = queue[i]!;
      if (this.placements.has(cls)) continue;
      this.placements.set(cls, placement);
      for (const f of loadModel(cls)?.fields ?? []) {
        const path = [...placement.path, f.jsonName];
        for (const ref of classesIn(f.type)) queue.push([ref, { kind: placement.kind, path }]);
      }
    }
  }

  private buildByName(name: string): BuiltSchema | undefined {
    const wellKnown = WELL_KNOWN_SCHEMAS[name];
    if (wellKnown !== undefined) return { schema: wellKnown, refs: new Set() };
    const cls = this.classBySchema.get(name);
    if (cls === undefined) return undefined;
    let built = this.built.get(cls);
    if (built === undefined) {
      const model = loadModel(cls);
      if (model === undefined) return undefined;
      built = this.buildModel(model);
      this.built.set(cls, built);
    }
    return built;
  }

  private remember(cls: string): string | undefined {
    const name = this.schemaName(cls);
    if (name !== undefined) this.classBySchema.set(name, cls);
    return name;
  }

  private buildModel(model: ModelInfo): BuiltSchema {
    const refs = new Set<string>();
    const properties: JsonObject = {};
    for (const f of model.fields) properties[f.jsonName] = this.fieldSchema(model.name, f, refs);
    const schema: JsonObject = { type: 'object', properties };
    if (model.description !== undefined) schema['description'] = model.description;
    const required = model.fields.filter((f) => f.required).map((f) => f.jsonName);
    if (required.length > 0) schema['required'] = required;
    const gvks = this.kindsByClass.get(model.name);
    if (gvks !== undefined) schema['x-kubernetes-group-version-kind'] = gvks.map(gvkJson);
    return { schema: withDescriptionFirst(schema), refs };
  }

  private fieldSchema(cls: string, f: ModelField, refs: Set<string>): JsonObject {
    const key = `${cls}.${f.jsonName}`;
    const special = ANY_FIELD_SCHEMAS[key];
    const typeSchema =
      special !== undefined
        ? refSchema(special, refs)
        : this.typeSchema(f.type, f.format, refs, QUANTITY_FIELDS.has(key));
    const schema = wrapForDescription(typeSchema, this.fieldDescription(cls, f));
    if (typeSchema['type'] === 'array') Object.assign(schema, this.listExtensions(cls, f));
    return schema;
  }

  private fieldDescription(cls: string, f: ModelField): string | undefined {
    if (f.description?.startsWith(INT_OR_STRING_BOILERPLATE) === true) return undefined;
    if (f.description !== undefined) return f.description;
    if (f.type === 'V1ObjectMeta') return METADATA_DESCRIPTION;
    if (f.type === 'V1ListMeta') return LIST_METADATA_DESCRIPTION;
    if (f.jsonName !== 'spec' && f.jsonName !== 'status') return undefined;
    // The object's own kind reads best; nested specs (a pod template's) are named after their type.
    const kind =
      this.kindsByClass.get(cls)?.[0]?.kind ?? parseClassName(f.type)?.typeName.replace(/(Spec|Status)$/, '');
    if (kind === undefined) return undefined;
    return f.jsonName === 'spec' ? specDescription(kind) : statusDescription(kind);
  }

  /** Schema of a generator type string; `quantity` turns string leaves into Quantity references. */
  private typeSchema(type: string, format: string, refs: Set<string>, quantity: boolean): JsonObject {
    const array = /^Array<(.+)>$/.exec(type);
    if (array !== null) return { type: 'array', items: this.typeSchema(array[1]!, format, refs, quantity) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map !== null) {
      return { type: 'object', additionalProperties: this.typeSchema(map[1]!, format, refs, quantity) };
    }
    if (quantity && type === 'string') return refSchema(WELL_KNOWN.quantity, refs);
    const primitive = primitiveSchema(type, format, refs);
    if (primitive !== undefined) return primitive;
    const name = loadModel(type) === undefined ? undefined : this.remember(type);
    return name === undefined ? {} : refSchema(name, refs);
  }

  /**
   * Merge metadata of a list field from the sandbox's merge table. The table is keyed by field name, so a
   * strategy that does not fit the element type (a merge key the element lacks, a set of objects) is
   * published as atomic: kubectl would otherwise refuse to compute patches for such lists.
   */
  private listExtensions(cls: string, f: ModelField): JsonObject {
    const placement = this.placements.get(cls) ?? { kind: '', path: [] };
    const strategy = listStrategy(placement.kind, [...placement.path, f.jsonName]);
    const element = /^Array<(.+)>$/.exec(f.type)?.[1] ?? '';
    if (strategy.kind === 'map' && hasFields(element, [strategy.mergeKey, ...strategy.keys])) {
      return {
        'x-kubernetes-list-map-keys': [...strategy.keys],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': strategy.mergeKey,
        'x-kubernetes-patch-strategy': 'merge',
      };
    }
    if (strategy.kind === 'set' && PRIMITIVES.has(element)) {
      return { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' };
    }
    return { 'x-kubernetes-list-type': 'atomic' };
  }
}

function primitiveSchema(type: string, format: string, refs: Set<string>): JsonObject | undefined {
  switch (type) {
    case 'string':
      return format === '' ? { type: 'string' } : { type: 'string', format };
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      return format === 'int32' || format === 'int64' ? { type: 'integer', format } : numberSchema(format);
    case 'Date':
      return refSchema(WELL_KNOWN.time, refs);
    case 'V1MicroTime':
      return refSchema(WELL_KNOWN.microTime, refs);
    case 'IntOrString':
      return refSchema(WELL_KNOWN.intOrString, refs);
    case 'any':
      return {};
    default:
      return undefined;
  }
}

function numberSchema(format: string): JsonObject {
  return format === '' ? { type: 'number' } : { type: 'number', format };
}

function refSchema(name: string, refs: Set<string>): JsonObject {
  refs.add(name);
  return { $ref: schemaRef(name) };
}

/**
 * A property that is a reference gets its description through allOf, as the real v3 documents do: in
 * OpenAPI 3.0 siblings of $ref are ignored, and kubectl's explain and patch code both look through a
 * single-element allOf.
 */
function wrapForDescription(schema: JsonObject, description: string | undefined): JsonObject {
  if (description === undefined) return { ...schema };
  if (typeof schema['$ref'] === 'string') return { description, allOf: [schema] };
  return { description, ...schema };
}

function withDescriptionFirst(schema: JsonObject): JsonObject {
  const { description, ...rest } = schema;
  return description === undefined ? rest : { description, ...rest };
}

function gvkJson(gvk: Gvk): JsonObject {
  return { group: gvk.group, kind: gvk.kind, version: gvk.version };
}

function hasFields(className: string, fields: readonly string[]): boolean {
  const model = loadModel(className);
  if (model === undefined) return false;
  const names = new Set(model.fields.map((f) => f.jsonName));
  return fields.every((f) => names.has(f));
}

/** Model classes named in a generator type string ('Array<V1Container>' → ['V1Container']). */
function classesIn(type: string): string[] {
  return (type.match(/[A-Za-z]\w*/g) ?? []).filter((t) => !PRIMITIVES.has(t) && loadModel(t) !== undefined);
}

function referencedClasses(className: string): string[] {
  return (loadModel(className)?.fields ?? []).flatMap((f) => classesIn(f.type));
}

const WELL_KNOWN_SCHEMAS: Readonly<Record<string, JsonObject>> = {
  [WELL_KNOWN.intOrString]: {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  [WELL_KNOWN.quantity]: {
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. Serialized as a string such as "100m", "1Gi" or "0.5".',
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  [WELL_KNOWN.time]: {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string',
    format: 'date-time',
  },
  [WELL_KNOWN.microTime]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
  [WELL_KNOWN.fieldsV1]: {
    description:
      "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
  },
  [WELL_KNOWN.patch]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  [WELL_KNOWN.rawExtension]: {
    description: 'RawExtension is used to hold extensions in external versions.',
    type: 'object',
  },
};

/** Names of the schemas defined without a model class, for documents that need them unconditionally. */
export const WELL_KNOWN_SCHEMA_NAMES: readonly string[] = Object.keys(WELL_KNOWN_SCHEMAS);

export function wellKnownSchema(name: string): JsonObject | undefined {
  return WELL_KNOWN_SCHEMAS[name];
}
