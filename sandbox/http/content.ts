import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '../errors';
import type { Json, JsonObject } from '../types';

const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new ApiError('BadRequest', 'request entity too large', undefined, 413);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Bodies arrive as JSON, or as YAML for apply patches and `application/yaml` writes. */
export function parseBody(body: Buffer, contentType: string | undefined): Json {
  const type = mediaType(contentType);
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (type.includes('protobuf') || type.includes('cbor')) {
    throw new ApiError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  try {
    if (type === 'application/yaml' || type === 'application/apply-patch+yaml')
      return parseYaml(text) as Json;
    return JSON.parse(text) as Json;
  } catch (e) {
    const what = e instanceof Error ? e.message : String(e);
    throw badRequest(`error decoding ${type.includes('yaml') ? 'YAML' : 'JSON'}: ${what}`);
  }
}

/** What the client wants back: a Table for `kubectl get`, plain JSON otherwise. */
export interface Accept {
  table: boolean;
  json: boolean;
}

export function parseAccept(header: string | undefined): Accept {
  if (header === undefined || header.trim() === '') return { table: false, json: true };
  const parts = header.split(',').map((p) => p.trim().toLowerCase());
  const table = parts.some((p) => p.includes('as=table') && p.startsWith('application/json'));
  const json = parts.some(
    (p) =>
      p.startsWith('application/json') ||
      p.startsWith('*/*') ||
      p.startsWith('application/*') ||
      p.startsWith('application/yaml'),
  );
  return { table, json };
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus(), headers);
}

export function asObject(v: Json, what: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw badRequest(`${what} must be a JSON object`);
  return v;
}
