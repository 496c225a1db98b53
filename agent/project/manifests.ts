import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { AgentFailure, agentError } from '../../protocol';

export interface ManifestDoc {
  object: Record<string, unknown>;
  file: string;
  /** 1-based line of the document's first content line. */
  line: number;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function invalid(file: string, line: number, message: string): AgentFailure {
  return new AgentFailure(
    agentError('INVALID', `${file}:${line}: ${message} Fix the file and deploy again.`),
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Kubernetes objects of one file: every YAML document, `kind: List` expanded, empty ones skipped. */
export function readManifestFile(file: string): ManifestDoc[] {
  const text = readFileSync(file, 'utf8');
  const counter = new LineCounter();
  const out: ManifestDoc[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: counter, prettyErrors: false })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      throw invalid(
        file,
        counter.linePos(error.pos[0]).line,
        `${error.message.split('\n')[0] ?? 'YAML error'}.`,
      );
    }
    const start = doc.contents?.range[0] ?? doc.range[0];
    const line = counter.linePos(start).line;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value))
      throw invalid(file, line, 'A manifest document must be a mapping (apiVersion, kind, metadata, ...).');
    const items = value['kind'] === 'List' && Array.isArray(value['items']) ? value['items'] : [value];
    for (const item of items) {
      if (!isRecord(item)) throw invalid(file, line, 'A List item is not an object.');
      const meta = item['metadata'];
      const missing = [
        typeof item['apiVersion'] === 'string' ? undefined : 'apiVersion',
        typeof item['kind'] === 'string' ? undefined : 'kind',
        isRecord(meta) && typeof meta['name'] === 'string' && meta['name'] !== ''
          ? undefined
          : 'metadata.name',
      ].filter((m) => m !== undefined);
      if (missing.length > 0) throw invalid(file, line, `The object has no ${missing.join(', ')}.`);
      out.push({ object: item, file, line });
    }
  }
  return out;
}

/**
 * A manifest file, or a directory's manifest files in name order (not recursive), as `kubectl apply -f`
 * reads them.
 */
export function readManifestPath(path: string): ManifestDoc[] {
  if (!existsSync(path)) {
    throw new AgentFailure(
      agentError('NOT_FOUND', `${path} does not exist. Check the path and deploy again.`),
    );
  }
  if (!statSync(path).isDirectory()) return readManifestFile(path);
  const files = readdirSync(path)
    .filter((f) => MANIFEST_EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isFile());
  return files.flatMap(readManifestFile);
}
