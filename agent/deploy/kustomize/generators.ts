import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { type Json, invalid, isRecord, meta, nameOf, resOf, strings } from './shared';
import type { Res } from './transforms';

/** A literal's `KEY=VALUE`; surrounding quotes on the value are dropped, as kustomize does for literals. */
function pair(text: string, where: string, unquote: boolean): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw invalid(`${where}: "${text}" is not KEY=VALUE. Write it as KEY=VALUE.`);
  let value = text.slice(i + 1);
  if (
    unquote &&
    value.length >= 2 &&
    ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
  ) {
    value = value.slice(1, -1);
  }
  return [text.slice(0, i), value];
}

/**
 * kustomize's base64 for generated values: one line when short, otherwise 70-character lines each ending
 * in a newline (the newlines are part of the value, and of the hash).
 */
function base64Lines(bytes: Buffer): string {
  const all = bytes.toString('base64');
  if (all.length < 70) return all;
  let out = '';
  for (let i = 0; i < all.length; i += 70) out += `${all.slice(i, i + 70)}\n`;
  return out;
}

function readSource(dir: string, path: string, where: string): Buffer {
  const full = resolve(dir, path);
  if (!existsSync(full)) throw invalid(`${where}: ${full} does not exist. Fix the path.`);
  return readFileSync(full);
}

function generate(kind: 'ConfigMap' | 'Secret', g: Json, dir: string, file: string, options: Json): Res {
  const where = `${file} (${kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator'} ${String(g['name'])})`;
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  const add = ([k, v]: [string, string | Buffer]): void => {
    const bytes = typeof v === 'string' ? Buffer.from(v) : v;
    // A ConfigMap keeps text as text; bytes that are not UTF-8 go to binaryData, as kustomize does.
    if (kind === 'Secret') data[k] = base64Lines(bytes);
    else if (isUtf8(bytes)) data[k] = bytes.toString('utf8');
    else binaryData[k] = base64Lines(bytes);
  };
  for (const lit of strings(g['literals'])) add(pair(lit, where, true));
  for (const env of strings(g['envs'] ?? (g['env'] === undefined ? [] : [g['env']]))) {
    // Env files keep quotes and trailing spaces; only leading space, blank lines and comments go.
    for (const line of readSource(dir, env, where).toString('utf8').split('\n')) {
      const t = line.replace(/\r$/, '').trimStart();
      if (t === '' || t.startsWith('#')) continue;
      add(pair(t, `${where} ${env}`, false));
    }
  }
  for (const f of strings(g['files'])) {
    const i = f.indexOf('=');
    const [key, path] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [basename(f), f];
    add([key, readSource(dir, path, where)]);
  }
  // A generator's own options add to generatorOptions: labels and annotations merge, and either one
  // can turn the hash off (a generator cannot turn it back on).
  const own = isRecord(g['options']) ? g['options'] : {};
  const mapOf = (field: string): Json | undefined => {
    const global = options[field];
    const local = own[field];
    if (!isRecord(global) && !isRecord(local)) return undefined;
    return { ...(isRecord(global) ? global : {}), ...(isRecord(local) ? local : {}) };
  };
  const metadata: Json = { name: String(g['name']) };
  if (typeof g['namespace'] === 'string') metadata['namespace'] = g['namespace'];
  const labels = mapOf('labels');
  const annotations = mapOf('annotations');
  if (labels !== undefined) metadata['labels'] = labels;
  if (annotations !== undefined) metadata['annotations'] = annotations;
  const object: Json = { apiVersion: 'v1', kind, metadata };
  if (options['immutable'] === true || own['immutable'] === true) object['immutable'] = true;
  if (kind === 'Secret') object['type'] = typeof g['type'] === 'string' ? g['type'] : 'Opaque';
  if (Object.keys(binaryData).length > 0) object['binaryData'] = binaryData;
  if (Object.keys(data).length > 0) object['data'] = data;
  const res = resOf(object, file);
  res.hashed = options['disableNameSuffixHash'] !== true && own['disableNameSuffixHash'] !== true;
  return res;
}

/**
 * configMapGenerator and secretGenerator of one kustomization: `create` adds an object, `merge` and
 * `replace` change one a base generated (kustomize matches them by their name before any prefix).
 */
export function applyGenerators(k: Json, dir: string, file: string, resources: Res[]): void {
  const options = isRecord(k['generatorOptions']) ? k['generatorOptions'] : {};
  for (const [field, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    for (const g of Array.isArray(k[field]) ? k[field].filter(isRecord) : []) {
      const made = generate(kind, g, dir, file, options);
      const behavior = String(g['behavior'] ?? 'create');
      const existing = resources.find(
        (r) => r.object['kind'] === kind && r.originalName === nameOf(made.object),
      );
      if (behavior === 'create') {
        if (existing !== undefined)
          throw invalid(
            `${file}: ${field} ${nameOf(made.object)} already exists; use behavior: merge or replace.`,
          );
        resources.push(made);
      } else if (existing === undefined) {
        throw invalid(
          `${file}: ${field} ${nameOf(made.object)} has behavior ${behavior} but no base generates it.`,
        );
      } else if (behavior === 'merge') {
        const data = {
          ...(isRecord(existing.object['data']) ? existing.object['data'] : {}),
          ...(isRecord(made.object['data']) ? made.object['data'] : {}),
        };
        existing.object['data'] = data;
        if (isRecord(made.object['binaryData'])) {
          existing.object['binaryData'] = {
            ...(isRecord(existing.object['binaryData']) ? existing.object['binaryData'] : {}),
            ...made.object['binaryData'],
          };
        }
        const m = meta(existing.object);
        const mm = meta(made.object);
        if (isRecord(mm['labels']))
          m['labels'] = { ...(isRecord(m['labels']) ? m['labels'] : {}), ...mm['labels'] };
        if (isRecord(mm['annotations']))
          m['annotations'] = {
            ...(isRecord(m['annotations']) ? m['annotations'] : {}),
            ...mm['annotations'],
          };
        existing.hashed = existing.hashed === true && made.hashed === true;
      } else {
        existing.object = made.object;
        existing.hashed = made.hashed === true;
      }
    }
  }
}
