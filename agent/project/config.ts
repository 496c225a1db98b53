/**
 * slipway.yaml: finding it, validating it against `schemas/slipway.schema.json` and turning it into the
 * `ProjectConfig` the deploy engine reads. Every problem is reported as one sentence with the file and the
 * line it is on, so the user can go straight to it.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import {
  type Document,
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseDocument,
  stringify,
} from 'yaml';
import {
  AgentFailure,
  agentError,
  type ProjectInfo,
  type WorkloadKind,
  type WorkloadRef,
} from '../../protocol';
import schema from '../../schemas/slipway.schema.json';
import { yamlProblem } from './manifests';
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

/** slipway.yaml (or slipway.yml) at the folder's root, if there is one. */
export function findProjectFile(workspace: string): string | undefined {
  for (const name of PROJECT_FILES) {
    const file = join(workspace, name);
    if (statSync(file, { throwIfNoEntry: false })?.isFile() === true) return file;
  }
  return undefined;
}

/** Reads and validates the folder's slipway.yaml; throws NOT_FOUND without one, INVALID for a bad one. */
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AgentFailure(
      agentError(
        'INVALID',
        `Cannot read ${file}: ${e instanceof Error ? e.message : String(e)}. Check the file's permissions.`,
        file,
        e instanceof Error ? e.stack : undefined,
      ),
    );
  }
  return parseProject(text, resolve(file));
}

/** Parses and validates slipway.yaml's text; relative paths resolve against the file's folder. */
export function parseProject(text: string, file: string): ProjectConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, merge: true });
  const problem = (line: number, sentence: string, next?: string): AgentFailure =>
    invalid(file, line, sentence, next);

  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const sentence =
      syntax.code === 'MULTIPLE_DOCS'
        ? 'the file holds more than one YAML document (---), but slipway.yaml is a single document'
        : yamlProblem(syntax, text);
    throw problem(counter.linePos(syntax.pos[0]).line, sentence);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    throw problem(1, 'the file is empty', 'Start it with version: 1 and your environments and services.');
  }
  const validate = validator();
  if (!validate(data)) {
    const found = explain(validate.errors ?? [], doc, counter);
    throw problem(found.line, found.sentence, found.next);
  }
  return build(data, file, (path, key) => lineOf(doc, counter, path, key), problem);
}

/** Environments and services for pickers. */
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

const KINDS: Readonly<Record<string, WorkloadKind>> = {
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
};

/** The kinds (and kubectl's aliases for them) a workload reference may name, lowercase. */
export const WORKLOAD_KIND_NAMES: readonly string[] = Object.keys(KINDS);

/** `deployment/api`, `Deployment/api`, `sts/db` …; undefined for anything else. */
export function parseWorkloadRef(text: string): WorkloadRef | undefined {
  const slash = text.indexOf('/');
  const kind = KINDS[text.slice(0, slash).toLowerCase()];
  const name = text.slice(slash + 1);
  return slash < 0 || kind === undefined || name === '' || name.includes('/') ? undefined : { kind, name };
}

/** Seconds from `90`, `30s`, `2m`, `1m30s` or `1h`; undefined when the text is no such duration. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  const m = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (m === null) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

// ---- The file as the schema admits it, after ajv has filled in the schema's defaults.

type FilePaths = string | string[];

interface FileHealthCheck {
  path: string;
  port: number | string;
  expect: number;
  via: 'pod' | 'service';
  service?: string;
  timeoutSeconds: number;
  retries: number;
}

interface FileCanary {
  workload?: string;
  steps: { weight: number; pause: number | string }[];
  gates: { maxErrorRate?: number; maxP95Ms?: number; maxRestarts: number };
  metrics: { port?: number | string; path: string };
  prometheus?: { url: string };
}

interface FileService {
  workload: string;
  image?: string;
  container?: string;
  manifests?: FilePaths | Record<string, FilePaths>;
  health: FileHealthCheck[];
  migrations?: string;
  strategy: 'rolling' | { type: 'rolling' } | { type: 'canary'; canary: FileCanary };
}

interface SlipwayFile {
  version: 1;
  environments: Record<string, Omit<EnvironmentConfig, 'name'>>;
  services: Record<string, FileService>;
  migrations: Record<string, Record<string, unknown>>;
}

let compiled: ValidateFunction<SlipwayFile> | undefined;

/**
 * The schema is the one source of truth for the file's shape and defaults: the editor's completion and
 * hovers read the same file. Compiled on first use so the agent starts without paying for it.
 */
