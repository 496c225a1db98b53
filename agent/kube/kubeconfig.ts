import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { AgentFailure, agentError, type ContextInfo, type KubeconfigState } from '../../protocol';

// Exec plugins named in a kubeconfig are found through the login shell's PATH; see login-shell.ts.
export { loginShellPath, mergeLoginShellPath } from './login-shell';

/** An entry of a merged kubeconfig and the file that defined it. */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
}

/** client-node's user, plus `tokenFile`, which client-go supports and client-node spells differently. */
export interface KubeUser extends k8s.User {
  readonly tokenFile?: string;
}

export interface LoadedKubeconfig {
  /** The files read, in precedence order (missing KUBECONFIG entries are skipped, as kubectl does). */
  readonly files: readonly string[];
  readonly currentContext: string | undefined;
  readonly contexts: ReadonlyMap<string, Sourced<k8s.Context>>;
  readonly clusters: ReadonlyMap<string, Sourced<k8s.Cluster>>;
  readonly users: ReadonlyMap<string, Sourced<KubeUser>>;
  readonly problems: readonly { file: string; message: string }[];
  /** The home directory, so messages can say ~/.kube/config. */
  readonly home: string;
}

/** Production unless the user's settings say otherwise: any context or cluster with "prod" in its name. */
export const DEFAULT_PRODUCTION_PATTERNS: readonly RegExp[] = [/prod/i];

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function displayPath(file: string, home: string): string {
  return home !== '' && file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file;
}

/** Paths in a kubeconfig are relative to the file that holds them, as kubectl resolves them. */
function resolveIn(dir: string, p: string | undefined): string | undefined {
  return p === undefined ? undefined : path.resolve(dir, p);
}

interface ParsedFile {
  clusters: k8s.Cluster[];
  users: KubeUser[];
  contexts: k8s.Context[];
  currentContext: string | undefined;
  problems: string[];
}

function parseCluster(entry: Json, dir: string): k8s.Cluster | string {
  const name = str(entry['name']);
  const c = entry['cluster'];
  if (name === undefined) return 'a cluster entry has no name and is ignored';
  if (!isRecord(c) || str(c['server']) === undefined) return `cluster "${name}" has no server and is ignored`;
  const cluster: k8s.Cluster = {
    name,
    server: String(c['server']).replace(/\/$/, ''),
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
  };
  const optional: Partial<Record<'caData' | 'caFile' | 'tlsServerName' | 'proxyUrl', string>> = {};
  const caData = str(c['certificate-authority-data']);
  if (caData !== undefined) optional.caData = caData;
  const caFile = resolveIn(dir, str(c['certificate-authority']));
  if (caFile !== undefined) optional.caFile = caFile;
  const tls = str(c['tls-server-name']);
  if (tls !== undefined) optional.tlsServerName = tls;
  const proxy = str(c['proxy-url']);
  if (proxy !== undefined) optional.proxyUrl = proxy;
  return { ...cluster, ...optional };
}

/** An exec command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH. */
function resolveExec(exec: unknown, dir: string): unknown {
  if (!isRecord(exec)) return exec;
  const command = str(exec['command']);
  if (command === undefined || !/[\\/]/.test(command) || path.isAbsolute(command)) return exec;
  return { ...exec, command: path.resolve(dir, command) };
}

function parseUser(entry: Json, dir: string): KubeUser | string {
  const name = str(entry['name']);
  if (name === undefined) return 'a user entry has no name and is ignored';
  const u = isRecord(entry['user']) ? entry['user'] : {};
  const user: { -readonly [K in keyof KubeUser]: KubeUser[K] } = { name };
  const set = <K extends keyof KubeUser>(key: K, value: KubeUser[K] | undefined): void => {
    if (value !== undefined) user[key] = value;
  };
  set('certData', str(u['client-certificate-data']));
  set('certFile', resolveIn(dir, str(u['client-certificate'])));
  set('keyData', str(u['client-key-data']));
  set('keyFile', resolveIn(dir, str(u['client-key'])));
  set('token', str(u['token']));
  set('tokenFile', resolveIn(dir, str(u['tokenFile'])));
  set('username', str(u['username']));
  set('password', str(u['password']));
  set('impersonateUser', str(u['as']));
  if (isRecord(u['exec'])) set('exec', resolveExec(u['exec'], dir));
  if (isRecord(u['auth-provider'])) set('authProvider', u['auth-provider']);
  return user;
}

