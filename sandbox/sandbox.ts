import { type Clock, systemClock } from './clock';
import { startControllers } from './controllers';
import { EventRecorder } from './events';
import { Kubelet } from './kubelet';
import { type KubeconfigInput, writeKubeconfig } from './kubeconfig';
import type { KObject } from './types';
import { SandboxServer } from './server';

export interface SandboxOptions {
  clock?: Clock;
  port?: number;
  /** Nodes the simulated kubelet registers and runs pods on. */
  nodes?: number;
  /** Probe delays and periods are multiplied by this (default 0.1: a 10 s period probes every second). */
  timeScale?: number;
  lazyPorts?: boolean;
  bookmarkIntervalMs?: number;
  historyLimit?: number;
  /** How often the HPA controller re-evaluates (upstream: 15 s). */
  hpaSyncMs?: number;
}

/** A whole sandbox cluster: API server, controllers and kubelet, started and stopped together. */
export class Sandbox {
  readonly server: SandboxServer;
  readonly kubelet: Kubelet;
  private stopControllers: () => void = () => undefined;
  readonly nodeNames: string[];

  constructor(private readonly opts: SandboxOptions = {}) {
    const clock = opts.clock ?? systemClock;
    const serverOpts: ConstructorParameters<typeof SandboxServer>[0] = { clock };
    if (opts.bookmarkIntervalMs !== undefined) serverOpts.bookmarkIntervalMs = opts.bookmarkIntervalMs;
    if (opts.historyLimit !== undefined) serverOpts.historyLimit = opts.historyLimit;
    this.server = new SandboxServer(serverOpts);
    this.nodeNames = Array.from({ length: opts.nodes ?? 2 }, (_, i) => `sandbox-node-${i + 1}`);
    const recorder = new EventRecorder(this.server.store, clock);
    const kubeletOpts: ConstructorParameters<typeof Kubelet>[0] = {
      store: this.server.store,
      registry: this.server.registry,
      clock,
      recorder,
      nodeNames: this.nodeNames,
    };
    if (opts.timeScale !== undefined) kubeletOpts.timeScale = opts.timeScale;
    if (opts.lazyPorts !== undefined) kubeletOpts.lazyPorts = opts.lazyPorts;
    this.kubelet = new Kubelet(kubeletOpts);
    this.server.pods = this.kubelet;
    const controllers = startControllers({
      store: this.server.store,
      clock,
      recorder,
      metrics: this.kubelet,
      ...(opts.hpaSyncMs === undefined ? {} : { hpaSyncMs: opts.hpaSyncMs }),
    });
    this.stopControllers = () => controllers.stop();
    this.bootstrap();
    this.kubelet.start();
  }

  /** What every cluster has before anyone applies anything: system namespaces, nodes, default accounts. */
  private bootstrap(): void {
    const store = this.server.store;
    const reg = this.server.registry;
    const ns = reg.lookup('', 'v1', 'namespaces')!;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      store.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    this.kubelet.registerNodes();
    this.bootstrapRbac();
    const svc = reg.lookup('', 'v1', 'services')!;
    store.create(svc, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: { ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] },
    } as KObject);
  }

  /** The default roles every cluster has, so `kubectl get/describe clusterroles` looks familiar. */
  private bootstrapRbac(): void {
    const { store, registry } = this.server;
    const roleType = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
    const bindingType = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
    const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
    const read = ['get', 'list', 'watch'];
    const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
    const roles: [string, { apiGroups: string[]; resources: string[]; verbs: string[] }[]][] = [
      ['cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]],
      [
        'admin',
        [
          {
            apiGroups: [
              '',
              'apps',
              'batch',
              'autoscaling',
              'networking.k8s.io',
              'policy',
              'rbac.authorization.k8s.io',
            ],
            resources: ['*'],
            verbs: [...read, ...write],
          },
        ],
      ],
      [
        'edit',
        [
          {
            apiGroups: ['', 'apps', 'batch', 'autoscaling', 'networking.k8s.io', 'policy'],
            resources: ['*'],
            verbs: [...read, ...write],
          },
        ],
      ],
      [
        'view',
        [
          {
            apiGroups: ['', 'apps', 'batch', 'autoscaling', 'networking.k8s.io', 'policy'],
            resources: ['*'],
            verbs: read,
          },
        ],
      ],
    ];
    for (const [name, rules] of roles) {
      store.create(roleType, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name, labels },
        rules,
      } as KObject);
    }
    store.create(bindingType, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'cluster-admin', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
    } as KObject);
    store.create(bindingType, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'sandbox-readonly-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'sandbox-readonly' }],
    } as KObject);
  }

  async start(): Promise<string> {
    return this.server.listen(this.opts.port ?? 0);
  }

  kubeconfig(namespace = 'default'): KubeconfigInput {
    return {
      server: this.server.url,
      caCert: this.server.caCert,
      adminToken: this.server.auth.adminToken,
      readOnlyToken: this.server.auth.readOnlyToken,
      namespace,
    };
  }

  writeKubeconfig(path: string, namespace = 'default'): void {
    writeKubeconfig(path, this.kubeconfig(namespace));
  }

  async stop(): Promise<void> {
    this.stopControllers();
    await this.server.close();
    await this.kubelet.stop();
  }
}
