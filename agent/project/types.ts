/**
 * A workspace's slipway.yaml after validation: paths resolved against the file's folder, defaults filled
 * in. The plan engine reads only this shape; `config.ts` owns turning the file into it.
 */
import type { WorkloadRef } from '../../protocol';

export interface ProjectConfig {
  /** Absolute path of slipway.yaml. */
  file: string;
  /** The folder slipway.yaml is in; relative paths in the file are resolved against it. */
  root: string;
  environments: Record<string, EnvironmentConfig>;
  services: Record<string, ServiceConfig>;
  /** Migration sets by name, referenced from services (their shape belongs to the migrations feature). */
  migrations: Record<string, Record<string, unknown>>;
}

export interface EnvironmentConfig {
  name: string;
  context: string;
  namespace: string;
  /** Writes need the context name typed as confirmation. */
  protected: boolean;
  /** Writes are refused. */
  readOnly: boolean;
}

export interface HealthCheck {
  /** HTTP path, e.g. /api/v1/health. */
  path: string;
  /** Container or Service port, by number or name. */
  port: number | string;
  /** Expected HTTP status (default 200). */
  expect: number;
  /** Reach each ready pod through the API server's pod proxy, or the Service through its proxy. */
  via: 'pod' | 'service';
  /** The Service for `via: service` (default: the service's name). */
  service?: string;
  timeoutSeconds: number;
  /** Attempts before the check fails (default 3), spaced by one second. */
  retries: number;
}

export interface CanaryStep {
  /** Share of replicas (percent, 1–100) running the new version at this step. */
  weight: number;
  /** How long to watch the gates before the next step. */
  pauseSeconds: number;
}

export interface CanaryGates {
  /** Highest tolerated share of 5xx responses (0–1) from the canary pods' request metrics. */
  maxErrorRate?: number;
  /** Highest tolerated p95 request latency in milliseconds. */
  maxP95Ms?: number;
  /** Highest tolerated container restarts of canary pods during a step (default 0). */
  maxRestarts: number;
}

export interface CanaryConfig {
  /**
   * A second workload that runs the new version beside the stable one (as Nova's
   * `auth-service-v1.0.0` beside `auth-service-v0.9.0`). When absent Slipway creates `<name>-canary`
   * from the stable workload's template.
   */
  workload?: WorkloadRef;
  steps: CanaryStep[];
  gates: CanaryGates;
  /** Where the pods expose Prometheus metrics (default: port named "metrics" or the first port, /metrics). */
  metrics: { port?: number | string; path: string };
  /** Read gates from this Prometheus instead of scraping pods, when set. */
  prometheus?: { url: string };
}

export type Strategy = { type: 'rolling' } | { type: 'canary'; canary: CanaryConfig };

export interface ServiceConfig {
  name: string;
  workload: WorkloadRef;
  /** Image repository without tag, e.g. ghcr.io/nova/auth-service; `--image TAG` completes it. */
  image?: string;
  /** The container whose image a deploy changes (default: the one whose image matches `image`, else the first). */
  container?: string;
  /**
   * Manifests by environment name; the key `default` applies to environments not listed. Each entry is
   * a list of absolute paths: files, directories, or kustomize directories.
   */
  manifests: Record<string, string[]>;
  health: HealthCheck[];
  /** Name of an entry of `migrations`, run before apply. */
  migrations?: string;
  strategy: Strategy;
}
