import { parseAllDocuments } from 'yaml';
import type { Sandbox } from '../sandbox';
import { type KObject, isJsonObject } from '../types';

/** Creates (or replaces the spec of) each object of a multi-document manifest, as the sandbox admin. */
export function applyManifests(sandbox: Sandbox, text: string): KObject[] {
  const out: KObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const value: unknown = doc.toJS();
    if (!isJsonObject(value)) continue;
    out.push(applyObject(sandbox, value as unknown as KObject));
  }
  return out;
}

export function applyObject(sandbox: Sandbox, obj: KObject): KObject {
  const { store, registry } = sandbox.server;
  const t = registry.byKind(obj.apiVersion, obj.kind);
  if (t === undefined) throw new Error(`the sandbox does not serve ${obj.apiVersion} ${obj.kind}`);
  const existing = store.get(t, obj.metadata.namespace, obj.metadata.name ?? '');
  if (existing === undefined) return store.create(t, obj);
  const next: KObject = { ...existing, ...obj, metadata: { ...existing.metadata, ...obj.metadata } };
  delete next.metadata.resourceVersion;
  return store.update(t, next);
}

/** Resolves once `check` holds, polling the in-process store (scenarios only; never on a hot path). */
export async function waitUntil(check: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`sandbox scenario: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
