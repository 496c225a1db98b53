/**
 * The JSON the API server sends, limited to the fields Slipway reads. client-node's generated classes
 * are not used for stored objects because they claim `Date` for timestamps while watch events carry
 * strings; these types describe what is really in memory.
 */

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: Container[]; initContainers?: Container[] };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: { containers?: Container[]; initContainers?: Container[]; nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    selector?: LabelSelector;
    template?: PodTemplate;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface DaemonSet extends KubeObject {
  spec?: { selector?: LabelSelector; template?: PodTemplate };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export interface ReplicaSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export interface ControllerRevision extends KubeObject {
  revision: number;
  /** For StatefulSets and DaemonSets, a patch holding `spec.template`. */
  data?: unknown;
}

export interface Namespace extends KubeObject {
  status?: { phase?: string };
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    ports?: {
      name?: string;
      port: number;
      targetPort?: number | string;
      protocol?: string;
      nodePort?: number;
    }[];
  };
}

export interface IngressBackend {
  service?: { name: string; port?: { number?: number; name?: string } };
  resource?: { kind: string; name: string };
}

export interface Ingress extends KubeObject {
  spec?: {
    defaultBackend?: IngressBackend;
    rules?: { host?: string; http?: { paths?: { path?: string; backend: IngressBackend }[] } }[];
  };
}

export interface MetricTarget {
  type?: string;
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface MetricValue {
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface MetricSpec {
  type: string;
  resource?: { name: string; target?: MetricTarget };
  containerResource?: { name: string; container?: string; target?: MetricTarget };
  pods?: { metric?: { name: string }; target?: MetricTarget };
  object?: { metric?: { name: string }; target?: MetricTarget };
  external?: { metric?: { name: string }; target?: MetricTarget };
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current?: MetricValue };
  containerResource?: { name: string; container?: string; current?: MetricValue };
  pods?: { metric?: { name: string }; current?: MetricValue };
  object?: { metric?: { name: string }; current?: MetricValue };
  external?: { metric?: { name: string }; current?: MetricValue };
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec?: {
    scaleTargetRef?: { kind: string; name: string; apiVersion?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
  };
  status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: MetricStatus[] };
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** The key objects are stored under: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(o: KubeObject): string {
  const ns = o.metadata.namespace;
  return ns === undefined || ns === '' ? o.metadata.name : `${ns}/${o.metadata.name}`;
}

/** The controlling owner reference, as the garbage collector and `kubectl` pick it. */
export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}
