import { request } from 'node:https';
import type { Sandbox } from '../../sandbox/sandbox';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to the sandbox with its CA and the admin (or given) token. */
export function raw(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(path, sb.server.url);
  const auth = token === null ? {} : { Authorization: `Bearer ${token ?? sb.server.auth.adminToken}` };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        ca: sb.server.caCert,
        headers: { 'Content-Type': 'application/json', ...auth, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

/** Opens a watch and collects its event lines until closed by either side. */
export function openWatch(
  sb: Sandbox,
  path: string,
): Promise<{ lines: string[]; ended: Promise<void>; close: () => void }> {
  const url = new URL(path, sb.server.url);
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'GET',
        ca: sb.server.caCert,
        headers: { Authorization: `Bearer ${sb.server.auth.adminToken}` },
      },
      (res) => {
        let buf = '';
        const ended = new Promise<void>((r) => {
          res.on('end', r);
          res.on('close', r);
          res.on('error', () => r());
        });
        res.on('data', (d: Buffer) => {
          buf += d.toString();
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            lines.push(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
        });
        resolve({ lines, ended, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
