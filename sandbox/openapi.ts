/**
 * The OpenAPI documents the sandbox publishes, built offline from the model metadata in
 * @kubernetes/client-node (see openapi/models.ts) plus CRD schemas, and kept in step with the registry.
 *
 * What kubectl 1.32 does with them:
 * - GET /openapi/v3 (v3Index) lists a document per group version; kubectl fetches the one it needs by the
 *   serverRelativeURL, whose `hash` query parameter changes whenever that document's content does (the
 *   real server uses the hash for immutable HTTP caching, and kubectl's disk cache keys on the URL).
 * - The group version documents (v3Group) drive server-side field validation detection, client-side
 *   apply's strategic merge patches and `kubectl explain`; openapi/paths.ts explains the details.
 * - GET /openapi/v2: client-go's DiscoveryClient.OpenAPISchema asks for it with
 *   `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and runs proto.Unmarshal on the
 *   body whatever its Content-Type, so answering that request with the JSON of v2() makes kubectl fail
 *   with "proto: cannot parse invalid wire-format data" and treat the v2 document as unavailable (there
 *   is no JSON fallback; a 406 fails the same way). kubectl 1.32 needs v2 only as a fallback: apply's
 *   patch computation then falls back to its compiled-in types, explain needs it only for
 *   --output=plaintext-openapiv2, but client-side schema validation, used whenever the v3 document has
 *   no PATCH operation with fieldValidation for the kind (`kind: List` manifests, create-only kinds such
 *   as SelfSubjectAccessReview), then fails and `--validate=false` becomes necessary. So serve
 *   v2Protobuf() to requests whose Accept names protobuf, with Content-Type
 *   `application/com.github.proto-openapi.spec.v2.v1.0+protobuf` like the real server (the `@` spelling
 *   of the Accept header is rejected by client-go's media type parser when it comes back as a
 *   Content-Type), and the JSON of v2() to everyone else.
 */
import { createHash } from 'node:crypto';
import { ModelCatalog, type ModelRoot, WELL_KNOWN_SCHEMA_NAMES, wellKnownSchema } from './openapi/catalog';
import { type KindSchemas, customResourceSchemas, metricsSchemas } from './openapi/custom';
import { loadModel } from './openapi/models';
import { type Gvk, modelClassCandidates, v3PathKey } from './openapi/names';
import {
  type PathSpec,
  type ResourceDescription,
  type SubresourceKind,
  renderPaths,
  resourcePaths,
} from './openapi/paths';
import { encodeSwaggerDocument } from './openapi/protobuf';
import { toV2Definition } from './openapi/v2';
import type { Registry, ResourceType } from './registry';
import type { JsonObject } from './types';

export { customResourceSchemas } from './openapi/custom';

/** Bumped when the document layout changes, so clients drop documents cached under the old hash. */
const DOCUMENT_REVISION = 'slipway-openapi-1';

/** Subresources whose body is another kind, and the client-node class that models it. */
const SUBRESOURCE_KINDS: Readonly<Record<string, ModelRoot>> = {
  scale: { gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, className: 'V1Scale' },
  eviction: { gvk: { group: 'policy', version: 'v1', kind: 'Eviction' }, className: 'V1Eviction' },
  binding: { gvk: { group: '', version: 'v1', kind: 'Binding' }, className: 'V1Binding' },
  token: {
    gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
    className: 'AuthenticationV1TokenRequest',
  },
};

/** Subresources that take and return the parent object itself. */
const PARENT_KIND_SUBRESOURCES = new Set(['status', 'ephemeralcontainers', 'finalize']);

/** Schemas every group version document carries: the bodies of delete, watch and error responses. */
const COMMON_CLASSES = ['V1ObjectMeta', 'V1ListMeta', 'V1DeleteOptions', 'V1Status', 'V1WatchEvent'];

interface GroupVersionState {
  pathKey: string;
  group: string;
  version: string;
  types: ResourceType[];
  hash: string;
}

interface GroupParts {
  schemas: Map<string, JsonObject>;
  paths: PathSpec[];
}

