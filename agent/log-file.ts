import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const MAX_BYTES = 5 * 1024 * 1024;

/**
 * The agent's log: VS Code starts the agent detached with no terminal, so its lines go to a file next to
 * the discovery record (rotated once at 5 MB to `agent.log.1`) as well as to stderr.
 */
export function fileLogger(
  path: string,
  stderr: { write(text: string): unknown } = process.stderr,
  maxBytes = MAX_BYTES,
): (line: string) => void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return (line: string) => {
    const text = `${new Date().toISOString()} ${line}\n`;
    stderr.write(text);
    try {
      if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(path, `${path}.1`);
      appendFileSync(path, text, { mode: 0o600 });
    } catch {
      // A log that cannot be written must never take the agent down; stderr still has the line.
    }
  };
}
