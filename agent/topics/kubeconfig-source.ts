import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentError, DeltaOp, TopicState } from '../../protocol';
import { type LoadedKubeconfig, kubeconfigPaths, toKubeconfigState } from '../kube/kubeconfig';
import type { Disposable, TopicSource } from './hub';

/**
 * The `kubeconfig` topic: the merged contexts of the user's kubeconfig files, re-read when any of them
 * changes (a new context from `aws eks update-kubeconfig`, a renamed one), sent as put/del deltas.
 */
export class KubeconfigSource implements TopicSource<'kubeconfig'> {
  private current: TopicState<'kubeconfig'>;
  private readonly listeners = new Set<(ops: DeltaOp<'kubeconfig'>[]) => void>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly reload: () => LoadedKubeconfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly home: string,
  ) {
    this.current = this.read();
    this.watchFiles();
  }

  private read(): TopicState<'kubeconfig'> {
    const state = toKubeconfigState(this.reload());
    const contexts: TopicState<'kubeconfig'>['contexts'] = {};
    for (const c of state.contexts) contexts[c.name] = c;
    const problems: TopicState<'kubeconfig'>['problems'] = {};
    for (const p of state.problems) problems[p.file] = p;
    return { contexts, problems };
  }

  /** Watches the folders, not the files: editors and cloud CLIs replace kubeconfig files by renaming. */
  private watchFiles(): void {
    const dirs = new Set(kubeconfigPaths(this.env, this.home).files.map((f) => dirname(f)));
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // A folder that does not exist yet cannot be watched; the file appears with a later agent start.
      }
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, 200);
  }

  refresh(): void {
    const next = this.read();
    const ops: DeltaOp<'kubeconfig'>[] = [];
    for (const c of ['contexts', 'problems'] as const) {
      const before = this.current[c] as Record<string, unknown>;
      const after = next[c] as Record<string, unknown>;
      for (const [key, value] of Object.entries(after)) {
        if (JSON.stringify(before[key]) !== JSON.stringify(value))
          ops.push({ op: 'put', c, key, value } as DeltaOp<'kubeconfig'>);
      }
      for (const key of Object.keys(before)) if (!(key in after)) ops.push({ op: 'del', c, key });
    }
    this.current = next;
    if (ops.length > 0) for (const l of this.listeners) l(ops);
  }

  state(): TopicState<'kubeconfig'> {
    return structuredClone(this.current);
  }

  error(): AgentError | null {
    return null;
  }

  onDelta(listener: (ops: DeltaOp<'kubeconfig'>[]) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.listeners.clear();
  }
}
