import type { Readable } from 'node:stream';

/** Options of a `pods/log` request, already validated. */
export interface LogRequest {
  container: string;
  previous: boolean;
  follow: boolean;
  timestamps: boolean;
  sinceTime?: number;
  sinceSeconds?: number;
  tailLines?: number;
  limitBytes?: number;
}

/**
 * What the HTTP layer needs from the simulated kubelet: log streams, pod addresses to bridge
 * port-forwards and proxies to, and resource usage for metrics.k8s.io.
 */
export interface PodRuntimeView {
  /** A stream of the log text; throws an ApiError when the container has no such log. */
  openLog(namespace: string, pod: string, req: LogRequest): Readable;
  /** Makes sure the pod's app listens on `port` (pods bind lazily at scale) and returns its address. */
  connectTarget(namespace: string, pod: string, port: number): Promise<{ host: string; port: number }>;
  /** Ends every following log stream abruptly (fault injection); returns how many. */
  dropLogStreams(): number;
  usage(
    namespace: string,
    pod: string,
  ): { name: string; cpuMillicores: number; memoryBytes: number }[] | undefined;
}
