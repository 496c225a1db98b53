import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  AgentFailure,
  describePlanEvent,
  type DeployParams,
  type PlanEvent,
  type PlanOutcome,
  type PlanResult,
  type WorkloadRef,
} from '../protocol';
import { Guards } from './deploy/guard';
import { helmHistory } from './deploy/helm-release';
import { runHelmRollback } from './deploy/methods';
import { restartWorkload, rollbackWorkload, scaleWorkload } from './deploy/operations';
import { previewDeploy, runDeploy } from './deploy/plan';
import { listRevisions } from './deploy/revisions';
import {
  type PlanEnv,
  clientFor,
  defaultContext,
  defaultNamespace,
  rememberWorkspace,
} from './deploy/target';
import { loadKubeconfigs } from './kube/kubeconfig';
import { migrateForDeploy } from './migrate/deploy-step';
import { parseWorkloadRef } from './project/config';

/** Exit codes every deploy command shares; CI scripts branch on them. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, rolledBack: 3, blocked: 4 } as const;

const OUTCOME_EXIT: Record<PlanOutcome, number> = {
  succeeded: EXIT.ok,
  failed: EXIT.failed,
  invalid: EXIT.invalid,
  rolledBack: EXIT.rolledBack,
  blocked: EXIT.blocked,
};

const COMMON = `Common options:
  --context C          kubeconfig context (default: the current context, or the environment's)
  -n, --namespace N    namespace (default: the context's, or the environment's)
  --workspace DIR      folder with slipway.yaml (default: the current directory)
  --confirm C          the context name, confirming a write to a protected environment
  --yes                never prompt (a protected target then needs --confirm)
  --json               print the result as JSON on stdout (progress stays on stderr)
  --timeout S          seconds to wait for the rollout

Exit codes: 0 done, 1 failed, 2 invalid input, 3 failed and rolled back, 4 blocked by a guard or check.`;

export const DEPLOY_USAGE = {
  deploy: `Usage: slipway deploy --env E [--service S] [--image TAG] [options]
       slipway deploy PATH [options]

Deploys a slipway.yaml environment (all its services, or one), or a manifest file, directory or kustomize
directory. Runs preflight checks, server-side apply, watches the rollout, runs health checks, and rolls
back automatically when the rollout or health fails (--no-rollback keeps the new version).

${COMMON}`,
  'set-image': `Usage: slipway set-image KIND/NAME CONTAINER=IMAGE [CONTAINER=IMAGE...] [options]

Changes container images of a workload and follows the rollout like a deploy (rolls back on failure).

${COMMON}`,
  rollback: `Usage: slipway rollback KIND/NAME [--to-revision N] [options]
       slipway rollback --helm RELEASE [--to-revision N] [options]

Rolls a Deployment, StatefulSet or DaemonSet back to a revision (default: the previous one), or a Helm
release to a revision without the helm binary.

${COMMON}`,
  restart: `Usage: slipway restart KIND/NAME [options]

Restarts a workload's pods with a rolling update, as kubectl rollout restart does.

${COMMON}`,
  scale: `Usage: slipway scale KIND/NAME --replicas N [options]

${COMMON}`,
  history: `Usage: slipway history KIND/NAME [options]
       slipway history --helm RELEASE [options]

Lists a workload's revisions (image, age, change-cause, who deployed it) or a Helm release's.

${COMMON}`,
} as const;

export type DeployCommand = keyof typeof DEPLOY_USAGE;

export function isDeployCommand(c: string | undefined): c is DeployCommand {
  return c !== undefined && Object.prototype.hasOwnProperty.call(DEPLOY_USAGE, c);
}

class UsageError extends Error {}

function workloadArg(arg: string | undefined): WorkloadRef {
  // kubectl also accepts the group-qualified form, e.g. deployment.apps/gateway.
  const ref = parseWorkloadRef((arg ?? '').replace(/^([A-Za-z]+)\.apps\//, '$1/'));
  if (ref === undefined || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(ref.name)) {
    throw new UsageError(
      `"${arg ?? ''}" is not a workload: use KIND/NAME, e.g. deployment/gateway, statefulset/postgres or daemonset/agent.`,
    );
  }
  return ref;
}

function intArg(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a whole number, not "${v}".`);
  return Number(v);
}

const OPTIONS = {
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  workspace: { type: 'string' },
  confirm: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  env: { type: 'string' },
  service: { type: 'string' },
  image: { type: 'string' },
  'to-revision': { type: 'string' },
  helm: { type: 'string' },
  replicas: { type: 'string' },
  'no-rollback': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MARK: Record<string, string> = { running: '…', ok: '✓', failed: '✗', skipped: '-' };

function printEvent(e: PlanEvent): void {
  const text =
    e.type === 'step' ? `${MARK[e.status] ?? ''} ${describePlanEvent(e)}` : `  ${describePlanEvent(e)}`;
  process.stderr.write(`${text}\n`);
  if (e.type === 'pod') {
    for (const ev of e.problem.events) process.stderr.write(`    event: ${ev}\n`);
    for (const line of e.problem.logTail.slice(-10)) process.stderr.write(`    log: ${line}\n`);
  }
}

function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer.trim());
    }),
  );
}

function report(result: PlanResult, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`${result.outcome === 'succeeded' ? '✓' : '✗'} ${result.summary}\n`);
    if (result.error?.detail !== undefined && result.outcome !== 'succeeded') {
      process.stderr.write(`${result.error.detail}\n`);
    }
  }
  return OUTCOME_EXIT[result.outcome];
}

/** Runs one of the deploy commands in this process — the same plans the agent runs for VS Code. */
export async function runDeployCommand(command: DeployCommand, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(
      `slipway ${command}: ${e instanceof Error ? e.message : String(e)}\n${DEPLOY_USAGE[command]}\n`,
    );
    return EXIT.invalid;
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) {
    process.stdout.write(`${DEPLOY_USAGE[command]}\n`);
    return EXIT.ok;
  }
  const env: PlanEnv = { loaded: () => loadKubeconfigs(process.env, homedir()), guards: new Guards() };
  const json = v.json === true;
  const interactive = v.yes !== true && process.stdin.isTTY && !json;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const opts = {
    signal: controller.signal,
    emit: json ? (e: PlanEvent) => printEvent(e) : printEvent,
    migrate: migrateForDeploy,
  };
  const workspace = v.workspace ?? process.cwd();
  try {
    const timeout = intArg(v.timeout, '--timeout');
    const toRevision = intArg(v['to-revision'], '--to-revision');
    /** Runs a write; a protected target asks for the typed context name when a terminal is there. */
    const write = async (
      run: (confirm: string | undefined) => Promise<PlanResult>,
      preview?: () => Promise<void>,
    ): Promise<number> => {
      let result = await run(v.confirm);
      if (result.error?.code === 'CONFIRMATION_REQUIRED' && interactive) {
        if (preview !== undefined) await preview();
        const typed = await ask(`${result.error.message}\nContext name: `);
        result = await run(typed);
      } else if (result.error?.code === 'CONFIRMATION_REQUIRED') {
        process.stderr.write('Without a terminal, pass --confirm CONTEXT to confirm a protected write.\n');
      }
      return report(result, json);
    };
    const target = (): { context: string; namespace: string } => {
      const context = v.context ?? defaultContext(env);
      return { context, namespace: v.namespace ?? defaultNamespace(env, context) };
    };
    const common = (): { timeoutSeconds?: number } =>
      timeout === undefined ? {} : { timeoutSeconds: timeout };

    switch (command) {
      case 'deploy': {
        let params: DeployParams;
        if (v.env !== undefined) {
          if (positionals.length > 0) throw new UsageError('Pass either --env or a PATH, not both.');
          params = {
            source: {
              kind: 'project',
              workspace,
              env: v.env,
              ...(v.service === undefined ? {} : { service: v.service }),
              ...(v.image === undefined ? {} : { image: v.image }),
            },
          };
        } else {
          const path = positionals[0];
          if (path === undefined || positionals.length > 1) {
            throw new UsageError(
              'Name one manifest file, directory or kustomize directory, or pass --env ENV.',
            );
          }
          if (v.service !== undefined || v.image !== undefined) {
            throw new UsageError('--service and --image need --env (a slipway.yaml environment).');
          }
          rememberWorkspace(env, workspace);
          params = { source: { kind: 'path', path } };
        }
        if (v.context !== undefined) params.context = v.context;
        if (v.namespace !== undefined) params.namespace = v.namespace;
        if (v['no-rollback'] === true) params.autoRollback = false;
        if (timeout !== undefined) params.timeoutSeconds = timeout;
        const p = params;
        return await write(
          (confirm) => runDeploy(confirm === undefined ? p : { ...p, confirm }, env, opts),
          async () => {
            const preview = await previewDeploy(p, env, controller.signal);
            process.stderr.write(`Changes on ${preview.context}/${preview.namespace}:\n`);
            for (const d of preview.diffs) {
              process.stderr.write(
                `  ${d.action.padEnd(9)} ${d.kind} ${d.namespace === undefined ? '' : `${d.namespace}/`}${d.name}\n`,
              );
            }
          },
        );
      }
      case 'set-image': {
        const [ref, ...pairs] = positionals;
        const workload = workloadArg(ref);
        const images: Record<string, string> = {};
        for (const pair of pairs) {
          const i = pair.indexOf('=');
          if (i <= 0 || i === pair.length - 1) throw new UsageError(`"${pair}" is not CONTAINER=IMAGE.`);
          images[pair.slice(0, i)] = pair.slice(i + 1);
        }
        if (pairs.length === 0) throw new UsageError('Name at least one CONTAINER=IMAGE.');
        rememberWorkspace(env, workspace);
        const t = target();
        const p: DeployParams = { source: { kind: 'image', workload, images }, ...t, ...common() };
        if (v['no-rollback'] === true) p.autoRollback = false;
        return await write((confirm) => runDeploy(confirm === undefined ? p : { ...p, confirm }, env, opts));
      }
      case 'rollback': {
        const t = { ...target(), workspace };
        if (v.helm !== undefined) {
          if (positionals.length > 0)
            throw new UsageError('Pass either --helm RELEASE or KIND/NAME, not both.');
          const release = v.helm;
          return await write((confirm) =>
            runHelmRollback(
              env,
              {
                ...t,
                release,
                ...(toRevision === undefined ? {} : { toRevision }),
                ...(confirm === undefined ? {} : { confirm }),
              },
              opts,
            ),
          );
        }
        const workload = workloadArg(positionals[0]);
        return await write((confirm) =>
          rollbackWorkload(
            env,
            {
              ...t,
              workload,
              ...(toRevision === undefined ? {} : { toRevision }),
              ...(confirm === undefined ? {} : { confirm }),
            },
            { ...opts, ...common() },
          ),
        );
      }
      case 'restart': {
        const workload = workloadArg(positionals[0]);
        const t = { ...target(), workspace };
        return await write((confirm) =>
          restartWorkload(
            env,
            { ...t, workload, ...(confirm === undefined ? {} : { confirm }) },
            { ...opts, ...common() },
          ),
        );
      }
      case 'scale': {
        const workload = workloadArg(positionals[0]);
        const replicas = intArg(v.replicas, '--replicas');
        if (replicas === undefined) throw new UsageError('Pass --replicas N.');
        const t = { ...target(), workspace };
        return await write((confirm) =>
          scaleWorkload(
            env,
            { ...t, workload, replicas, ...(confirm === undefined ? {} : { confirm }) },
            { ...opts, ...common() },
          ),
        );
      }
      case 'history': {
        const t = target();
        const client = clientFor(env, t.context);
        if (v.helm !== undefined) {
          const revisions = await helmHistory(client, t.namespace, v.helm, controller.signal);
          if (json) process.stdout.write(`${JSON.stringify({ revisions }, null, 2)}\n`);
          else {
            process.stdout.write(
              'REVISION  UPDATED                   STATUS           CHART              APP VERSION  DESCRIPTION\n',
            );
            for (const r of revisions) {
              process.stdout.write(
                `${String(r.revision).padEnd(10)}${r.updatedAt.padEnd(26)}${r.status.padEnd(17)}${`${r.chart}-${r.chartVersion}`.padEnd(19)}${r.appVersion.padEnd(13)}${r.description}\n`,
              );
            }
          }
          return EXIT.ok;
        }
        const workload = workloadArg(positionals[0]);
        const { revisions } = await listRevisions(client, t.namespace, workload, controller.signal);
        const infos = revisions.map((r) => r.info);
        if (json) process.stdout.write(`${JSON.stringify({ revisions: infos }, null, 2)}\n`);
        else {
          process.stdout.write(
            `${workload.kind.toLowerCase()}/${workload.name}\nREVISION  CREATED                   IMAGES  CHANGE-CAUSE\n`,
          );
          for (const r of infos) {
            process.stdout.write(
              `${`${r.revision}${r.current ? '*' : ''}`.padEnd(10)}${r.createdAt.padEnd(26)}${r.images.join(',')}  ${r.changeCause ?? ''}${r.deployedBy === undefined ? '' : ` (by ${r.deployedBy})`}\n`,
            );
          }
        }
        return EXIT.ok;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`slipway ${command}: ${e.message}\n\n${DEPLOY_USAGE[command]}\n`);
      return EXIT.invalid;
    }
    if (e instanceof AgentFailure) {
      process.stderr.write(`slipway ${command}: ${e.error.message}\n`);
      const code = e.error.code;
      if (code === 'READ_ONLY' || code === 'CONFIRMATION_REQUIRED' || code === 'FORBIDDEN')
        return EXIT.blocked;
      if (
        code === 'INVALID' ||
        code === 'NOT_FOUND' ||
        code === 'CONTEXT_NOT_FOUND' ||
        code === 'KUBECONFIG_INVALID'
      ) {
        return EXIT.invalid;
      }
      return EXIT.failed;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
