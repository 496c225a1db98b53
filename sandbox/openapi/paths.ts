/**
 * The `paths` of the OpenAPI documents: one entry per URL the sandbox serves for a resource, with the
 * operations, query parameters and Kubernetes extensions of the real server.
 *
 * kubectl reads these, not just the schemas:
 * - Server-side field validation (kubectl apply/create/replace without --validate=false) is used only if
 *   the v3 document of the object's group version has a PATCH operation whose x-kubernetes-group-version-kind
 *   is the object's GVK and whose own (operation-level, inline) parameters include `fieldValidation`
 *   (cli-runtime QueryParamVerifierV3). It stops at the first PATCH operation with that GVK, in random map
 *   order, so every PATCH with a GVK (including /status and /ephemeralcontainers) carries the parameter.
 *   Otherwise kubectl falls back to client-side validation with the v2 document.
 * - Client-side apply computes a strategic merge patch from the v3 schemas only if that PATCH operation's
 *   requestBody lists application/strategic-merge-patch+json (kubectl apply's Patcher); custom resources
 *   leave it out, so kubectl sends a JSON merge patch for them, as with a real server.
 * - kubectl explain finds the kind of a resource from the x-kubernetes-group-version-kind of the
 *   operations on /apis/<g>/<v>[/namespaces/{namespace}]/<plural>[/{name}] (explain's plaintext template).
 *
 * Operations are described once (PathSpec) and rendered to both OpenAPI 3.0 and Swagger 2.0.
 */
import type { ResourceType } from '../registry';
import type { JsonObject } from '../types';
import { type Gvk, apiPrefix, capitalize, operationGroupVersion } from './names';

type ParamType = 'string' | 'boolean' | 'integer';

interface Param {
  name: string;
  in: 'query' | 'path';
  description: string;
  type: ParamType;
  required?: boolean;
}

interface Response {
  code: string;
  description: string;
  schema?: string;
}

interface OperationSpec {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch';
  operationId: string;
  description: string;
  action: string;
  gvk: Gvk;
  params: Param[];
  body?: { schema: string; contentTypes: readonly string[] };
  responses: Response[];
  produces: readonly string[];
}

export interface PathSpec {
  path: string;
  params: Param[];
  operations: OperationSpec[];
}

/** A subresource served with its own kind (scale → autoscaling/v1 Scale) or the parent's kind. */
export interface SubresourceKind {
  gvk: Gvk;
  schema: string;
}

/** What the path builder needs to know about one resource type. */
export interface ResourceDescription {
  type: ResourceType;
  kindSchema: string;
  listSchema: string | undefined;
  /** Built-in kinds accept strategic merge patches; custom resources do not. */
  strategicMerge: boolean;
  /** Subresources this module describes, by name, with the kind they take and return. */
  subresources: ReadonlyMap<string, SubresourceKind>;
  statusSchema: string;
  deleteOptionsSchema: string;
  watchEventSchema: string;
  patchSchema: string;
}