interface TypeParts {
  description: ResourceDescription;
  classes: string[];
  schemas: Map<string, JsonObject>;
}

/** A document and the fingerprint of the registry content it was built from. */
interface Cached<T> {
  key: string;
  value: T;
}

/**
 * Serves the OpenAPI v3 index, per-group-version v3 documents and the v2 document for the types in a
 * registry. Documents are built lazily and cached until the registry (or a custom resource schema)
 * changes; a group version whose types did not change keeps its cached document. Returned documents
 * are shared: callers serialize them and must not mutate them.
 */
export class OpenApiPublisher {
  private readonly customSchemas = new Map<string, unknown>();
  private readonly groupParts = new Map<string, GroupParts>();
  private readonly groupDocs = new Map<string, JsonObject>();
  private state: Map<string, GroupVersionState> | undefined;
  private catalogCache: Cached<ModelCatalog> | undefined;
  private v2Cache: Cached<JsonObject> | undefined;
  private v2ProtobufCache: Cached<Uint8Array> | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly registry: Registry) {
    this.unsubscribe = registry.onChange(() => this.invalidate());
  }

  /** Stops following the registry. */
  dispose(): void {
    this.unsubscribe();
  }

  /**
   * Publishes a custom resource version's openAPIV3Schema (the CRD's spec.versions[].schema.openAPIV3Schema).
   * The registry's `crd.schema` is used when this is never called; the schema goes away with the type
   * when the registry removes it.
   */
  addCustomResource(t: Pick<ResourceType, 'group' | 'version' | 'kind'>, openAPIV3Schema: unknown): void {
    this.customSchemas.set(typeId(t), openAPIV3Schema);
    this.invalidate();
  }

  /** GET /openapi/v3 */
  v3Index(): JsonObject {
    const paths: JsonObject = {};
    for (const gv of this.groupVersions().values()) {
      paths[gv.pathKey] = { serverRelativeURL: `/openapi/v3/${gv.pathKey}?hash=${gv.hash}` };
    }
    return { paths };
  }

  /** The current hash of a group version's v3 document (usable as its ETag), if it is served. */
  v3Hash(pathKey: string): string | undefined {
    return this.groupVersions().get(normalizePathKey(pathKey))?.hash;
  }

  /** GET /openapi/v3/<pathKey>, pathKey being 'api/v1' or 'apis/<group>/<version>'. */
  v3Group(pathKey: string): JsonObject | undefined {
    const gv = this.groupVersions().get(normalizePathKey(pathKey));
    if (gv === undefined) return undefined;
    let doc = this.groupDocs.get(gv.hash);
    if (doc === undefined) {
      doc = v3Document(this.parts(gv));
      this.groupDocs.set(gv.hash, doc);
    }
    return doc;
  }

  /** GET /openapi/v2, every group version in one Swagger 2.0 document. */
  v2(): JsonObject {
    const gvs = [...this.groupVersions().values()];
    const key = gvs.map((gv) => gv.hash).join(',');
    if (this.v2Cache?.key !== key) this.v2Cache = { key, value: v2Document(gvs.map((gv) => this.parts(gv))) };
    return this.v2Cache.value;
  }

  /**
   * The v2 document in the protobuf form client-go asks for (`Accept:
   * application/com.github.proto-openapi.spec.v2@v1.0+protobuf`; answer with that Content-Type). Serving
   * this instead of JSON to such requests is what lets kubectl validate `kind: List` manifests.
   */
  v2Protobuf(): Uint8Array {
    const doc = this.v2();
    const key = this.v2Cache?.key ?? '';
    if (this.v2ProtobufCache?.key !== key) this.v2ProtobufCache = { key, value: encodeSwaggerDocument(doc) };
    return this.v2ProtobufCache.value;
  }

  private invalidate(): void {
    this.state = undefined;
    const live = new Set(this.registry.all().map(typeId));
    for (const id of this.customSchemas.keys()) if (!live.has(id)) this.customSchemas.delete(id);
  }

  /** Group versions in discovery order with their content hashes; drops documents of stale hashes. */
  private groupVersions(): Map<string, GroupVersionState> {
    if (this.state !== undefined) return this.state;
    const state = new Map<string, GroupVersionState>();
    const all = this.registry.all();
    for (const { group, versions } of this.registry.groups()) {
      for (const version of versions) {
        const types = all.filter((t) => t.group === group && t.version === version);
        const pathKey = v3PathKey(group, version);
        state.set(pathKey, { pathKey, group, version, types, hash: this.hashOf(types) });
      }
    }
    const hashes = new Set([...state.values()].map((gv) => gv.hash));
    for (const map of [this.groupDocs, this.groupParts])
      for (const h of map.keys()) if (!hashes.has(h)) map.delete(h);
    this.state = state;
    return state;
  }

  private hashOf(types: readonly ResourceType[]): string {
    const content = types.map((t) => ({ ...t, schema: this.schemaOf(t) }));
    return createHash('sha512')
      .update(DOCUMENT_REVISION)
      .update(JSON.stringify(content))
      .digest('hex')
      .toUpperCase();
  }

  private schemaOf(t: ResourceType): unknown {
    return this.customSchemas.get(typeId(t)) ?? t.crd?.schema;
  }

  private parts(gv: GroupVersionState): GroupParts {
    let parts = this.groupParts.get(gv.hash);
    if (parts === undefined) {
      parts = this.buildParts(gv);
      this.groupParts.set(gv.hash, parts);
    }
    return parts;
  }

  private buildParts(gv: GroupVersionState): GroupParts {
    const catalog = this.catalog();
    const typeParts = gv.types.map((t) => this.describe(t, catalog));
    const schemas = catalog.closure([...COMMON_CLASSES, ...typeParts.flatMap((p) => p.classes)]);
    for (const p of typeParts) for (const [name, schema] of p.schemas) schemas.set(name, schema);
    for (const name of WELL_KNOWN_SCHEMA_NAMES) schemas.set(name, wellKnownSchema(name)!);
    return { schemas: sortedMap(schemas), paths: typeParts.flatMap((p) => resourcePaths(p.description)) };
  }

  /** The model catalog of the registry's built-in kinds, rebuilt only when those change. */
  private catalog(): ModelCatalog {
    const builtins = this.registry.all().filter((t) => !isCustom(t, this.schemaOf(t)));
    const roots = modelRoots(builtins);
    const key = JSON.stringify(roots);
    if (this.catalogCache?.key !== key) this.catalogCache = { key, value: new ModelCatalog(roots) };
    return this.catalogCache.value;
  }

  private describe(t: ResourceType, catalog: ModelCatalog): TypeParts {
    const schema = this.schemaOf(t);
    const className = isCustom(t, schema) ? undefined : modelClass(t);
    if (className !== undefined) return describeBuiltin(t, className, catalog);
    const custom: KindSchemas = metricsSchemas(t) ?? customResourceSchemas(t, schema);
    const scale = SUBRESOURCE_KINDS['scale']!;
    const subresources = new Map<string, SubresourceKind>();
    if (t.subresources.includes('status'))
      subresources.set('status', { gvk: gvkOf(t), schema: custom.kindName });
    if (t.subresources.includes('scale')) {
      subresources.set('scale', { gvk: scale.gvk, schema: catalog.schemaName(scale.className)! });
    }
    return {
      description: resourceDescription(t, custom.kindName, custom.listName, false, subresources, catalog),
      classes: t.subresources.includes('scale') ? [scale.className] : [],
      schemas: custom.schemas,
    };
  }
}

