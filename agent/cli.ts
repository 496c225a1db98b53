import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeployCommand, runDeployCommand } from './deploy-cli';
import { runAgent } from './main';
import { runMigrateCommand } from './migrate-cli';
import { isObserveCommand, runObserveCommand } from './observe-cli';
import { runStatus } from './status-command';

const USAGE = `Usage: slipway <command> [options]

Commands:
  agent       start the Slipway agent (VS Code starts it for you)
  status      check that the cluster of a kubeconfig context is reachable
  deploy      deploy a slipway.yaml environment or a manifest path, with health checks and auto-rollback
  set-image   change a workload's container images and follow the rollout
  rollback    roll a workload back to a revision, or a Helm release (no helm binary needed)
  restart     restart a workload's pods with a rolling update
  scale       set a workload's replica count
  history     list a workload's or a Helm release's revisions
  logs        print or follow the logs of a workload's pods (all of them, interleaved by time)
  forward     forward a local port to a Service, workload or pod that survives pod restarts
  top         CPU and memory per pod (metrics.k8s.io)
  migrate     run PostgreSQL migrations (sqlx, Flyway, Prisma or plain .sql): status, up, down, accept-edit
  sandbox     start a local Kubernetes API server for tests and demos (development builds only)
  version     print the version
  help        print this help

Run "slipway <command> --help" for a command's options.`;

declare const SLIPWAY_VERSION: string;

interface SandboxModule {
  runSandbox(argv: string[]): Promise<number>;
}

/**
 * The sandbox is a separate bundle next to this one so the VSIX can leave it out; development builds
 * and the test harness have it.
 */
function loadSandbox(): SandboxModule | undefined {
  const path = join(__dirname, 'sandbox.js');
  if (!existsSync(path)) return undefined;
  // A runtime path on purpose: esbuild must not pull the sandbox into this bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as SandboxModule;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (isDeployCommand(command)) return runDeployCommand(command, rest);
  if (isObserveCommand(command)) return runObserveCommand(command, rest);
  switch (command) {
    case 'agent':
      return runAgent(rest);
    case 'status':
      return runStatus(rest);
    case 'migrate':
      return runMigrateCommand(rest);
    case 'sandbox': {
      const mod = loadSandbox();
      if (mod === undefined) {
        process.stderr.write(
          'slipway: this build does not include the sandbox; run it from a development checkout (npm run build).\n',
        );
        return 1;
      }
      return mod.runSandbox(rest);
    }
    case 'version':
    case '--version':
      process.stdout.write(`slipway ${typeof SLIPWAY_VERSION === 'string' ? SLIPWAY_VERSION : 'dev'}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`slipway: unknown command "${command}".\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`slipway: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