const QUERY: Readonly<Record<string, { type: ParamType; description: string }>> = {
  pretty: {
    type: 'string',
    description:
      "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  },
  dryRun: {
    type: 'string',
    description:
      'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  },
  fieldManager: {
    type: 'string',
    description:
      'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  },
  fieldValidation: {
    type: 'string',
    description:
      'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  },
  force: {
    type: 'boolean',
    description:
      'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  },
  allowWatchBookmarks: {
    type: 'boolean',
    description:
      'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
  },
  continue: {
    type: 'string',
    description:
      'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.',
  },
  fieldSelector: {
    type: 'string',
    description:
      'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  },
  labelSelector: {
    type: 'string',
    description:
      'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  },
  limit: {
    type: 'integer',
    description:
      'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.',
  },
  resourceVersion: {
    type: 'string',
    description:
      'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  },
  resourceVersionMatch: {
    type: 'string',
    description:
      'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  },
  sendInitialEvents: {
    type: 'boolean',
    description:
      '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent.',
  },
  timeoutSeconds: {
    type: 'integer',
    description:
      'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
  },
  watch: {
    type: 'boolean',
    description:
      'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  },
  gracePeriodSeconds: {
    type: 'integer',
    description:
      'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  },
  ignoreStoreReadErrorWithClusterBreakingPotential: {
    type: 'boolean',
    description:
      'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.',
  },
  orphanDependents: {
    type: 'boolean',
    description:
      'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  },
  propagationPolicy: {
    type: 'string',
    description:
      "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  },
};

const LIST_PARAMS = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
];
const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];
const PATCH_PARAMS = [...WRITE_PARAMS, 'force'];
const DELETE_PARAMS = [
  'dryRun',
  'gracePeriodSeconds',
  'ignoreStoreReadErrorWithClusterBreakingPotential',
  'orphanDependents',
  'propagationPolicy',
];
const DELETE_COLLECTION_PARAMS = [
  ...DELETE_PARAMS,
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
].sort();

const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_PRODUCES = [
  ...PRODUCES,
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
];
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];
const STRATEGIC_MERGE = 'application/strategic-merge-patch+json';
const ANY_BODY = ['*/*'];

function query(names: readonly string[]): Param[] {
  return names.map((name) => ({ name, in: 'query', ...QUERY[name]! }));
}

const NAMESPACE_PARAM: Param = {
  name: 'namespace',
  in: 'path',
  description: 'object name and auth scope, such as for teams and projects',
  type: 'string',
  required: true,
};

function nameParam(kind: string): Param {
  return { name: 'name', in: 'path', description: `name of the ${kind}`, type: 'string', required: true };
}

const UNAUTHORIZED: Response = { code: '401', description: 'Unauthorized' };

function ok(schema: string): Response[] {
  return [{ code: '200', description: 'OK', schema }, UNAUTHORIZED];
}

function created(schema: string): Response[] {
  return [
    { code: '200', description: 'OK', schema },
    { code: '201', description: 'Created', schema },
    { code: '202', description: 'Accepted', schema },
    UNAUTHORIZED,
  ];
}

function replaced(schema: string): Response[] {
  return [
    { code: '200', description: 'OK', schema },
    { code: '201', description: 'Created', schema },
    UNAUTHORIZED,
  ];
}

function deleted(schema: string): Response[] {
  return [
    { code: '200', description: 'OK', schema },
    { code: '202', description: 'Accepted', schema },
    UNAUTHORIZED,
  ];
}

/** Names an operation the way the real server does: patchAppsV1NamespacedDeploymentStatus. */
function opId(verb: string, d: ResourceDescription, suffix = ''): string {
  const t = d.type;
  const scope = t.namespaced ? 'Namespaced' : '';
  return `${verb}${operationGroupVersion(t.group, t.version)}${scope}${t.kind}${suffix}`;
}

function patchBody(d: ResourceDescription): NonNullable<OperationSpec['body']> {
  const contentTypes = d.strategicMerge
    ? [...PATCH_TYPES.slice(0, 2), STRATEGIC_MERGE, PATCH_TYPES[2]!]
    : PATCH_TYPES;
  return { schema: d.patchSchema, contentTypes };
}

function has(d: ResourceDescription, verb: string): boolean {
  return d.type.verbs.includes(verb);
}

function gvkOf(t: ResourceType): Gvk {
  return { group: t.group, version: t.version, kind: t.kind };
}

function collectionOperations(d: ResourceDescription): OperationSpec[] {
  const t = d.type;
  const gvk = gvkOf(t);
  const ops: OperationSpec[] = [];
  if (has(d, 'list') && d.listSchema !== undefined) {
    ops.push({
      method: 'get',
      operationId: opId('list', d),
      description: `list or watch objects of kind ${t.kind}`,
      action: 'list',
      gvk,
      params: query(LIST_PARAMS),
      responses: ok(d.listSchema),
      produces: WATCH_PRODUCES,
    });
  }
  if (has(d, 'create')) {
    ops.push({
      method: 'post',
      operationId: opId('create', d),
      description: `create ${article(t.kind)} ${t.kind}`,
      action: 'post',
      gvk,
      params: query(WRITE_PARAMS),
      body: { schema: d.kindSchema, contentTypes: ANY_BODY },
      responses: created(d.kindSchema),
      produces: PRODUCES,
    });
  }
  if (has(d, 'deletecollection')) {
    ops.push({
      method: 'delete',
      operationId: `delete${operationGroupVersion(t.group, t.version)}Collection${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
      description: `delete collection of ${t.kind}`,
      action: 'deletecollection',
      gvk,
      params: query(DELETE_COLLECTION_PARAMS),
      body: { schema: d.deleteOptionsSchema, contentTypes: ANY_BODY },
      responses: ok(d.statusSchema),
      produces: PRODUCES,
    });
  }
  return ops;
}

function objectOperations(d: ResourceDescription): OperationSpec[] {
  const t = d.type;
  const gvk = gvkOf(t);
  const ops: OperationSpec[] = [];
  if (has(d, 'get')) {
    ops.push({
      method: 'get',
      operationId: opId('read', d),
      description: `read the specified ${t.kind}`,
      action: 'get',
      gvk,
      params: [],
      responses: ok(d.kindSchema),
      produces: PRODUCES,
    });
  }
  if (has(d, 'update')) {
    ops.push({
      method: 'put',
      operationId: opId('replace', d),
      description: `replace the specified ${t.kind}`,
      action: 'put',
      gvk,
      params: query(WRITE_PARAMS),
      body: { schema: d.kindSchema, contentTypes: ANY_BODY },
      responses: replaced(d.kindSchema),
      produces: PRODUCES,
    });
  }
  if (has(d, 'patch')) {
    ops.push({
      method: 'patch',
      operationId: opId('patch', d),
      description: `partially update the specified ${t.kind}`,
      action: 'patch',
      gvk,
      params: query(PATCH_PARAMS),
      body: patchBody(d),
      responses: replaced(d.kindSchema),
      produces: PRODUCES,
    });
  }
  if (has(d, 'delete')) {
    ops.push({
      method: 'delete',
      operationId: opId('delete', d),
      description: `delete ${article(t.kind)} ${t.kind}`,
      action: 'delete',
      gvk,
      params: query(DELETE_PARAMS),
      body: { schema: d.deleteOptionsSchema, contentTypes: ANY_BODY },
      responses: deleted(d.statusSchema),
      produces: PRODUCES,
    });
  }
  return ops;
}

/** Subresources read and written as a whole object: status, scale, ephemeralcontainers. */
function readWriteSubresource(d: ResourceDescription, name: string, sub: SubresourceKind): OperationSpec[] {
  const suffix = capitalize(name);
  const what = name === 'status' ? 'status of' : `${name} of`;
  return [
    {
      method: 'get',
      operationId: opId('read', d, suffix),
      description: `read ${what} the specified ${d.type.kind}`,
      action: 'get',
      gvk: sub.gvk,
      params: [],
      responses: ok(sub.schema),
      produces: PRODUCES,
    },
    {
      method: 'put',
      operationId: opId('replace', d, suffix),
      description: `replace ${what} the specified ${d.type.kind}`,
      action: 'put',
      gvk: sub.gvk,
      params: query(WRITE_PARAMS),
      body: { schema: sub.schema, contentTypes: ANY_BODY },
      responses: replaced(sub.schema),
      produces: PRODUCES,
    },
    {
      method: 'patch',
      operationId: opId('patch', d, suffix),
      description: `partially update ${what} the specified ${d.type.kind}`,
      action: 'patch',
      gvk: sub.gvk,
      params: query(PATCH_PARAMS),
      body: patchBody(d),
      responses: replaced(sub.schema),
      produces: PRODUCES,
    },
  ];
}

/** Subresources that are created (eviction, binding, token) or replaced (finalize) only. */
function writeOnlySubresource(d: ResourceDescription, name: string, sub: SubresourceKind): OperationSpec[] {
  const replace = name === 'finalize';
  return [
    {
      method: replace ? 'put' : 'post',
      operationId: opId(replace ? 'replace' : 'create', d, capitalize(name)),
      description: replace
        ? `replace finalize of the specified ${d.type.kind}`
        : `create ${name} of ${d.type.kind}`,
      action: replace ? 'put' : 'post',
      gvk: sub.gvk,
      params: query(WRITE_PARAMS),
      body: { schema: sub.schema, contentTypes: ANY_BODY },
      responses: replace ? replaced(sub.schema) : created(sub.schema),
      produces: PRODUCES,
    },
  ];
}

const WRITE_ONLY_SUBRESOURCES = new Set(['eviction', 'binding', 'token', 'finalize']);

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

/** Every path of one resource type: collections, objects, subresources and the legacy watch paths. */
export function resourcePaths(d: ResourceDescription): PathSpec[] {
  const t = d.type;
  const prefix = apiPrefix(t.group, t.version);
  const scoped = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
  const scopeParams = t.namespaced ? [NAMESPACE_PARAM] : [];
  const pretty = query(['pretty']);
  const name = nameParam(t.kind);
  const paths: PathSpec[] = [
    { path: scoped, params: [...scopeParams, ...pretty], operations: collectionOperations(d) },
    { path: `${scoped}/{name}`, params: [name, ...scopeParams, ...pretty], operations: objectOperations(d) },
    ...subresourcePaths(d, `${scoped}/{name}`, [name, ...scopeParams, ...pretty]),
    ...watchPaths(d),
  ];
  if (t.namespaced && has(d, 'list') && d.listSchema !== undefined) {
    paths.push({
      path: `${prefix}/${t.plural}`,
      params: pretty,
      operations: [allNamespacesList(d, d.listSchema)],
    });
  }
  return paths.filter((p) => p.operations.length > 0);
}

function subresourcePaths(d: ResourceDescription, objectPath: string, params: Param[]): PathSpec[] {
  const out: PathSpec[] = [];
  for (const [name, sub] of d.subresources) {
    const operations = WRITE_ONLY_SUBRESOURCES.has(name)
      ? writeOnlySubresource(d, name, sub)
      : readWriteSubresource(d, name, sub);
    out.push({ path: `${objectPath}/${name}`, params, operations });
  }
  return out;
}

function allNamespacesList(d: ResourceDescription, listSchema: string): OperationSpec {
  const t = d.type;
  return {
    method: 'get',
    operationId: `list${operationGroupVersion(t.group, t.version)}${t.kind}ForAllNamespaces`,
    description: `list or watch objects of kind ${t.kind}`,
    action: 'list',
    gvk: gvkOf(t),
    params: query(LIST_PARAMS),
    responses: ok(listSchema),
    produces: WATCH_PRODUCES,
  };
}

/** The deprecated /watch/ paths; real documents still list them and some clients look for them. */
function watchPaths(d: ResourceDescription): PathSpec[] {
  const t = d.type;
  if (!has(d, 'watch')) return [];
  const prefix = `${apiPrefix(t.group, t.version)}/watch`;
  const gv = operationGroupVersion(t.group, t.version);
  const listParams = [...query(LIST_PARAMS), ...query(['pretty'])];
  const watchOp = (operationId: string, action: string, description: string): OperationSpec => ({
    method: 'get',
    operationId,
    description,
    action,
    gvk: gvkOf(t),
    params: [],
    responses: ok(d.watchEventSchema),
    produces: WATCH_PRODUCES,
  });
  const scope = t.namespaced ? 'Namespaced' : '';
  const scoped = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
  const scopeParams = t.namespaced ? [NAMESPACE_PARAM] : [];
  const listDescription = `watch individual changes to a list of ${t.kind}. deprecated: use the 'watch' parameter with a list operation instead.`;
  const paths: PathSpec[] = [
    {
      path: scoped,
      params: [...scopeParams, ...listParams],
      operations: [watchOp(`watch${gv}${scope}${t.kind}List`, 'watchlist', listDescription)],
    },
    {
      path: `${scoped}/{name}`,
      params: [nameParam(t.kind), ...scopeParams, ...listParams],
      operations: [
        watchOp(
          `watch${gv}${scope}${t.kind}`,
          'watch',
          `watch changes to an object of kind ${t.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
        ),
      ],
    },
  ];
  if (t.namespaced) {
    paths.push({
      path: `${prefix}/${t.plural}`,
      params: listParams,
      operations: [watchOp(`watch${gv}${t.kind}ListForAllNamespaces`, 'watchlist', listDescription)],
    });
  }
  return paths;
}

// ---- rendering ----

export type RefStyle = 'v3' | 'v2';

function ref(schema: string, style: RefStyle): JsonObject {
  return { $ref: style === 'v3' ? `#/components/schemas/${schema}` : `#/definitions/${schema}` };
}

function v3Param(p: Param): JsonObject {
  const out: JsonObject = { name: p.name, in: p.in, description: p.description };
  if (p.required === true) out['required'] = true;
  out['schema'] = { type: p.type, uniqueItems: true };
  return out;
}

function v2Param(p: Param): JsonObject {
  const out: JsonObject = {
    name: p.name,
    in: p.in,
    description: p.description,
    type: p.type,
    uniqueItems: true,
  };
  if (p.required === true) out['required'] = true;
  return out;
}

function extensions(op: OperationSpec): JsonObject {
  return {
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version },
  };
}

function v3Content(types: readonly string[], schema: string): JsonObject {
  const content: JsonObject = {};
  for (const t of types) content[t] = { schema: ref(schema, 'v3') };
  return content;
}

function v3Operation(op: OperationSpec, tag: string): JsonObject {
  const out: JsonObject = { tags: [tag], description: op.description, operationId: op.operationId };
  if (op.params.length > 0) out['parameters'] = op.params.map(v3Param);
  if (op.body !== undefined) {
    out['requestBody'] = { content: v3Content(op.body.contentTypes, op.body.schema), required: true };
  }
  const responses: JsonObject = {};
  for (const r of op.responses) {
    responses[r.code] =
      r.schema === undefined
        ? { description: r.description }
        : { description: r.description, content: v3Content(op.produces, r.schema) };
  }
  out['responses'] = responses;
  return { ...out, ...extensions(op) };
}

function v2Operation(op: OperationSpec, tag: string): JsonObject {
  const out: JsonObject = { description: op.description };
  if (op.body !== undefined) out['consumes'] = [...op.body.contentTypes];
  out['produces'] = [...op.produces];
  out['schemes'] = ['https'];
  out['tags'] = [tag];
  out['operationId'] = op.operationId;
  const params = op.params.map(v2Param);
  if (op.body !== undefined)
    params.unshift({ name: 'body', in: 'body', required: true, schema: ref(op.body.schema, 'v2') });
  if (params.length > 0) out['parameters'] = params;
  const responses: JsonObject = {};
  for (const r of op.responses) {
    responses[r.code] =
      r.schema === undefined
        ? { description: r.description }
        : { description: r.description, schema: ref(r.schema, 'v2') };
  }
  out['responses'] = responses;
  return { ...out, ...extensions(op) };
}

/** Tag of a group version's operations, as the real server writes it: 'apps_v1', 'core_v1'. */
function tagOf(p: PathSpec): string {
  const gvk = p.operations[0]?.gvk;
  const path = p.path.split('/');
  const group = path[1] === 'api' ? 'core' : (path[2] ?? gvk?.group ?? '');
  const version = path[1] === 'api' ? path[2] : path[3];
  return `${group.replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${version ?? ''}`;
}

/** The `paths` object of a document in the given OpenAPI version. */
export function renderPaths(specs: readonly PathSpec[], style: RefStyle): JsonObject {
  const out: JsonObject = {};
  for (const p of [...specs].sort((a, b) => a.path.localeCompare(b.path))) {
    const tag = tagOf(p);
    const item: JsonObject = {};
    for (const op of p.operations)
      item[op.method] = style === 'v3' ? v3Operation(op, tag) : v2Operation(op, tag);
    item['parameters'] = p.params.map(style === 'v3' ? v3Param : v2Param);
    out[p.path] = item;
  }
  return out;
}