function typeId(t: Pick<ResourceType, 'group' | 'version' | 'kind'>): string {
  return `${t.group}/${t.version}/${t.kind}`;
}

function gvkOf(t: ResourceType): Gvk {
  return { group: t.group, version: t.version, kind: t.kind };
}

/** Custom resources are the types a CRD registered: they carry `crd` or had a schema published. */
function isCustom(t: ResourceType, schema: unknown): boolean {
  return t.crd !== undefined || schema !== undefined;
}

function normalizePathKey(pathKey: string): string {
  return pathKey.split('?')[0]!.replace(/^\/+|\/+$/g, '');
}

function modelClass(t: ResourceType): string | undefined {
  return modelClassCandidates(gvkOf(t)).find((c) => loadModel(c) !== undefined);
}

function listClass(className: string): string | undefined {
  const list = `${className}List`;
  return loadModel(list) === undefined ? undefined : list;
}

/** The kinds (and their lists, subresource kinds and meta types) the catalog walks from. */
function modelRoots(builtins: readonly ResourceType[]): ModelRoot[] {
  const roots: ModelRoot[] = [];
  for (const t of builtins) {
    const className = modelClass(t);
    if (className === undefined) continue;
    roots.push({ gvk: gvkOf(t), className });
    const list = listClass(className);
    if (list !== undefined) roots.push({ gvk: { ...gvkOf(t), kind: t.listKind }, className: list });
  }
  roots.push(...Object.values(SUBRESOURCE_KINDS));
  roots.push({ gvk: { group: '', version: 'v1', kind: 'Status' }, className: 'V1Status' });
  for (const gv of uniqueGroupVersions(builtins)) {
    roots.push({ gvk: { ...gv, kind: 'DeleteOptions' }, className: 'V1DeleteOptions' });
    roots.push({ gvk: { ...gv, kind: 'WatchEvent' }, className: 'V1WatchEvent' });
  }
  return roots;
}

