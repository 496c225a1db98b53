import { AgentFailure, agentError } from '../../../protocol';
import type { Res } from './transforms';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function invalid(message: string): AgentFailure {
  return new AgentFailure(agentError('INVALID', message));
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export function meta(o: Json): Json {
  if (!isRecord(o['metadata'])) o['metadata'] = {};
  return o['metadata'] as Json;
}

export function nameOf(o: Json): string {
  return String(meta(o)['name'] ?? '');
}

export function resOf(object: Json, file: string): Res {
  const name = nameOf(object);
  const ns = meta(object)['namespace'];
  return {
    object,
    file,
    names: new Set([name]),
    scopes: [],
    originalName: name,
    originalNamespace: typeof ns === 'string' ? ns : '',
  };
}
