import { AgentFailure, agentError, type GuardInfo } from '../../protocol';
import type { EnvironmentConfig, ProjectConfig } from '../project/types';

/**
 * Decides how writes to a context/namespace are guarded, from every slipway.yaml the agent has loaded
 * and from the kubeconfig's production marking. The agent enforces it on every write it performs, so a
 * client that skips the UI's prompt is refused all the same.
 */
export class Guards {
  /** slipway.yaml files seen by this agent, by path: a guard, once declared, keeps applying. */
  private readonly projects = new Map<string, ProjectConfig>();

  remember(project: ProjectConfig): void {
    this.projects.set(project.file, project);
  }

  /** The environments (of any loaded project) that cover this target. */
  private matching(context: string, namespace: string): EnvironmentConfig[] {
    const out: EnvironmentConfig[] = [];
    for (const p of this.projects.values()) {
      for (const env of Object.values(p.environments)) {
        if (env.context === context && env.namespace === namespace) out.push(env);
      }
    }
    return out;
  }

  info(context: string, namespace: string, productionContext: boolean): GuardInfo {
    const envs = this.matching(context, namespace);
    const readOnly = envs.find((e) => e.readOnly);
    const prot = envs.find((e) => e.protected);
    const info: GuardInfo = {
      context,
      namespace,
      protected: readOnly === undefined && (prot !== undefined || productionContext),
      readOnly: readOnly !== undefined,
    };
    const named = readOnly ?? prot ?? envs[0];
    if (named !== undefined) info.environment = named.name;
    if (readOnly !== undefined) info.reason = `environment "${readOnly.name}" is readOnly in slipway.yaml`;
    else if (prot !== undefined) info.reason = `environment "${prot.name}" is protected in slipway.yaml`;
    else if (productionContext) info.reason = `context "${context}" is marked as production`;
    return info;
  }
}

/** Throws READ_ONLY or CONFIRMATION_REQUIRED unless the write may go ahead. */
export function enforceGuard(guard: GuardInfo, confirm: string | undefined, what: string): void {
  if (guard.readOnly) {
    throw new AgentFailure(
      agentError(
        'READ_ONLY',
        `Refused to ${what}: ${guard.reason ?? 'the target is read-only'}, so Slipway makes no changes there. Use another environment, or change readOnly in slipway.yaml.`,
      ),
    );
  }
  if (guard.protected && confirm !== guard.context) {
    throw new AgentFailure(
      agentError(
        'CONFIRMATION_REQUIRED',
        `To ${what} on ${guard.context}/${guard.namespace}, type the context name "${guard.context}" to confirm (${guard.reason ?? 'protected target'}).`,
        confirm === undefined ? undefined : `The confirmation "${confirm}" does not match.`,
      ),
    );
  }
}