function uniqueGroupVersions(types: readonly ResourceType[]): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of types) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
  return [...seen.values()];
}

function describeBuiltin(t: ResourceType, className: string, catalog: ModelCatalog): TypeParts {
  const kindSchema = catalog.schemaName(className)!;
  const list = listClass(className);
  const classes = [className, ...(list === undefined ? [] : [list])];
  const subresources = new Map<string, SubresourceKind>();
  for (const name of t.subresources) {
    const other = SUBRESOURCE_KINDS[name];
    if (other !== undefined) {
      subresources.set(name, { gvk: other.gvk, schema: catalog.schemaName(other.className)! });
      classes.push(other.className);
    } else if (PARENT_KIND_SUBRESOURCES.has(name)) {
      subresources.set(name, { gvk: gvkOf(t), schema: kindSchema });
    }
  }
  const listSchema = list === undefined ? undefined : catalog.schemaName(list);
  return {
    description: resourceDescription(t, kindSchema, listSchema, true, subresources, catalog),
    classes,
    schemas: new Map(),
  };
}

function resourceDescription(
  type: ResourceType,
  kindSchema: string,
  listSchema: string | undefined,
  strategicMerge: boolean,
  subresources: Map<string, SubresourceKind>,
  catalog: ModelCatalog,
): ResourceDescription {
  return {
    type,
    kindSchema,
    listSchema,
    strategicMerge,
    subresources,
    statusSchema: catalog.schemaName('V1Status')!,
    deleteOptionsSchema: catalog.schemaName('V1DeleteOptions')!,
    watchEventSchema: catalog.schemaName('V1WatchEvent')!,
    patchSchema: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  };
}

function sortedMap(schemas: Map<string, JsonObject>): Map<string, JsonObject> {
  return new Map([...schemas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const SECURITY = {
  scheme: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
  requirement: [{ BearerToken: [] }],
};

function v3Document(parts: GroupParts): JsonObject {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: renderPaths(parts.paths, 'v3'),
    components: {
      schemas: Object.fromEntries(parts.schemas),
      securitySchemes: { BearerToken: SECURITY.scheme },
    },
    security: SECURITY.requirement,
  };
}

function v2Document(all: readonly GroupParts[]): JsonObject {
  const definitions = new Map<string, JsonObject>();
  for (const parts of all) {
    for (const [name, schema] of parts.schemas)
      if (!definitions.has(name)) definitions.set(name, toV2Definition(name, schema));
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: renderPaths(
      all.flatMap((p) => p.paths),
      'v2',
    ),
    definitions: Object.fromEntries(sortedMap(definitions)),
    securityDefinitions: { BearerToken: SECURITY.scheme },
    security: SECURITY.requirement,
  };
}