function parseContext(entry: Json): k8s.Context | string {
  const name = str(entry['name']);
  const c = entry['context'];
  if (name === undefined) return 'a context entry has no name and is ignored';
  if (!isRecord(c) || str(c['cluster']) === undefined)
    return `context "${name}" names no cluster and is ignored`;
  const ctx: { name: string; cluster: string; user: string; namespace?: string } = {
    name,
    cluster: String(c['cluster']),
    user: str(c['user']) ?? '',
  };
  const ns = str(c['namespace']);
  if (ns !== undefined) ctx.namespace = ns;
  return ctx;
}

function entries(doc: Json, key: string): Json[] {
  const v = doc[key];
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** Parses one file's text; `where` names it in problems ("~/.kube/config"). */
function parseKubeconfigText(text: string, file: string, where: string, hint: string): ParsedFile {
  const out: ParsedFile = { clusters: [], users: [], contexts: [], currentContext: undefined, problems: [] };
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0].line;
    const reason = err.message.split(/ at line \d+/)[0]!.trim();
    const at = line === undefined ? '' : ` (line ${line})`;
    out.problems.push(`${where} is not valid YAML${at}: ${reason}; ${hint}`);
    return out;
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return out;
  if (!isRecord(root)) {
    out.problems.push(
      `${where} is not a kubeconfig (it should be a mapping with clusters, users and contexts); ${hint}`,
    );
    return out;
  }
  const dir = path.dirname(file);
  for (const e of entries(root, 'clusters')) {
    const c = parseCluster(e, dir);
    if (typeof c === 'string') out.problems.push(`In ${where}, ${c}.`);
    else out.clusters.push(c);
  }
  for (const e of entries(root, 'users')) {
    const u = parseUser(e, dir);
    if (typeof u === 'string') out.problems.push(`In ${where}, ${u}.`);
    else out.users.push(u);
  }
  for (const e of entries(root, 'contexts')) {
    const c = parseContext(e);
    if (typeof c === 'string') out.problems.push(`In ${where}, ${c}.`);
    else out.contexts.push(c);
  }
  out.currentContext = str(root['current-context']);
  return out;
}

function errnoCode(e: unknown): string | undefined {
  return isRecord(e) && typeof e['code'] === 'string' ? e['code'] : undefined;
}

const READ_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/** The kubeconfig files kubectl would read, in precedence order. */
export function kubeconfigPaths(env: NodeJS.ProcessEnv, home: string): { files: string[]; fromEnv: boolean } {
  const list = env['KUBECONFIG'];
  if (list !== undefined && list !== '') {
    const files = list
      .split(path.delimiter)
      .filter((f) => f !== '')
      .map((f) => path.resolve(f));
    return { files: [...new Set(files)], fromEnv: true };
  }
  return { files: [path.join(home, '.kube', 'config')], fromEnv: false };
}

/**
 * Reads the kubeconfig like kubectl: the KUBECONFIG list, else ~/.kube/config; for clusters, users,
 * contexts and current-context the first file to define a name wins. A file that cannot be read or parsed
 * becomes a problem and the other files still load. Nothing is ever written.
 */
export function loadKubeconfigs(
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): LoadedKubeconfig {
  const { files, fromEnv } = kubeconfigPaths(env, home);
  const hint = fromEnv ? 'fix it or remove it from KUBECONFIG' : 'fix it or move it aside';
  const read: string[] = [];
  const problems: { file: string; message: string }[] = [];
  const clusters = new Map<string, Sourced<k8s.Cluster>>();
  const users = new Map<string, Sourced<KubeUser>>();
  const contexts = new Map<string, Sourced<k8s.Context>>();
  let currentContext: string | undefined;
  for (const file of files) {
    const where = displayPath(file, home);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = errnoCode(e);
      // kubectl skips KUBECONFIG entries that do not exist; so does a missing ~/.kube/config.
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      read.push(file);
      const why = (code !== undefined ? READ_ERRORS[code] : undefined) ?? code ?? String(e);
      problems.push({ file, message: `${where} cannot be read (${why}); ${hint}` });
      continue;
    }
    read.push(file);
    const parsed = parseKubeconfigText(text, file, where, hint);
    for (const message of parsed.problems) problems.push({ file, message });
    for (const c of parsed.clusters)
      if (!clusters.has(c.name)) clusters.set(c.name, { value: c, source: file });
    for (const u of parsed.users) if (!users.has(u.name)) users.set(u.name, { value: u, source: file });
    for (const c of parsed.contexts)
      if (!contexts.has(c.name)) contexts.set(c.name, { value: c, source: file });
    currentContext ??= parsed.currentContext;
  }
  return { files: read, currentContext, contexts, clusters, users, problems, home };
}

