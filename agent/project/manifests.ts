/**
 * Reads plain manifests the way `kubectl apply -f` does: a file of YAML documents (or JSON), or every
 * manifest file of a directory. Each object keeps the file and line it came from, so later steps
 * (preflight, dry-run) can point the user at it. Kustomize directories are the caller's business.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Document, LineCounter, type YAMLError, isMap, isNode, isSeq, parseAllDocuments } from 'yaml';
import { AgentFailure, agentError } from '../../protocol';

export interface ManifestDoc {
  object: Record<string, unknown>;
  file: string;
  /** 1-based line where the object starts: its document's first content line, or its item in a List. */
  line: number;
}

const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/**
 * The objects of a manifest file, or of a directory's manifest files in name order (not recursive, like
 * `kubectl apply -f DIR`). Throws NOT_FOUND for a missing path and INVALID, with file and line, for a file
 * that is not valid YAML or holds something that is not a Kubernetes object. An empty directory yields
 * no objects; whether that is an error is the caller's decision.
 */
export function readManifestPath(path: string): ManifestDoc[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) {
    throw new AgentFailure(
      agentError('NOT_FOUND', `${path} does not exist. Check the path and deploy again.`),
    );
  }
  if (!stat.isDirectory()) {
    if (!MANIFEST_EXTENSIONS.includes(extname(path).toLowerCase())) {
      throw new AgentFailure(
        agentError(
          'INVALID',
          `${path} is not a manifest file. Deploy a .yaml, .yml or .json file, or a directory of them.`,
        ),
      );
    }
    return readManifestFile(path);
  }
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.includes(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort()
    .flatMap((name) => readManifestFile(join(path, name)));
}

/**
 * The yaml package's description of a syntax error, as the first half of our sentence. A duplicate key is
 * named, since the parser only says that one exists.
 */
export function yamlProblem(error: YAMLError, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    // The error marks only the key's first character; the key runs to its colon.
    const key = /^[^\n:]*/
      .exec(text.slice(error.pos[0]))?.[0]
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    return `the key "${key ?? ''}" appears twice in one mapping`;
  }
  return (error.message.split('\n')[0] ?? 'YAML syntax error').replace(/\.$/, '');
}

function invalid(file: string, line: number, sentence: string, next: string): AgentFailure {
  return new AgentFailure(agentError('INVALID', `${file}:${line}: ${sentence}. ${next}`, `${file}:${line}`));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every YAML document of the file; empty ones skipped, `kind: List` expanded into its items. */
function readManifestFile(file: string): ManifestDoc[] {
  const counter = new LineCounter();
  const out: ManifestDoc[] = [];
  const lineAt = (offset: number): number => counter.linePos(offset).line;
  const text = readFileSync(file, 'utf8');
  for (const doc of parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, merge: true })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      throw invalid(file, lineAt(error.pos[0]), yamlProblem(error, text), 'Fix the YAML and deploy again.');
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = lineAt(doc.contents?.range?.[0] ?? doc.range[0]);
    if (!isRecord(value)) {
      throw invalid(
        file,
        line,
        `this document is ${Array.isArray(value) ? 'a list' : 'a single value'}, not a Kubernetes object`,
        'Each document needs apiVersion, kind and metadata.name; fix the file and deploy again.',
      );
    }
    if (value['kind'] === 'List' && Array.isArray(value['items'])) {
      value['items'].forEach((item: unknown, i) => {
        const offset = itemOffset(doc, i);
        out.push(checked(item, file, offset === undefined ? line : lineAt(offset)));
      });
    } else {
      out.push(checked(value, file, line));
    }
  }
  return out;
}

/** Where a List's item starts, as an offset from the start of the file (not of its document). */
function itemOffset(doc: Document, index: number): number | undefined {
  const items = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
  const item: unknown = isSeq(items) ? items.items[index] : undefined;
  return isNode(item) ? item.range?.[0] : undefined;
}

/** The object itself, once it has what every Kubernetes object needs. */
function checked(item: unknown, file: string, line: number): ManifestDoc {
  if (!isRecord(item)) {
    throw invalid(file, line, 'a List item is not an object', 'Fix the file and deploy again.');
  }
  const meta = item['metadata'];
  const missing = [
    typeof item['apiVersion'] === 'string' && item['apiVersion'] !== '' ? undefined : 'apiVersion',
    typeof item['kind'] === 'string' && item['kind'] !== '' ? undefined : 'kind',
    isRecord(meta) && typeof meta['name'] === 'string' && meta['name'] !== '' ? undefined : 'metadata.name',
  ].filter((m) => m !== undefined);
  if (missing.length > 0) {
    const what =
      typeof item['kind'] === 'string' && item['kind'] !== '' ? `this ${item['kind']}` : 'this object';
    throw invalid(
      file,
      line,
      `${what} has no ${missing.join(' or ')}`,
      `Every Kubernetes object needs apiVersion, kind and metadata.name; add ${missing.length === 1 ? 'it' : 'them'} and deploy again.`,
    );
  }
  return { object: item, file, line };
}