function validator(): ValidateFunction<SlipwayFile> {
  if (compiled === undefined) {
    // Strict mode turns a schema mistake into a failing unit test instead of a silently ignored keyword.
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      useDefaults: true,
      strict: true,
      strictRequired: false,
    });
    // The editors' own keyword (VS Code, YAML extension): the sentence to show when a value does not fit.
    ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
    compiled = ajv.compile<SlipwayFile>(schema);
  }
  return compiled;
}

// ---- From the validated file to ProjectConfig, with the checks that span fields.

type Segment = string | number;
type LineOf = (path: readonly Segment[], key?: string) => number;
type Problem = (line: number, sentence: string, next?: string) => AgentFailure;

function build(f: SlipwayFile, file: string, line: LineOf, problem: Problem): ProjectConfig {
  const root = dirname(file);
  const environments: Record<string, EnvironmentConfig> = {};
  for (const [name, e] of Object.entries(f.environments)) {
    environments[name] = {
      name,
      context: e.context,
      namespace: e.namespace,
      protected: e.protected,
      readOnly: e.readOnly,
    };
  }
  const services: Record<string, ServiceConfig> = {};
  for (const [name, s] of Object.entries(f.services)) {
    const at = (...path: Segment[]): number => line(['services', name, ...path]);
    const where = `services.${name}`;
    const workload = workloadRef(s.workload, at('workload'), `${where}.workload`, problem);

    const manifests: Record<string, string[]> = {};
    const paths = (p: FilePaths): string[] => (typeof p === 'string' ? [p] : p).map((x) => resolve(root, x));
    if (typeof s.manifests === 'string' || Array.isArray(s.manifests)) {
      manifests['default'] = paths(s.manifests);
    } else {
      for (const [env, p] of Object.entries(s.manifests ?? {})) {
        if (env !== 'default' && environments[env] === undefined) {
          throw problem(
            line(['services', name, 'manifests'], env),
            `${where}.manifests names environment "${env}", which is not under environments`,
            `Use one of ${[...Object.keys(environments), 'default'].join(', ')}, or add ${env} to environments.`,
          );
        }
        manifests[env] = paths(p);
      }
    }

    const health = s.health.map((h, i): HealthCheck => {
      if (h.service !== undefined && h.via !== 'service') {
        throw problem(
          at('health', i, 'service'),
          `${where}.health[${i}].service names a Service, but the check calls pods`,
          'Add via: service to call the Service, or remove service.',
        );
      }
      const check: HealthCheck = {
        path: h.path,
        port: h.port,
        expect: h.expect,
        via: h.via,
        timeoutSeconds: h.timeoutSeconds,
        retries: h.retries,
      };
      if (h.service !== undefined) check.service = h.service;
      return check;
    });

    if (s.migrations !== undefined && f.migrations[s.migrations] === undefined) {
      const known = Object.keys(f.migrations);
      throw problem(
        at('migrations'),
        `${where}.migrations names "${s.migrations}", which is not under migrations`,
        known.length === 0
          ? `Add migrations.${s.migrations} at the top level, or remove the reference.`
          : `Use one of ${known.join(', ')}, or add migrations.${s.migrations}.`,
      );
    }

    const service: ServiceConfig = {
      name,
      workload,
      manifests,
      health,
      strategy: strategy(s, workload, (...path) => at('strategy', ...path), `${where}.strategy`, problem),
    };
    if (s.image !== undefined) service.image = s.image;
    if (s.container !== undefined) service.container = s.container;
    if (s.migrations !== undefined) service.migrations = s.migrations;
    services[name] = service;
  }
  return { file, root, environments, services, migrations: f.migrations };
}

function workloadRef(text: string, line: number, where: string, problem: Problem): WorkloadRef {
  const ref = parseWorkloadRef(text);
  // The schema's pattern admits exactly what parseWorkloadRef reads (a unit test holds them together).
  if (ref === undefined) throw problem(line, `${where} must be KIND/NAME, e.g. deployment/auth-service`);
  return ref;
}