export function isProduction(name: string, cluster: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((p) => {
    // A global or sticky pattern keeps lastIndex between calls; reset it so every test starts at 0.
    p.lastIndex = 0;
    const byName = p.test(name);
    p.lastIndex = 0;
    return byName || p.test(cluster);
  });
}

/** The protocol view of a loaded kubeconfig. */
export function toKubeconfigState(
  loaded: LoadedKubeconfig,
  productionPatterns: readonly RegExp[] = DEFAULT_PRODUCTION_PATTERNS,
): KubeconfigState {
  const contexts: ContextInfo[] = [];
  for (const [name, { value: ctx, source }] of loaded.contexts) {
    contexts.push({
      name,
      cluster: ctx.cluster,
      user: ctx.user,
      server: loaded.clusters.get(ctx.cluster)?.value.server ?? '',
      namespace: ctx.namespace ?? 'default',
      current: name === loaded.currentContext,
      production: isProduction(name, ctx.cluster, productionPatterns),
      source,
    });
  }
  return {
    contexts,
    currentContext: loaded.currentContext,
    files: [...loaded.files],
    problems: loaded.problems.map((p) => ({ ...p })),
  };
}

function invalid(message: string, detail?: string): AgentFailure {
  return new AgentFailure(agentError('KUBECONFIG_INVALID', message, detail));
}

/**
 * A client-node KubeConfig for one context, chosen per request rather than by the kubeconfig's
 * current-context, so the agent never depends on (or changes) what kubectl has selected.
 */
export function kubeConfigFor(
  loaded: LoadedKubeconfig,
  contextName: string,
  namespaceOverride?: string,
): k8s.KubeConfig {
  const where = (f: string): string => displayPath(f, loaded.home);
  const ctx = loaded.contexts.get(contextName);
  if (ctx === undefined) {
    const files =
      loaded.files.length === 0 ? 'no kubeconfig file was found' : loaded.files.map(where).join(', ');
    throw new AgentFailure(
      agentError(
        'CONTEXT_NOT_FOUND',
        `The context "${contextName}" is not in your kubeconfig (${files}). Choose another context or add it to your kubeconfig.`,
      ),
    );
  }
  const cluster = loaded.clusters.get(ctx.value.cluster);
  if (cluster === undefined) {
    throw invalid(
      `The context "${contextName}" refers to cluster "${ctx.value.cluster}", which no kubeconfig file defines; fix ${where(ctx.source)}.`,
    );
  }
  if (cluster.value.server.startsWith('http:') && !cluster.value.skipTLSVerify) {
    throw invalid(
      `The cluster "${cluster.value.name}" is served over plain HTTP (${cluster.value.server}), which Slipway does not send credentials over; use its https:// address in ${where(cluster.source)}.`,
    );
  }
  let user: KubeUser | undefined;
  if (ctx.value.user !== '') {
    const found = loaded.users.get(ctx.value.user);
    if (found === undefined) {
      throw invalid(
        `The context "${contextName}" refers to user "${ctx.value.user}", which no kubeconfig file defines; fix ${where(ctx.source)}.`,
      );
    }
    user = withTokenFile(found, where);
  }
  const context: k8s.Context = {
    ...ctx.value,
    namespace: namespaceOverride ?? ctx.value.namespace ?? 'default',
  };
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster.value],
    users: user === undefined ? [] : [user],
    contexts: [context],
    currentContext: contextName,
  });
  return kc;
}

/** Reads a tokenFile now, so a rotated token is picked up whenever the agent reconnects. */
function withTokenFile(user: Sourced<KubeUser>, where: (f: string) => string): KubeUser {
  const file = user.value.tokenFile;
  if (file === undefined || user.value.token !== undefined) return user.value;
  try {
    return { ...user.value, token: readFileSync(file, 'utf8').trim() };
  } catch (e) {
    const code = errnoCode(e) ?? String(e);
    throw invalid(
      `The token file ${where(file)} of user "${user.value.name}" cannot be read (${code}); fix ${where(user.source)}.`,
    );
  }
}
