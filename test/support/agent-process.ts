import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pid of the agent a workbench started, from the discovery file in its config dir. */
export function agentPid(configDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(configDir, 'agent.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/** Stops the agent a workbench started (it outlives the window on purpose), if it still runs. */
export function stopAgentOf(configDir: string | undefined): void {
  const pid = configDir === undefined ? undefined : agentPid(configDir);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