function strategy(
  s: FileService,
  stable: WorkloadRef,
  at: (...path: Segment[]) => number,
  where: string,
  problem: Problem,
): Strategy {
  if (s.strategy === 'rolling' || s.strategy.type === 'rolling') return { type: 'rolling' };
  const c = s.strategy.canary;
  const steps = c.steps.map((step, i) => {
    const pauseSeconds = parseDuration(step.pause);
    if (pauseSeconds === undefined) {
      throw problem(at('canary', 'steps', i, 'pause'), `${where}.canary.steps[${i}].pause is not a duration`);
    }
    return { weight: step.weight, pauseSeconds };
  });
  steps.forEach((step, i) => {
    const before = steps[i - 1];
    if (before !== undefined && step.weight <= before.weight) {
      throw problem(
        at('canary', 'steps', i, 'weight'),
        `${where}.canary.steps[${i}].weight must be higher than the step before (${before.weight}), not ${step.weight}`,
        'List the steps in rising order, e.g. 5, 50, 100.',
      );
    }
  });
  const canary: CanaryConfig = {
    steps,
    gates: { maxRestarts: c.gates.maxRestarts },
    metrics: { path: c.metrics.path },
  };
  if (c.gates.maxErrorRate !== undefined) canary.gates.maxErrorRate = c.gates.maxErrorRate;
  if (c.gates.maxP95Ms !== undefined) canary.gates.maxP95Ms = c.gates.maxP95Ms;
  if (c.metrics.port !== undefined) canary.metrics.port = c.metrics.port;
  if (c.prometheus !== undefined) canary.prometheus = { url: c.prometheus.url };
  if (c.workload !== undefined) {
    const ref = workloadRef(c.workload, at('canary', 'workload'), `${where}.canary.workload`, problem);
    if (ref.kind === stable.kind && ref.name === stable.name) {
      throw problem(
        at('canary', 'workload'),
        `${where}.canary.workload is the service's own workload, but the canary runs beside it`,
        `Name a second workload, or leave it out to let Slipway create ${stable.name}-canary.`,
      );
    }
    canary.workload = ref;
  }
  return { type: 'canary', canary };
}

// ---- Errors: one sentence, with the line it is about.

function invalid(file: string, line: number, sentence: string, next?: string): AgentFailure {
  const name = basename(file);
  return new AgentFailure(
    agentError(
      'INVALID',
      `${name}:${line}: ${sentence.replace(/\.$/, '')}. ${next ?? `Fix ${name} and try again.`}`,
      `${file}:${line}`,
    ),
  );
}

