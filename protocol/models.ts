/** What the agent reports about clusters. Plain data: no Kubernetes client types cross the wire. */

export interface ContextInfo {
  name: string;
  cluster: string;
  user: string;
  server: string;
  /** The context's default namespace ('default' when the kubeconfig names none). */
  namespace: string;
  /** The kubeconfig's current-context. */
  current: boolean;
  /** Marked production by name or by the user's settings; the UI warns before writes. */
  production: boolean;
  /** The kubeconfig file that defines the context. */
  source: string;
}

export interface KubeconfigState {
  contexts: ContextInfo[];
  currentContext: string | undefined;
  files: string[];
  /** Set when a kubeconfig file could not be read; contexts from the other files are still listed. */
  problems: { file: string; message: string }[];
}

export interface ClusterStatus {
  context: string;
  reachable: boolean;
  serverVersion?: string;
  error?: import('./errors').AgentError;
}

export interface NamespaceInfo {
  name: string;
  phase: string;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export type Health = 'healthy' | 'progressing' | 'degraded' | 'failed' | 'idle' | 'unknown';

export interface WorkloadInfo {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid: string;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  health: Health;
  /** A short reason when not healthy, e.g. "CrashLoopBackOff" or "ProgressDeadlineExceeded". */
  reason?: string;
  images: string[];
  /** Container names, in the same order as `images`. */
  containers: string[];
  selector: Record<string, string>;
  createdAt: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  /** What `kubectl get pods` shows as STATUS: Running, CrashLoopBackOff, Terminating, ... */
  status: string;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  node?: string;
  ip?: string;
  createdAt: string;
  labels: Record<string, string>;
  /** The workload that owns the pod (through its ReplicaSet for Deployments). */
  owner?: { kind: WorkloadKind; name: string };
  containers: string[];
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort: string;
  protocol: string;
  nodePort?: number;
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string;
  clusterIP?: string;
  ports: ServicePort[];
  selector: Record<string, string>;
}

export interface IngressInfo {
  namespace: string;
  name: string;
  hosts: string[];
  backends: { service: string; port: string }[];
}

export interface HpaInfo {
  namespace: string;
  name: string;
  target: { kind: string; name: string };
  min: number;
  max: number;
  current: number;
  desired: number;
  /** Human summary of the targets, e.g. "cpu 45%/70%". */
  metrics: string;
}

export interface RolloutRevision {
  workload: { kind: WorkloadKind; namespace: string; name: string };
  revision: number;
  images: string[];
  createdAt: string;
  changeCause?: string;
  /** The revision the workload currently runs. */
  current: boolean;
  /** ReplicaSet or ControllerRevision name. */
  source: string;
}

export interface HelmRevision {
  release: string;
  namespace: string;
  revision: number;
  status: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
  updatedAt: string;
  description: string;
}
