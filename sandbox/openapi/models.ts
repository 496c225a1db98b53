/**
 * Reads the type metadata of the generated model classes in @kubernetes/client-node: each class carries an
 * `attributeTypeMap` (field names, TypeScript-ish type strings, formats), and the package's .d.ts files
 * carry the upstream field descriptions as doc comments and mark required fields by leaving off the `?`.
 * Everything here is offline: the package is installed with the project.
 */
import * as clientNode from '@kubernetes/client-node';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ModelField {
  /** JSON name on the wire. */
  jsonName: string;
  /** Type string as the generator wrote it: 'string', 'Array<V1Container>', '{ [key: string]: string; }'. */
  type: string;
  format: string;
  description: string | undefined;
  required: boolean;
}

export interface ModelInfo {
  name: string;
  description: string | undefined;
  fields: readonly ModelField[];
}

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface DocComments {
  classDescription: string | undefined;
  fieldDescriptions: Map<string, string>;
  requiredFields: Set<string>;
}

// The namespace object is indexed by class name at run time; viewing it as a plain record is the honest
// type for that lookup.
const exportsByName: Readonly<Record<string, unknown>> = clientNode;

const cache = new Map<string, ModelInfo | null>();

/** The model class `name` (e.g. 'V1Deployment'), or undefined when client-node has no such model. */
export function loadModel(name: string): ModelInfo | undefined {
  let info = cache.get(name);
  if (info === undefined) {
    info = readModel(name) ?? null;
    cache.set(name, info);
  }
  return info ?? undefined;
}

function readModel(name: string): ModelInfo | undefined {
  const attributes = attributeTypeMap(exportsByName[name]);
  if (attributes === undefined) return undefined;
  const docs = readDocComments(name);
  const fields = attributes.map((a) => ({
    jsonName: a.baseName,
    type: a.type,
    format: a.format,
    description: docs.fieldDescriptions.get(a.name),
    required: docs.requiredFields.has(a.name),
  }));
  return { name, description: docs.classDescription, fields };
}

function attributeTypeMap(cls: unknown): AttributeType[] | undefined {
  if (typeof cls !== 'function') return undefined;
  const map: unknown = Reflect.get(cls, 'attributeTypeMap');
  if (!Array.isArray(map)) return undefined;
  return map.filter(isAttributeType);
}

function isAttributeType(value: unknown): value is AttributeType {
  if (typeof value !== 'object' || value === null) return false;
  const keys = ['name', 'baseName', 'type', 'format'] as const;
  return keys.every((k) => typeof Reflect.get(value, k) === 'string');
}

// Doc comments that end right before the class declaration or a property declaration. The body may not
// contain `*/`, so the file's licence header (followed by imports) never swallows the class comment.
const DOC_BEFORE_DECLARATION =
  /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:export declare class \w+|'([^']+)'\??:)/g;
const PROPERTY_DECLARATION = /^\s*'([^']+)'(\?)?:/gm;

function readDocComments(name: string): DocComments {
  const docs: DocComments = {
    classDescription: undefined,
    fieldDescriptions: new Map(),
    requiredFields: new Set(),
  };
  const source = readDeclarationFile(name);
  if (source === undefined) return docs;
  for (const m of source.matchAll(DOC_BEFORE_DECLARATION)) {
    const text = cleanComment(m[1] ?? '');
    if (m[2] === undefined) docs.classDescription = text;
    else docs.fieldDescriptions.set(m[2], text);
  }
  for (const m of source.matchAll(PROPERTY_DECLARATION)) {
    if (m[1] !== undefined && m[2] === undefined) docs.requiredFields.add(m[1]);
  }
  return docs;
}

/** Strips the comment's leading asterisks and the generator's backslash escapes (\' and \"). */
function cleanComment(body: string): string {
  return body
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .filter((line) => line !== '')
    .join('\n')
    .replace(/\\(.)/g, '$1');
}

function readDeclarationFile(name: string): string | undefined {
  const dir = modelsDirectory();
  if (dir === undefined) return undefined;
  const file = path.join(dir, `${name}.d.ts`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

let modelsDir: string | null | undefined;

/**
 * Where the package's generated model declarations live. Under tsx the module resolver tells us; in a
 * bundle (where import.meta.resolve may be missing) we look for node_modules up from the entry script and
 * from the working directory. Without the .d.ts files the schemas simply lose descriptions and required
 * lists.
 */
function modelsDirectory(): string | undefined {
  if (modelsDir === undefined) {
    const script = process.argv[1];
    const fromScript = script === undefined ? undefined : searchUp(path.dirname(path.resolve(script)));
    modelsDir = resolveFromModule() ?? fromScript ?? searchUp(process.cwd()) ?? null;
  }
  return modelsDir ?? undefined;
}

function resolveFromModule(): string | undefined {
  try {
    if (typeof import.meta.resolve !== 'function') return undefined;
    const entry = fileURLToPath(import.meta.resolve('@kubernetes/client-node'));
    const dir = path.join(path.dirname(entry), 'gen', 'models');
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function searchUp(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '@kubernetes', 'client-node', 'dist', 'gen', 'models');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
