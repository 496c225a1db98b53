import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Sandbox, type SandboxOptions } from '../../sandbox/sandbox';
import { loadScenario, parseScenario } from '../../sandbox/scenarios';

export interface RunningSandbox {
  sandbox: Sandbox;
  kubeconfigPath: string;
  kc: k8s.KubeConfig;
  stop(): Promise<void>;
}

/**
 * A sandbox in the test process, reached over HTTPS through a kubeconfig file exactly as the agent will
 * reach a real cluster. In-process only so fault tests can also look at the server's state directly.
 */
export async function startSandbox(scenario = 'empty', opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = new Sandbox(opts);
  await sandbox.start();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-test-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  sandbox.writeKubeconfig(kubeconfigPath);
  await loadScenario(sandbox, parseScenario(scenario));
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { sandbox, kubeconfigPath, kc, stop: () => sandbox.stop() };
}
