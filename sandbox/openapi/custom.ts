/**
 * Schemas of kinds that have no client-node model: custom resources (from their CRD's openAPIV3Schema),
 * the metrics.k8s.io kinds (written by hand after metrics-server's types), and anything else the registry
 * may serve (an open object, so kubectl can still explain its metadata).
 */
import type { ResourceType } from '../registry';
import { type JsonObject, clone, isJsonObject } from '../types';
import {
  API_VERSION_DESCRIPTION,
  KIND_DESCRIPTION,
  LIST_METADATA_DESCRIPTION,
  METADATA_DESCRIPTION,
} from './descriptions';
import { type Gvk, WELL_KNOWN, customSchemaName, packageName, schemaRef } from './names';

/** The schemas of a kind and its list, by component name. */
export interface KindSchemas {
  kindName: string;
  listName: string;
  schemas: Map<string, JsonObject>;
}

function gvkOf(t: ResourceType, kind = t.kind): Gvk {
  return { group: t.group, version: t.version, kind };
}

function gvkExtension(gvk: Gvk): JsonObject[] {
  return [{ group: gvk.group, kind: gvk.kind, version: gvk.version }];
}

function typeMetaProperties(): JsonObject {
  return {
    apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
    kind: { description: KIND_DESCRIPTION, type: 'string' },
  };
}

function metadataProperty(list: boolean): JsonObject {
  return list
    ? { description: LIST_METADATA_DESCRIPTION, allOf: [{ $ref: schemaRef(WELL_KNOWN.listMeta) }] }
    : { description: METADATA_DESCRIPTION, allOf: [{ $ref: schemaRef(WELL_KNOWN.objectMeta) }] };
}

function listSchema(t: ResourceType, itemName: string): JsonObject {
  return {
    description: `${t.listKind} is a list of ${t.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      ...typeMetaProperties(),
      items: {
        description: `List of ${t.plural.toLowerCase()}. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md`,
        type: 'array',
        items: { $ref: schemaRef(itemName) },
      },
      metadata: metadataProperty(true),
    },
    'x-kubernetes-group-version-kind': gvkExtension(gvkOf(t, t.listKind)),
  };
}

/**
 * The component schemas of a custom resource version: its CRD's openAPIV3Schema with apiVersion, kind
 * and metadata filled in the way the real apiextensions server publishes them (metadata becomes a
 * reference to ObjectMeta), plus the list kind. Without a schema the kind is an open object.
 */
export function customResourceSchemas(t: ResourceType, openAPIV3Schema: unknown): KindSchemas {
  const kindName = customSchemaName(gvkOf(t));
  const listName = customSchemaName(gvkOf(t, t.listKind));
  const base: JsonObject = isJsonObject(openAPIV3Schema)
    ? clone(openAPIV3Schema)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const ownProperties = isJsonObject(base['properties']) ? base['properties'] : {};
  const kindSchema: JsonObject = {
    ...base,
    type: 'object',
    properties: { ...ownProperties, ...typeMetaProperties(), metadata: metadataProperty(false) },
    'x-kubernetes-group-version-kind': gvkExtension(gvkOf(t)),
  };
  const schemas = new Map([
    [kindName, kindSchema],
    [listName, listSchema(t, kindName)],
  ]);
  return { kindName, listName, schemas };
}

const METRICS_PACKAGE = packageName('metrics.k8s.io', 'v1beta1');

const TIMESTAMP = {
  description:
    'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].',
  allOf: [{ $ref: schemaRef(WELL_KNOWN.time) }],
};
const WINDOW = { type: 'string', description: 'The length of the window, a Go duration such as "30s".' };

function usageProperty(description: string): JsonObject {
  return {
    description,
    type: 'object',
    additionalProperties: { $ref: schemaRef(WELL_KNOWN.quantity) },
  };
}

function containerMetricsSchema(): JsonObject {
  return {
    description: 'ContainerMetrics sets resource usage metrics of a container.',
    type: 'object',
    required: ['name', 'usage'],
    properties: {
      name: {
        description: 'Container name corresponding to the one from pod.spec.containers.',
        type: 'string',
      },
      usage: usageProperty('The memory usage is the memory working set.'),
    },
  };
}

function podMetricsSchema(t: ResourceType): JsonObject {
  return {
    description: 'PodMetrics sets resource usage metrics of a pod.',
    type: 'object',
    required: ['timestamp', 'window', 'containers'],
    properties: {
      ...typeMetaProperties(),
      containers: {
        description: 'Metrics for all containers are collected within the same time window.',
        type: 'array',
        items: { $ref: schemaRef(`${METRICS_PACKAGE}.ContainerMetrics`) },
        'x-kubernetes-list-type': 'atomic',
      },
      metadata: metadataProperty(false),
      timestamp: TIMESTAMP,
      window: WINDOW,
    },
    'x-kubernetes-group-version-kind': gvkExtension(gvkOf(t)),
  };
}

function nodeMetricsSchema(t: ResourceType): JsonObject {
  return {
    description: 'NodeMetrics sets resource usage metrics of a node.',
    type: 'object',
    required: ['timestamp', 'window', 'usage'],
    properties: {
      ...typeMetaProperties(),
      metadata: metadataProperty(false),
      timestamp: TIMESTAMP,
      usage: usageProperty('The memory usage is the memory working set.'),
      window: WINDOW,
    },
    'x-kubernetes-group-version-kind': gvkExtension(gvkOf(t)),
  };
}

/** metrics-server's PodMetrics and NodeMetrics, which client-node does not model. */
export function metricsSchemas(t: ResourceType): KindSchemas | undefined {
  if (t.group !== 'metrics.k8s.io') return undefined;
  const kindName = `${METRICS_PACKAGE}.${t.kind}`;
  const listName = `${METRICS_PACKAGE}.${t.listKind}`;
  const schemas = new Map<string, JsonObject>();
  if (t.kind === 'PodMetrics') {
    schemas.set(kindName, podMetricsSchema(t));
    schemas.set(`${METRICS_PACKAGE}.ContainerMetrics`, containerMetricsSchema());
  } else if (t.kind === 'NodeMetrics') {
    schemas.set(kindName, nodeMetricsSchema(t));
  } else {
    return undefined;
  }
  schemas.set(listName, listSchema(t, kindName));
  return { kindName, listName, schemas };
}
