import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { eventually, hasKubectl, kubectl, kubectlStream } from '../support/kubectl';
import { REPO, type SandboxProcess, startSandboxProcess } from '../support/sandbox-process';

const FIXTURES = join(REPO, 'test', 'fixtures');

interface Deployment {
  status?: { readyReplicas?: number; updatedReplicas?: number };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  metadata: { annotations?: Record<string, string> };
}

describe('real kubectl 1.32 against the sandbox', function () {
  this.timeout(120_000);
  let sb: SandboxProcess;
  let kc: string;
  const k = (...args: string[]) => kubectl(kc, args);
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(kc, args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '-o', 'json')) as T;

  before(async function () {
    if (!hasKubectl) {
      console.log(
        '    (skipped: kubectl is not installed at /usr/bin/kubectl; set KUBECTL to run these tests)',
      );
      this.skip();
    }
    sb = await startSandboxProcess('demo');
    kc = sb.kubeconfig;
  });

  after(async () => {
    if (sb !== undefined) assert.equal(await sb.stop('SIGTERM'), 0, 'the sandbox exits cleanly on SIGTERM');
  });

  it('writes a kubeconfig with the sandbox and sandbox-readonly contexts', async () => {
    const cfg = parseYaml(readFileSync(kc, 'utf8')) as {
      contexts: { name: string }[];
      'current-context': string;
    };
    assert.deepEqual(cfg.contexts.map((c) => c.name).sort(), ['sandbox', 'sandbox-readonly']);
    assert.equal(cfg['current-context'], 'sandbox');
    const out = await ok('config', 'get-contexts', '-o', 'name');
    assert.match(out, /sandbox-readonly/);
  });

  it('answers version and api-resources with every served group', async () => {
    const v = JSON.parse(await ok('version', '-o', 'json')) as { serverVersion: { minor: string } };
    assert.equal(v.serverVersion.minor, '32');
    const res = await ok('api-resources');
    for (const name of [
      'deployments',
      'horizontalpodautoscalers',
      'ingresses',
      'poddisruptionbudgets',
      'customresourcedefinitions',
      'clusterroles',
      'jobs',
      'endpointslices',
    ]) {
      assert.match(res, new RegExp(`^${name}\\s`, 'm'), `api-resources lists ${name}`);
    }
    assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  });

  it('lists the demo workloads with server-side tables', async () => {
    const out = await ok('get', 'deploy', '-n', 'shop');
    assert.match(out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
    assert.match(out, /^gateway\s+\d\/2/m);
    const pods = await ok('get', 'pods', '-A', '-o', 'wide');
    assert.match(pods, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/m);
    assert.match(pods, /127\.\d+\.\d+\.\d+/);
  });

  it('applies a multi-document manifest client-side, then gets and describes every kind', async () => {
    const out = await ok('apply', '-f', join(FIXTURES, 'web-app.yaml'));
    assert.match(out, /deployment.apps\/web created/);
    assert.match(out, /horizontalpodautoscaler.autoscaling\/web created/);
    await ok('apply', '-f', join(FIXTURES, 'servicemonitor-crd.yaml'));
    await eventually(async () =>
      (await k('get', 'crd', 'servicemonitors.monitoring.coreos.com')).code === 0 ? true : undefined,
    );
    await eventually(
      async () =>
        (await k('apply', '-f', join(FIXTURES, 'servicemonitor.yaml'))).code === 0 ? true : undefined,
      10_000,
      'custom resource apply',
    );
    const kinds = [
      'namespace',
      'configmap',
      'deployment',
      'replicaset',
      'pod',
      'service',
      'endpoints',
      'endpointslices',
      'ingress',
      'hpa',
      'pdb',
      'networkpolicy',
      'role',
      'rolebinding',
      'job',
      'statefulset',
      'daemonset',
      'controllerrevisions',
      'events',
      'secrets',
      'nodes',
      'servicemonitors',
      'crd',
      'clusterroles',
    ];
    for (const kind of kinds) {
      const ns = ['namespace', 'nodes', 'crd', 'clusterroles'].includes(kind) ? [] : ['-n', 'web'];
      await ok('get', kind, ...ns);
    }
    const described = await ok('describe', 'deployment', 'web', '-n', 'web');
    assert.match(described, /Replicas:\s+3 desired/);
    assert.match(described, /StrategyType:\s+RollingUpdate/);
    const clusterScoped = ['namespace', 'nodes', 'crd', 'clusterroles'];
    for (const kind of kinds) {
      if (kind === 'events') continue;
      const target =
        kind === 'nodes'
          ? ['nodes', 'sandbox-node-1']
          : kind === 'namespace'
            ? ['namespace', 'web']
            : clusterScoped.includes(kind)
              ? [kind]
              : [kind, '-n', 'web'];
      const r = await k('describe', ...target);
      assert.equal(r.code, 0, `kubectl describe ${target.join(' ')} failed:\n${r.stderr}`);
      assert.match(r.stdout, /Name:/, `describe ${kind} prints objects`);
    }
  });

  it('waits for Available and reports rollout status like a real cluster', async () => {
    await ok('wait', '--for=condition=Available', 'deployment/web', '-n', 'web', '--timeout=60s');
    const status = await ok('rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=60s');
    assert.match(status, /successfully rolled out/);
  });

  it('sets an image, records history, undoes to a chosen revision and restarts', async () => {
    await ok('set', 'image', 'deployment/web', 'web=nginx:1.26.0', '-n', 'web');
    await ok('rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=60s');
    await ok('set', 'image', 'deployment/web', 'web=nginx:1.27.0', '-n', 'web');
    await ok('rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=60s');
    const history = await ok('rollout', 'history', 'deployment/web', '-n', 'web');
    assert.match(history, /^1\s/m);
    assert.match(history, /^3\s/m);
    const rev2 = await ok('rollout', 'history', 'deployment/web', '-n', 'web', '--revision=2');
    assert.match(rev2, /nginx:1\.26\.0/);
    await ok('rollout', 'undo', 'deployment/web', '-n', 'web', '--to-revision=1');
    await ok('rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=60s');
    const d = await json<Deployment>('get', 'deployment', 'web', '-n', 'web');
    assert.equal(d.spec.template.spec.containers[0]!.image, 'nginx:1.25.0');
    assert.equal(
      d.metadata.annotations?.['deployment.kubernetes.io/revision'],
      '4',
      'revision 1 moves to 4 on undo, as upstream',
    );
    const after = await ok('rollout', 'history', 'deployment/web', '-n', 'web');
    assert.doesNotMatch(after, /^1\s/m, 'the undone-to revision leaves its old number');
    await ok('rollout', 'restart', 'deployment/web', '-n', 'web');
    await ok('rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=60s');
    const restarted = await json<{
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    }>('get', 'deployment', 'web', '-n', 'web');
    assert.ok(restarted.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
  });

  it('scales through the scale subresource', async () => {
    await ok('scale', 'deployment/web', '--replicas=4', '-n', 'web');
    await eventually(
      async () => {
        const d = await json<Deployment>('get', 'deployment', 'web', '-n', 'web');
        return d.status?.readyReplicas === 4 ? true : undefined;
      },
      30_000,
      'four ready replicas',
    );
  });

  it('applies server-side with field ownership and conflicts, and diffs', async () => {
    const manifest = readFileSync(join(FIXTURES, 'web-app.yaml'), 'utf8').replace(
      'replicas: 3',
      'replicas: 2',
    );
    const conflictRun = await kubectl(kc, ['apply', '--server-side', '-f', '-'], manifest);
    assert.notEqual(conflictRun.code, 0, 'taking fields another manager owns conflicts');
    assert.match(conflictRun.stderr, /conflict/i);
    const forced = await kubectl(kc, ['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /deployment.apps\/web serverside-applied/);
    const managed = await json<{ metadata: { managedFields: { manager: string; operation: string }[] } }>(
      'get',
      'deployment',
      'web',
      '-n',
      'web',
      '--show-managed-fields',
    );
    assert.ok(managed.metadata.managedFields.some((m) => m.manager === 'kubectl' && m.operation === 'Apply'));
    const changed = manifest.replace('GREETING: hello', 'GREETING: bonjour');
    const diff = await kubectl(kc, ['diff', '--server-side', '--force-conflicts', '-f', '-'], changed);
    assert.equal(diff.code, 1, `kubectl diff exits 1 when there are differences: ${diff.stderr}`);
    assert.match(diff.stdout, /[-+]\s+GREETING: (hello|bonjour)/);
    const clientDiff = await kubectl(kc, ['diff', '-f', '-'], changed);
    assert.equal(clientDiff.code, 1, clientDiff.stderr);
    const cm = await json<{ data: Record<string, string> }>('get', 'configmap', 'web-config', '-n', 'web');
    assert.equal(cm.data['GREETING'], 'hello', 'diff never changes the object (dry run)');
  });

  it('streams logs: follow, previous, by label', async () => {
    await ok('rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=60s');
    // The server-side apply test scaled web down: let its pods finish terminating (and any new one start),
    // or kubectl may pick one whose log is not there to read (a race a real cluster has too, only slower).
    await eventually(
      async () => {
        const pods = await json<{
          items: {
            metadata: { deletionTimestamp?: string };
            status?: { containerStatuses?: { state?: { running?: unknown } }[] };
          }[];
        }>('get', 'pods', '-n', 'web', '-l', 'app=web');
        // Every pod settled: none terminating, none still creating its container.
        const settled = pods.items.every(
          (p) =>
            p.metadata.deletionTimestamp === undefined &&
            (p.status?.containerStatuses ?? []).length > 0 &&
            (p.status?.containerStatuses ?? []).every((c) => c.state?.running !== undefined),
        );
        return settled ? true : undefined;
      },
      20_000,
      'no terminating or starting web pods',
    );
    const logs = await ok('logs', 'deployment/web', '-n', 'web', '--tail=5');
    assert.ok(logs.trim().split('\n').length >= 1);
    const follow = kubectlStream(kc, ['logs', '-f', 'deployment/web', '-n', 'web', '--tail=1']);
    await eventually(
      async () => (follow.output().split('\n').length > 2 ? true : undefined),
      15_000,
      'followed log lines',
    );
    follow.stop();
    const byLabel = await ok('logs', '-l', 'app=web', '-n', 'web', '--tail=2', '--prefix');
    assert.match(byLabel, /^\[pod\/web-/m);
    const mailer = await json<{ items: { metadata: { name: string } }[] }>(
      'get',
      'pods',
      '-n',
      'shop',
      '-l',
      'app=mailer',
    );
    const crashing = mailer.items[0]!.metadata.name;
    const prev = await eventually(
      async () => {
        const r = await k('logs', crashing, '-n', 'shop', '-p');
        return r.code === 0 && r.stdout.length > 0 ? r.stdout : undefined;
      },
      30_000,
      'previous logs of a crashed container',
    );
    assert.ok(prev.length > 0);
    const status = await ok('get', 'pod', crashing, '-n', 'shop');
    assert.match(status, /CrashLoopBackOff|Error|Running/);
  });

  it('shows top pods, events, and auth can-i for both contexts', async () => {
    const top = await eventually(
      async () => {
        const r = await k('top', 'pods', '-n', 'shop');
        return r.code === 0 ? r.stdout : undefined;
      },
      15_000,
      'kubectl top pods',
    );
    assert.match(top, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/m);
    const events = await ok('get', 'events', '-n', 'web');
    assert.match(events, /ScalingReplicaSet/);
    assert.match(events, /Scheduled|Started/);
    assert.equal((await ok('auth', 'can-i', 'create', 'deployments', '-n', 'web')).trim(), 'yes');
    const ro = await k(
      'auth',
      'can-i',
      'create',
      'deployments',
      '-n',
      'web',
      '--context',
      'sandbox-readonly',
    );
    assert.equal(ro.stdout.trim(), 'no');
    assert.equal((await ok('auth', 'can-i', 'list', 'pods', '--context', 'sandbox-readonly')).trim(), 'yes');
    const secrets = await k('get', 'secrets', '-n', 'shop', '--context', 'sandbox-readonly');
    assert.notEqual(secrets.code, 0, 'the viewer, like the built-in view role, may not list Secrets');
    assert.match(
      secrets.stderr,
      /secrets is forbidden: User "sandbox-readonly" cannot list resource "secrets" in API group "" in the namespace "shop"/,
    );
    const denied = await k(
      'scale',
      'deployment/web',
      '--replicas=1',
      '-n',
      'web',
      '--context',
      'sandbox-readonly',
    );
    assert.notEqual(denied.code, 0);
    assert.match(
      denied.stderr,
      /forbidden: User "sandbox-readonly" cannot patch resource "deployments\/scale"|forbidden/,
    );
  });

  it('explains fields from the published OpenAPI', async () => {
    const out = await ok('explain', 'deployment.spec.replicas');
    assert.match(out, /replicas/i);
    assert.match(out, /integer/);
  });

  it('deletes a namespace with everything in it, waiting like kubectl does', async () => {
    const out = await ok('delete', 'namespace', 'web', '--wait=true', '--timeout=60s');
    assert.match(out, /namespace "web" deleted/);
    const gone = await k('get', 'namespace', 'web');
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /namespaces "web" not found/);
    const pods = await k('get', 'pods', '-n', 'web', '-o', 'name');
    assert.equal(pods.stdout.trim(), '', 'the namespace content was deleted');
  });

  it('rejects a typo field with strict validation and applies it with a warning under --validate=warn', async () => {
    const manifest = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: typo, namespace: default}',
      'spec:',
      '  replicaz: 2',
      '  selector: {matchLabels: {app: typo}}',
      '  template:',
      '    metadata: {labels: {app: typo}}',
      '    spec: {containers: [{name: app, image: nginx}]}',
      '',
    ].join('\n');
    const strict = await kubectl(kc, ['apply', '-f', '-'], manifest);
    assert.notEqual(strict.code, 0);
    assert.match(
      strict.stderr,
      /Error from server \(BadRequest\): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.replicaz"/,
    );
    const absent = await k('get', 'deployment', 'typo', '-n', 'default');
    assert.match(absent.stderr, /deployments\.apps "typo" not found/, 'the strict failure changed nothing');
    const warned = await kubectl(kc, ['apply', '--validate=warn', '-f', '-'], manifest);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /^Warning: unknown field "spec\.replicaz"$/m);
    assert.match(warned.stdout, /deployment\.apps\/typo created/);
    await ok('get', 'deployment', 'typo', '-n', 'default');
  });
});
