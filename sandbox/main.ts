import { parseArgs } from 'node:util';
import { Sandbox } from './sandbox';
import { loadScenario, parseScenario } from './scenarios';

export const SANDBOX_USAGE = `Usage: slipway sandbox --kubeconfig FILE [--port 0] [--scenario empty|demo|scale:PODS]

Starts a local Kubernetes API server for tests and demos. Writes a kubeconfig with the contexts
"sandbox" (admin) and "sandbox-readonly" (viewer), prints "sandbox ready https://127.0.0.1:PORT" and
serves until SIGINT or SIGTERM.`;

/** `slipway sandbox ...`; resolves with the process exit code once the sandbox has stopped. */
export async function runSandbox(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        port: { type: 'string', default: '0' },
        scenario: { type: 'string', default: 'demo' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(
      `slipway sandbox: ${e instanceof Error ? e.message : String(e)}\n${SANDBOX_USAGE}\n`,
    );
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${SANDBOX_USAGE}\n`);
    return 0;
  }
  if (values.kubeconfig === undefined) {
    process.stderr.write(
      `slipway sandbox: --kubeconfig FILE is required: the sandbox writes its credentials there.\n${SANDBOX_USAGE}\n`,
    );
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `slipway sandbox: --port must be a port number (0 picks a free one), not "${values.port}".\n`,
    );
    return 2;
  }
  let scenario;
  try {
    scenario = parseScenario(values.scenario);
  } catch (e) {
    process.stderr.write(`slipway sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const sandbox = new Sandbox({ port, lazyPorts: scenario.kind === 'scale' });
  let url: string;
  try {
    url = await sandbox.start();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(
      `slipway sandbox: could not listen on 127.0.0.1:${port}: ${msg}. Choose another --port or 0.\n`,
    );
    await sandbox.stop();
    return 1;
  }
  const defaultNamespace = scenario.kind === 'demo' ? 'shop' : 'default';
  sandbox.writeKubeconfig(values.kubeconfig, defaultNamespace);
  try {
    await loadScenario(sandbox, scenario);
  } catch (e) {
    process.stderr.write(
      `slipway sandbox: loading the ${values.scenario} scenario failed: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    await sandbox.stop();
    return 1;
  }
  process.stdout.write(`sandbox ready ${url}\n`);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sandbox.stop().then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
