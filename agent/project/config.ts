import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { type Document, LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';
import {
  AgentFailure,
  agentError,
  type ProjectInfo,
  type WorkloadKind,
  type WorkloadRef,
} from '../../protocol';
import schema from '../../schemas/slipway.schema.json';
import type {
  CanaryConfig,
  EnvironmentConfig,
  HealthCheck,
  ProjectConfig,
  ServiceConfig,
  Strategy,
} from './types';

export const PROJECT_FILE = 'slipway.yaml';
const PROJECT_FILES = [PROJECT_FILE, 'slipway.yml'];

// The schema is the one source of truth for the file's shape: the editor's IntelliSense reads it too.
const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);

/** slipway.yaml (or .yml) at the folder's root, if there is one. */
export function findProjectFile(workspace: string): string | undefined {
  for (const name of PROJECT_FILES) {
    const file = join(workspace, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export function loadProject(workspace: string): ProjectConfig {
  const file = findProjectFile(workspace);
  if (file === undefined) {
    throw new AgentFailure(
      agentError(
        'NOT_FOUND',
        `No slipway.yaml in ${workspace}. Create one (see the README's "Deploying" section) or deploy a manifest path instead.`,
      ),
    );
  }
  return parseProject(readFileSync(file, 'utf8'), resolve(file));
}

function invalid(file: string, line: number | undefined, message: string): AgentFailure {
  return new AgentFailure(
    agentError(
      'INVALID',
      `${basename(file)}${line === undefined ? '' : `:${line}`}: ${message} Fix ${basename(file)} and try again.`,
      `${file}${line === undefined ? '' : `:${line}`}`,
    ),
  );
}

type Segment = string | number;

function segments(instancePath: string): Segment[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(path: Segment[]): string {
  return path.reduce<string>(
    (out, s) => (typeof s === 'number' ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`),
    '',
  );
}

/** The line a path points at in the YAML (a key's own line when `key` is given). */
function lineOf(doc: Document, counter: LineCounter, path: Segment[], key?: string): number | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  let offset: number | undefined;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair !== undefined && isScalar(pair.key)) offset = pair.key.range?.[0];
  }
  if (offset === undefined && node !== null && typeof node === 'object' && 'range' in node) {
    offset = (node as { range?: [number, number, number] }).range?.[0];
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

function describeError(e: ErrorObject): string {
  const path = dotted(segments(e.instancePath)) || 'the file';
  const params = e.params as Record<string, unknown>;
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'required':
      return `${path} needs "${String(params['missingProperty'])}".`;
    case 'additionalProperties':
      return `${path} has an unknown key "${String(params['additionalProperty'])}".`;
    case 'enum':
      return `${path} must be one of ${((params['allowedValues'] as unknown[] | undefined) ?? []).join(', ')}.`;
    case 'const':
      return `${path} must be ${JSON.stringify(params['allowedValue'])}.`;
    case 'type':
      return `${path} must be ${String(params['type'])}${description === undefined ? '' : ` (${description})`}.`;
    default:
      return `${path} is not valid${description === undefined ? ` (${e.message ?? e.keyword})` : `: ${description}`}`.replace(
        /\.?$/,
        '.',
      );
  }
}

/**
 * The most useful of ajv's errors: the deepest path; there, a oneOf summary (whose schema says what the
 * value may be) over one branch's complaint, and a missing or unknown key over a type mismatch.
 */
function bestError(errors: ErrorObject[]): ErrorObject | undefined {
  const depth = (e: ErrorObject): number =>
    segments(e.instancePath).length +
    (e.keyword === 'additionalProperties' || e.keyword === 'required' ? 0.5 : 0);
  const deepest = Math.max(...errors.map(depth));
  const at = errors.filter((e) => depth(e) === deepest);
  return at.find((e) => e.keyword === 'oneOf') ?? at[0];
}

const KINDS: Record<string, WorkloadKind> = {
  deployment: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  ds: 'DaemonSet',
};

export function parseWorkloadRef(text: string): WorkloadRef | undefined {
  const [kind, name] = text.split('/');
  const k = KINDS[(kind ?? '').toLowerCase()];
  return k === undefined || name === undefined || name === '' ? undefined : { kind: k, name };
}

/** Seconds from `90`, `30s`, `2m`, `1m30s` or `1h`. */
export function parseDuration(v: unknown, fallback: number): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return fallback;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (m === null || v === '') return fallback;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

type Raw = Record<string, unknown>;

function rec(v: unknown): Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : {};
}

/** Parses and validates slipway.yaml's text; relative paths resolve against the file's folder. */
export function parseProject(text: string, file: string): ProjectConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const line = counter.linePos(syntax.pos[0]).line;
    throw invalid(file, line, `${syntax.message.split('\n')[0] ?? 'YAML syntax error'}.`);
  }
  const raw: unknown = doc.toJS();
  if (!validate(raw)) {
    const e = bestError(validate.errors ?? []);
    if (e !== undefined) {
      const path = segments(e.instancePath);
      const key =
        e.keyword === 'additionalProperties' ? String((e.params as Raw)['additionalProperty']) : undefined;
      throw invalid(file, lineOf(doc, counter, path, key), describeError(e));
    }
    throw invalid(file, undefined, 'The file does not match the slipway.yaml schema.');
  }
  const root = dirname(file);
  const top = rec(raw);
  const environments: Record<string, EnvironmentConfig> = {};
  for (const [name, e] of Object.entries(rec(top['environments']))) {
    const env = rec(e);
    environments[name] = {
      name,
      context: String(env['context']),
      namespace: String(env['namespace']),
      protected: env['protected'] === true,
      readOnly: env['readOnly'] === true,
    };
  }
  const migrations: Record<string, Record<string, unknown>> = {};
  for (const [name, m] of Object.entries(rec(top['migrations']))) migrations[name] = rec(m);

  const services: Record<string, ServiceConfig> = {};
  for (const [name, s] of Object.entries(rec(top['services']))) {
    const svc = rec(s);
    const at = (...path: Segment[]): number | undefined => lineOf(doc, counter, ['services', name, ...path]);
    const workload = parseWorkloadRef(String(svc['workload']));
    if (workload === undefined)
      throw invalid(file, at('workload'), `services.${name}.workload must be KIND/NAME.`);

    const manifests: Record<string, string[]> = {};
    const m = svc['manifests'];
    if (typeof m === 'string' || Array.isArray(m))
      manifests['default'] = list(m).map((p) => resolve(root, p));
    else {
      for (const [envName, paths] of Object.entries(rec(m))) {
        if (envName !== 'default' && environments[envName] === undefined) {
          throw invalid(
            file,
            lineOf(doc, counter, ['services', name, 'manifests'], envName),
            `services.${name}.manifests names environment "${envName}", which is not under environments (use one of ${[...Object.keys(environments), 'default'].join(', ')}).`,
          );
        }
        manifests[envName] = list(paths).map((p) => resolve(root, p));
      }
    }

    const health: HealthCheck[] = (Array.isArray(svc['health']) ? svc['health'] : []).map((h) => {
      const c = rec(h);
      const check: HealthCheck = {
        path: String(c['path']),
        port: typeof c['port'] === 'number' ? c['port'] : String(c['port']),
        expect: typeof c['expect'] === 'number' ? c['expect'] : 200,
        via: c['via'] === 'service' ? 'service' : 'pod',
        timeoutSeconds: typeof c['timeoutSeconds'] === 'number' ? c['timeoutSeconds'] : 5,
        retries: typeof c['retries'] === 'number' ? c['retries'] : 3,
      };
      if (typeof c['service'] === 'string') check.service = c['service'];
      return check;
    });

    const migrationsRef = typeof svc['migrations'] === 'string' ? svc['migrations'] : undefined;
    if (migrationsRef !== undefined && migrations[migrationsRef] === undefined) {
      throw invalid(
        file,
        at('migrations'),
        `services.${name}.migrations refers to "${migrationsRef}", which is not under migrations.`,
      );
    }

    const service: ServiceConfig = {
      name,
      workload,
      manifests,
      health,
      strategy: strategyOf(
        svc['strategy'],
        (msg, ...path) => invalid(file, at('strategy', ...path), msg),
        name,
      ),
    };
    if (typeof svc['image'] === 'string') service.image = svc['image'];
    if (typeof svc['container'] === 'string') service.container = svc['container'];
    if (migrationsRef !== undefined) service.migrations = migrationsRef;
    services[name] = service;
  }
  return { file, root, environments, services, migrations };
}

function strategyOf(
  v: unknown,
  fail: (message: string, ...path: Segment[]) => AgentFailure,
  service: string,
): Strategy {
  const type = typeof v === 'string' ? v : rec(v)['type'];
  if (type !== 'canary') return { type: 'rolling' };
  const c = rec(rec(v)['canary']);
  const rawSteps = Array.isArray(c['steps']) ? c['steps'] : [];
  if (rawSteps.length === 0) {
    throw fail(
      `services.${service}.strategy is canary but has no canary.steps (e.g. [{ weight: 5, pause: 2m }, { weight: 50, pause: 5m }]).`,
    );
  }
  const steps = rawSteps.map((s) => {
    const step = rec(s);
    return { weight: Number(step['weight']), pauseSeconds: parseDuration(step['pause'], 60) };
  });
  steps.forEach((s, i) => {
    const prev = steps[i - 1];
    if (prev !== undefined && s.weight <= prev.weight) {
      throw fail(
        `services.${service}.strategy.canary.steps must increase in weight (${prev.weight} then ${s.weight}).`,
        'canary',
        'steps',
        i,
      );
    }
  });
  const g = rec(c['gates']);
  const metrics = rec(c['metrics']);
  const canary: CanaryConfig = {
    steps,
    gates: { maxRestarts: typeof g['maxRestarts'] === 'number' ? g['maxRestarts'] : 0 },
    metrics: { path: typeof metrics['path'] === 'string' ? metrics['path'] : '/metrics' },
  };
  if (typeof g['maxErrorRate'] === 'number') canary.gates.maxErrorRate = g['maxErrorRate'];
  if (typeof g['maxP95Ms'] === 'number') canary.gates.maxP95Ms = g['maxP95Ms'];
  const port = metrics['port'];
  if (typeof port === 'number' || typeof port === 'string') canary.metrics.port = port;
  const prometheus = rec(c['prometheus']);
  if (typeof prometheus['url'] === 'string') canary.prometheus = { url: prometheus['url'] };
  if (typeof c['workload'] === 'string') {
    const ref = parseWorkloadRef(c['workload']);
    if (ref !== undefined) canary.workload = ref;
  }
  return { type: 'canary', canary };
}

export function projectInfo(p: ProjectConfig): ProjectInfo {
  return {
    file: p.file,
    environments: Object.values(p.environments).map((e) => ({
      name: e.name,
      context: e.context,
      namespace: e.namespace,
      protected: e.protected,
      readOnly: e.readOnly,
    })),
    services: Object.values(p.services).map((s) => ({
      name: s.name,
      workload: s.workload,
      ...(s.image === undefined ? {} : { imageRepository: s.image }),
      strategy: s.strategy.type,
      migrations: s.migrations !== undefined,
    })),
  };
}

/** The service's manifests for an environment: its own entry, else `default`, else none. */
export function manifestsFor(service: ServiceConfig, env: string): string[] {
  return service.manifests[env] ?? service.manifests['default'] ?? [];
}