function segments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(path: readonly Segment[]): string {
  return path.reduce<string>(
    (out, s) => (typeof s === 'number' ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`),
    '',
  );
}

/**
 * The line of the entry a path leads to: its key's line in a mapping (so `api:` rather than the first line
 * of its block), its item's line in a list. `key` goes one step further, to a key of the mapping itself.
 * Where the path leaves the document the last line reached is the answer.
 */
function lineOf(doc: Document, counter: LineCounter, path: readonly Segment[], key?: string): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (const seg of key === undefined ? path : [...path, key]) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      if (isNode(item) && item.range) offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return counter.linePos(offset).line;
}

interface Explained {
  line: number;
  sentence: string;
  next?: string;
}

interface SchemaLike {
  errorMessage?: string;
  examples?: unknown[];
  $ref?: string;
  properties?: Record<string, SchemaLike | undefined>;
}

/** The first example of a property's schema, looking through a reference to a definition. */
function exampleOf(s: SchemaLike | undefined): unknown {
  const own = s?.examples?.[0];
  if (own !== undefined || s?.$ref === undefined) return own;
  const name = s.$ref.replace('#/definitions/', '');
  return asSchema(Object.entries(schema.definitions).find(([n]) => n === name)?.[1]).examples?.[0];
}

/** Schemas are plain JSON; this reads the few keywords the messages use. */
function asSchema(s: unknown): SchemaLike {
  return typeof s === 'object' && s !== null ? (s as SchemaLike) : {};
}

function schemaOf(e: ErrorObject): SchemaLike {
  return asSchema(e.parentSchema);
}

// Errors about a mapping's keys (unknown or missing) stand on their own. Any other error says nothing new
// when a deeper one exists below it: ajv reports every branch of a oneOf that failed, and the deeper error
// is the one in the branch the user meant.
const KEY_KEYWORDS = new Set(['additionalProperties', 'required']);
const RANK = ['additionalProperties', 'required', 'oneOf', 'not', 'const', 'pattern', 'type'];

/** The problem to report from ajv's list: the first in the file, described as specifically as possible. */
function explain(errors: readonly ErrorObject[], doc: Document, counter: LineCounter): Explained {
  // `if` only says which of then/else failed, and `propertyNames` repeats its inner errors (which carry
  // the offending name); both are noise here.
  const candidates = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const below = (e: ErrorObject, o: ErrorObject): boolean =>
    o.instancePath.startsWith(`${e.instancePath}/`) && o.propertyName === undefined;
  const meaningful = candidates.filter(
    (e) =>
      KEY_KEYWORDS.has(e.keyword) || e.propertyName !== undefined || !candidates.some((o) => below(e, o)),
  );
  const groups = new Map<string, ErrorObject[]>();
  for (const e of meaningful) {
    const id = `${e.instancePath}\u0000${e.propertyName ?? ''}`;
    groups.set(id, [...(groups.get(id) ?? []), e]);
  }
  const rank = (e: ErrorObject): number => {
    const r = RANK.indexOf(e.keyword);
    return (schemaOf(e).errorMessage === undefined ? 0 : -0.5) + (r < 0 ? RANK.length : r);
  };
  const described = [...groups.values()].map((group) => {
    const best = [...group].sort((a, b) => rank(a) - rank(b))[0]!;
    const path = segments(best.instancePath);
    const key =
      best.keyword === 'additionalProperties' ? String(best.params['additionalProperty']) : best.propertyName;
    return { best, group, path, line: lineOf(doc, counter, path, key) };
  });
  described.sort((a, b) => a.line - b.line || b.path.length - a.path.length);
  const first = described[0];
  if (first === undefined) return { line: 1, sentence: 'the file does not match the slipway.yaml schema' };
  return { line: first.line, ...describe(first.best, first.group, first.path) };
}

function describe(e: ErrorObject, group: readonly ErrorObject[], path: Segment[]): Omit<Explained, 'line'> {
  const where = path.length === 0 ? 'the top level' : dotted(path);
  const s = schemaOf(e);
  const must = s.errorMessage === undefined ? undefined : lowerFirst(s.errorMessage);
  if (e.propertyName !== undefined) {
    return { sentence: `the name "${e.propertyName}" in ${where} ${must ?? e.message ?? 'is not allowed'}` };
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const unknown = group
        .filter((g) => g.keyword === 'additionalProperties')
        .map((g) => String(g.params['additionalProperty']));
      const allowed = Object.keys(s.properties ?? {});
      const guess = unknown.length === 1 ? closest(unknown[0]!, allowed) : undefined;
      return {
        sentence: `${where} has ${unknown.length === 1 ? 'an unknown key' : 'unknown keys'} ${quoteList(unknown)}`,
        next:
          guess === undefined
            ? `Remove ${unknown.length === 1 ? 'it' : 'them'}; the keys here are ${allowed.join(', ')}.`
            : `Did you mean "${guess}"?`,
      };
    }
    case 'required': {
      const missing = group
        .filter((g) => g.keyword === 'required')
        .map((g) => String(g.params['missingProperty']));
      const only = missing.length === 1 ? missing[0]! : undefined;
      const example = only === undefined ? undefined : exampleOf(s.properties?.[only]);
      return {
        sentence: `${where} has no ${missing.join(' or ')}`,
        next:
          only === undefined
            ? 'Add them and try again.'
            : example === undefined
              ? `Add ${only} and try again.`
              : `Add it, e.g. ${only}: ${flow(example)}.`,
      };
    }
    default:
      return { sentence: `${where} ${must ?? mustFromKeyword(e)}` };
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a mapping (key: value lines)',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

function mustFromKeyword(e: ErrorObject): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type':
      return `must be ${TYPE_WORDS[String(p['type'])] ?? String(p['type'])}`;
    case 'enum':
      return `must be one of ${(Array.isArray(p['allowedValues']) ? p['allowedValues'] : []).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p['allowedValue'])}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${e.keyword === 'minimum' ? 'at least' : e.keyword === 'maximum' ? 'at most' : e.keyword === 'exclusiveMinimum' ? 'more than' : 'less than'} ${String(p['limit'])}`;
    case 'minItems':
    case 'minProperties':
      return `needs at least ${String(p['limit'])} ${p['limit'] === 1 ? 'entry' : 'entries'}`;
    case 'minLength':
      return 'must not be empty';
    case 'maxLength':
      return `must be at most ${String(p['limit'])} characters long`;
    default:
      return e.message ?? `does not satisfy ${e.keyword}`;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
}

function quoteList(items: readonly string[]): string {
  const q = items.map((i) => `"${i}"`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]!}`;
}

/** A value as it would be written inline in YAML. */
function flow(v: unknown): string {
  return stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

/** The allowed key a misspelt one most likely meant: same letters in another case, or one or two edits away. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : distance(word, c);
    if (d <= 2 && (best === undefined || d < best.d)) best = { c, d };
  }
  return best?.c;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
