import { strict as assert } from 'node:assert';
import { type Json, type JsonObject, isJsonObject } from '../types';
import { PatchError } from './json-patch';
import { applyStrategicMergePatch } from './strategic-merge-patch';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A container as the server stores it, with the defaults it fills in. */
function container(name: string, image: string, extra: JsonObject = {}): JsonObject {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...extra,
  };
}

/** A live Deployment as the server returns it. */
function deployment(containers: JsonObject[], metadata: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: 1, labels: { app: 'web' }, ...metadata },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers,
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { observedGeneration: 1, replicas: 2 },
  };
}

/** Wraps a pod spec patch the way patches of a Deployment's template arrive. */
function templatePatch(podSpec: JsonObject): JsonObject {
  return { spec: { template: { spec: podSpec } } };
}

/** The member at `path` below `value`; undefined when some step is missing. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined;
    else current = isJsonObject(current) ? current[step] : undefined;
  }
  return current;
}

function containersOf(result: unknown): unknown {
  return at(result, 'spec', 'template', 'spec', 'containers');
}

function names(list: unknown): unknown {
  return Array.isArray(list) ? list.map((item: unknown) => at(item, 'name')) : list;
}

function smp(kind: string, doc: unknown, patch: unknown): unknown {
  return applyStrategicMergePatch(kind, doc, patch);
}

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  assert.fail('expected a PatchError');
}

/** Every object key in `value` that starts with "$". */
function directiveKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((item: unknown) => directiveKeys(item));
  if (!isJsonObject(value)) return [];
  return Object.entries(value).flatMap(([key, member]) => [
    ...(key.startsWith('$') ? [key] : []),
    ...directiveKeys(member),
  ]);
}

describe('applyStrategicMergePatch', () => {
  describe('maps and scalars', () => {
    it('merges maps recursively and replaces scalars', () => {
      const result = smp('Deployment', deployment([container('web', 'nginx:1.25')]), {
        metadata: { labels: { tier: 'frontend' } },
        spec: { replicas: 5 },
      });
      assert.deepEqual(at(result, 'metadata', 'labels'), { app: 'web', tier: 'frontend' });
      assert.equal(at(result, 'spec', 'replicas'), 5);
      assert.deepEqual(at(result, 'spec', 'selector'), { matchLabels: { app: 'web' } });
    });

    it('adds the restartedAt annotation exactly as kubectl rollout restart sends it', () => {
      const live = deployment([container('web', 'nginx:1.25')]);
      const patch = {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } },
          },
        },
      };
      const result = smp('Deployment', live, patch);
      assert.deepEqual(at(result, 'spec', 'template', 'metadata'), {
        labels: { app: 'web' },
        annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
      });
      assert.deepEqual(containersOf(result), [container('web', 'nginx:1.25')]);
    });

    it('sets spec.paused as kubectl rollout pause does', () => {
      const result = smp('Deployment', deployment([]), { spec: { paused: true } });
      assert.equal(at(result, 'spec', 'paused'), true);
    });

    it('cordons a node with spec.unschedulable', () => {
      const node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n1' },
        spec: { podCIDR: '10.0.0.0/24' },
      };
      assert.deepEqual(smp('Node', node, { spec: { unschedulable: true } }), {
        ...node,
        spec: { podCIDR: '10.0.0.0/24', unschedulable: true },
      });
    });

    it('deletes members set to null and ignores nulls for members that do not exist', () => {
      const result = smp('Deployment', deployment([]), {
        metadata: { labels: { app: null }, annotations: null, x: null },
      });
      assert.deepEqual(at(result, 'metadata'), {
        name: 'web',
        namespace: 'default',
        generation: 1,
        labels: {},
      });
    });

    it('drops nulls inside a map the object does not have yet', () => {
      const result = smp(
        'Pod',
        { spec: {} },
        { spec: { securityContext: { runAsUser: 1000, fsGroup: null } } },
      );
      assert.deepEqual(result, { spec: { securityContext: { runAsUser: 1000 } } });
    });

    it('replaces a scalar with a map and a map with a scalar', () => {
      assert.deepEqual(smp('ConfigMap', { data: 'x', other: { a: 1 } }, { data: { k: 'v' }, other: 2 }), {
        data: { k: 'v' },
        other: 2,
      });
    });

    it('treats a missing document as an empty object', () => {
      assert.deepEqual(smp('ConfigMap', undefined, { data: { k: 'v', gone: null } }), { data: { k: 'v' } });
    });
  });

  describe('lists merged by key', () => {
    it('changes an image with the exact patch kubectl set image sends', () => {
      const live = deployment([
        container('web', 'nginx:1.25', { ports: [{ containerPort: 80, protocol: 'TCP' }] }),
      ]);
      const patch = JSON.parse(
        '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.26","name":"web"}]}}}}',
      );
      const expected = deployment([
        container('web', 'nginx:1.26', { ports: [{ containerPort: 80, protocol: 'TCP' }] }),
      ]);
      assert.deepEqual(smp('Deployment', live, patch), expected);
    });

    it('changes the second of two containers with kubectl set image and keeps their order', () => {
      const live = deployment([container('web', 'nginx:1.25'), container('sidecar', 'busybox:1.36')]);
      const patch = templatePatch({
        '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
        containers: [{ image: 'busybox:1.37', name: 'sidecar' }],
      });
      assert.deepEqual(containersOf(smp('Deployment', live, patch)), [
        container('web', 'nginx:1.25'),
        container('sidecar', 'busybox:1.37'),
      ]);
    });

    it('adds an env var last with the patch kubectl set env sends', () => {
      const env = [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ];
      const live = deployment([container('web', 'nginx', { env })]);
      const patch = templatePatch({
        '$setElementOrder/containers': [{ name: 'web' }],
        containers: [
          {
            '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'FOO' }],
            env: [{ name: 'FOO', value: 'bar' }],
            name: 'web',
          },
        ],
      });
      assert.deepEqual(at(containersOf(smp('Deployment', live, patch)), 0, 'env'), [
        ...env,
        { name: 'FOO', value: 'bar' },
      ]);
    });

    it('merges a patch env var into the live one with the same name', () => {
      const live = deployment([
        container('web', 'nginx', {
          env: [
            { name: 'A', value: '1' },
            { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          ],
        }),
      ]);
      const patch = templatePatch({
        containers: [{ name: 'web', env: [{ name: 'B', value: '2', valueFrom: null }] }],
      });
      assert.deepEqual(at(containersOf(smp('Deployment', live, patch)), 0, 'env'), [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ]);
    });

    it('puts a lone new container first, as the kubectl patch tutorial shows the real server doing', () => {
      const live = deployment([container('patch-demo-ctr', 'nginx')]);
      const patch = templatePatch({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] });
      assert.deepEqual(containersOf(smp('Deployment', live, patch)), [
        { name: 'patch-demo-ctr-2', image: 'redis' },
        container('patch-demo-ctr', 'nginx'),
      ]);
    });

    it('places a new element right after the patch element before it, keeping the live order otherwise', () => {
      const env = ['A', 'B', 'C'].map((name) => ({ name, value: name }));
      const live = deployment([container('web', 'nginx', { env })]);
      const patch = templatePatch({
        containers: [
          {
            name: 'web',
            env: [
              { name: 'B', value: 'b' },
              { name: 'D', value: 'd' },
            ],
          },
        ],
      });
      assert.deepEqual(names(at(containersOf(smp('Deployment', live, patch)), 0, 'env')), [
        'A',
        'B',
        'D',
        'C',
      ]);
    });

    it('orders the live elements a patch names as the patch lists them', () => {
      const live = { spec: { containers: ['1', '2', '3'].map((name) => ({ name })) } };
      const patch = {
        spec: {
          containers: [
            { name: '3', image: 'c' },
            { name: '1', image: 'a' },
          ],
        },
      };
      assert.deepEqual(smp('Pod', live, patch), {
        spec: { containers: [{ name: '2' }, { name: '3', image: 'c' }, { name: '1', image: 'a' }] },
      });
    });

    it('merges container ports by containerPort', () => {
      const live = deployment([
        container('web', 'nginx', { ports: [{ containerPort: 80, protocol: 'TCP' }] }),
      ]);
      const patch = templatePatch({
        containers: [
          {
            name: 'web',
            ports: [
              { containerPort: 80, name: 'http' },
              { containerPort: 443, name: 'https', protocol: 'TCP' },
            ],
          },
        ],
      });
      assert.deepEqual(at(containersOf(smp('Deployment', live, patch)), 0, 'ports'), [
        { containerPort: 80, protocol: 'TCP', name: 'http' },
        { containerPort: 443, name: 'https', protocol: 'TCP' },
      ]);
    });

    it('merges volumeMounts by mountPath and volumes by name', () => {
      const live = deployment([
        container('web', 'nginx', {
          volumeMounts: [{ name: 'config', mountPath: '/etc/nginx', readOnly: true }],
        }),
      ]);
      const volumes = [{ name: 'config', configMap: { name: 'nginx' } }];
      const liveWithVolumes = smp('Deployment', live, templatePatch({ volumes }));
      const patch = templatePatch({
        containers: [{ name: 'web', volumeMounts: [{ mountPath: '/etc/nginx', readOnly: null }] }],
        volumes: [{ name: 'config', configMap: { defaultMode: 420 } }],
      });
      const result = smp('Deployment', liveWithVolumes, patch);
      assert.deepEqual(at(containersOf(result), 0, 'volumeMounts'), [
        { name: 'config', mountPath: '/etc/nginx' },
      ]);
      assert.deepEqual(at(result, 'spec', 'template', 'spec', 'volumes'), [
        { name: 'config', configMap: { name: 'nginx', defaultMode: 420 } },
      ]);
    });

    it('deletes a container with $patch: delete', () => {
      const live = deployment([container('web', 'nginx'), container('debug', 'busybox')]);
      const patch = templatePatch({ containers: [{ $patch: 'delete', name: 'debug' }] });
      assert.deepEqual(containersOf(smp('Deployment', live, patch)), [container('web', 'nginx')]);
    });

    it('deletes every element with the key', () => {
      const live = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'a', image: 'dup' }] } };
      assert.deepEqual(smp('Pod', live, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }), {
        spec: { containers: [{ name: 'b' }] },
      });
    });

    it('changes nothing when deleting a key the list does not have', () => {
      const live = { spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
      assert.deepEqual(smp('Pod', live, { spec: { containers: [{ name: 'zzz', $patch: 'delete' }] } }), live);
    });

    it('groups live elements that share a key, as upstream sorting does', () => {
      const live = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'a', image: 'dup' }] } };
      assert.deepEqual(names(at(smp('Pod', live, { spec: { containers: [] } }), 'spec', 'containers')), [
        'a',
        'a',
        'b',
      ]);
    });

    it('replaces the whole list when an element is {$patch: replace}', () => {
      const live = deployment([container('web', 'nginx'), container('old', 'busybox')]);
      const patch = templatePatch({ containers: [{ name: 'new', image: 'redis' }, { $patch: 'replace' }] });
      assert.deepEqual(containersOf(smp('Deployment', live, patch)), [{ name: 'new', image: 'redis' }]);
    });

    it('empties the list when {$patch: replace} is its only element', () => {
      const live = { spec: { containers: [{ name: 'a' }] } };
      assert.deepEqual(smp('Pod', live, { spec: { containers: [{ $patch: 'replace' }] } }), {
        spec: { containers: [] },
      });
    });

    it("merges Service ports by port and leaves other kinds' ports atomic", () => {
      const service = {
        spec: {
          ports: [
            { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
            { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
          ],
        },
      };
      const result = smp('Service', service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
      assert.deepEqual(at(result, 'spec', 'ports'), [
        { name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' },
        { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
      ]);
      const endpoints = { subsets: [{ ports: [{ port: 80 }, { port: 81 }] }] };
      assert.deepEqual(smp('Endpoints', endpoints, { subsets: [{ ports: [{ port: 82 }] }] }), {
        subsets: [{ ports: [{ port: 82 }] }],
      });
    });

    it('merges status conditions by type, as controllers patch them', () => {
      const pod = {
        status: {
          conditions: [
            { type: 'Initialized', status: 'True' },
            { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
          ],
        },
      };
      const patch = { status: { conditions: [{ type: 'Ready', status: 'True', reason: null }] } };
      assert.deepEqual(smp('Pod', pod, patch), {
        status: {
          conditions: [
            { type: 'Initialized', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
        },
      });
    });

    it('merges ownerReferences by uid', () => {
      const doc = {
        metadata: { ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'rs', controller: true }] },
      };
      const patch = { metadata: { ownerReferences: [{ uid: 'u1', blockOwnerDeletion: true }] } };
      assert.deepEqual(smp('Pod', doc, patch), {
        metadata: {
          ownerReferences: [
            { uid: 'u1', kind: 'ReplicaSet', name: 'rs', controller: true, blockOwnerDeletion: true },
          ],
        },
      });
    });

    it('takes a keyed list the object lacks as given, without its directive elements', () => {
      const patch = {
        spec: { initContainers: [{ name: 'init', image: 'busybox', args: null }, { $patch: 'replace' }] },
      };
      assert.deepEqual(smp('Pod', { spec: {} }, patch), {
        spec: { initContainers: [{ name: 'init', image: 'busybox' }] },
      });
    });

    it('rejects a patch element without the merge key', () => {
      const error = patchError(() =>
        smp('Pod', { spec: { containers: [{ name: 'a' }] } }, { spec: { containers: [{ image: 'x' }] } }),
      );
      assert.equal(error.reason, 'BadRequest');
      assert.equal(error.message, 'map: {"image":"x"} does not contain declared merge key: name');
    });

    it('rejects a delete directive without the merge key', () => {
      const patch = { spec: { containers: [{ $patch: 'delete' }] } };
      assert.match(
        patchError(() => smp('Pod', { spec: { containers: [] } }, patch)).message,
        /declared merge key: name/,
      );
    });

    it('rejects merging into a live list whose elements lack the merge key', () => {
      const live = { spec: { containers: [{ image: 'x' }] } };
      assert.equal(
        patchError(() => smp('Pod', live, { spec: { containers: [{ name: 'a' }] } })).reason,
        'BadRequest',
      );
    });
  });

  describe('atomic lists', () => {
    it('replaces container args whole', () => {
      const live = deployment([container('web', 'nginx', { args: ['--a', '--b'] })]);
      const patch = templatePatch({ containers: [{ name: 'web', args: ['--c'] }] });
      assert.deepEqual(at(containersOf(smp('Deployment', live, patch)), 0, 'args'), ['--c']);
    });

    it('replaces tolerations whole, dropping directive elements and nulls', () => {
      const live = { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } };
      const patch = {
        spec: { tolerations: [{ key: 'b', operator: 'Equal', value: null }, { $patch: 'replace' }] },
      };
      assert.deepEqual(smp('Pod', live, patch), { spec: { tolerations: [{ key: 'b', operator: 'Equal' }] } });
    });

    it('replaces node taints whole, as kubectl taint computes them', () => {
      const node = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
      const patch = {
        spec: {
          taints: [
            { key: 'a', effect: 'NoSchedule' },
            { key: 'b', effect: 'NoExecute' },
          ],
        },
      };
      assert.deepEqual(smp('Node', node, patch), patch);
    });

    it('keeps the patch order of an atomic list as given', () => {
      const live = { spec: { containers: [{ name: 'web', command: ['a', 'b'] }] } };
      const patch = { spec: { containers: [{ name: 'web', command: ['b', 'a', 'a'] }] } };
      assert.deepEqual(smp('Pod', live, patch), patch);
    });
  });

  describe('sets of primitives', () => {
    it('merges metadata.finalizers as a union without duplicates', () => {
      const doc = { metadata: { finalizers: ['a', 'b'] } };
      assert.deepEqual(smp('ConfigMap', doc, { metadata: { finalizers: ['b', 'c'] } }), {
        metadata: { finalizers: ['a', 'b', 'c'] },
      });
    });

    it('removes finalizers with $deleteFromPrimitiveList', () => {
      const doc = { metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] } };
      const patch = {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/b', 'example.com/x'] },
      };
      assert.deepEqual(smp('Deployment', doc, patch), {
        metadata: { finalizers: ['example.com/a', 'example.com/c'] },
      });
    });

    it('applies $deleteFromPrimitiveList to atomic lists too, and ignores lists the object lacks', () => {
      const doc = { spec: { containers: [{ name: 'web', args: ['1', '2', '3'] }] } };
      const patch = {
        spec: {
          containers: [
            {
              name: 'web',
              '$deleteFromPrimitiveList/args': ['2'],
              '$deleteFromPrimitiveList/command': ['x'],
            },
          ],
        },
      };
      assert.deepEqual(smp('Pod', doc, patch), { spec: { containers: [{ name: 'web', args: ['1', '3'] }] } });
    });

    it('adds and removes finalizers in one patch', () => {
      const doc = { metadata: { finalizers: ['a', 'b'] } };
      const patch = { metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } };
      assert.deepEqual(smp('ConfigMap', doc, patch), { metadata: { finalizers: ['c', 'b'] } });
    });

    it('reorders finalizers with $setElementOrder, keeping server-only values after their live neighbours', () => {
      const doc = { metadata: { finalizers: ['1', '2', '9', '3', '4'] } };
      const patch = { metadata: { '$setElementOrder/finalizers': ['2', '1', '4', '3'] } };
      assert.deepEqual(smp('ConfigMap', doc, patch), { metadata: { finalizers: ['2', '1', '9', '4', '3'] } });
    });
  });

  describe('$setElementOrder', () => {
    it('reorders containers as the directive lists them', () => {
      const live = { spec: { containers: ['1', '3', '4', '2'].map((name) => ({ name, image: name })) } };
      const patch = {
        spec: { '$setElementOrder/containers': ['4', '2', '3', '1'].map((name) => ({ name })) },
      };
      assert.deepEqual(names(at(smp('Pod', live, patch), 'spec', 'containers')), ['4', '2', '3', '1']);
    });

    it('keeps server-only elements after the live elements that preceded them', () => {
      const live = { spec: { containers: ['1', '2', '7', '9', '8', '3', '4'].map((name) => ({ name })) } };
      const patch = {
        spec: { '$setElementOrder/containers': ['2', '1', '4', '3'].map((name) => ({ name })) },
      };
      assert.deepEqual(names(at(smp('Pod', live, patch), 'spec', 'containers')), [
        '2',
        '1',
        '7',
        '9',
        '8',
        '4',
        '3',
      ]);
    });

    it('puts a new element where the directive says among live ones', () => {
      const live = {
        spec: {
          containers: [
            { name: '1', other: 'a' },
            { name: '2', value: '2' },
          ],
        },
      };
      const patch = {
        spec: {
          '$setElementOrder/containers': ['1', '4', '2', '3'].map((name) => ({ name })),
          containers: [
            { name: '4', value: '4' },
            { name: '3', value: '3' },
          ],
        },
      };
      assert.deepEqual(at(smp('Pod', live, patch), 'spec', 'containers'), [
        { name: '1', other: 'a' },
        { name: '4', value: '4' },
        { name: '2', value: '2' },
        { name: '3', value: '3' },
      ]);
    });

    it("lets a new element take a deleted one's place before server-only elements, as upstream does", () => {
      const live = {
        spec: { containers: [{ name: '1' }, { name: '2', other: 'b' }, { name: '4', other: 'c' }] },
      };
      const patch = {
        spec: {
          '$setElementOrder/containers': [{ name: '2' }, { name: '3' }],
          containers: [{ name: '3' }, { name: '1', $patch: 'delete' }],
        },
      };
      assert.deepEqual(at(smp('Pod', live, patch), 'spec', 'containers'), [
        { name: '2', other: 'b' },
        { name: '4', other: 'c' },
        { name: '3' },
      ]);
    });

    it('ignores names in the directive that neither list has', () => {
      const live = { spec: { containers: [{ name: '1' }, { name: '3' }] } };
      const patch = {
        spec: { '$setElementOrder/containers': [{ name: '3' }, { name: '2' }, { name: '1' }] },
      };
      assert.deepEqual(smp('Pod', live, patch), { spec: { containers: [{ name: '3' }, { name: '1' }] } });
    });

    it('creates no list when neither the object nor the patch has one', () => {
      assert.deepEqual(
        smp('Pod', { spec: {} }, { spec: { '$setElementOrder/initContainers': [{ name: 'x' }] } }),
        {
          spec: {},
        },
      );
    });

    it('takes the patch list when the object has none', () => {
      const patch = {
        spec: {
          '$setElementOrder/initContainers': [{ name: 'b' }, { name: 'a' }],
          initContainers: [{ name: 'b' }, { name: 'a' }],
        },
      };
      assert.deepEqual(smp('Pod', { spec: {} }, patch), {
        spec: { initContainers: [{ name: 'b' }, { name: 'a' }] },
      });
    });

    it('rejects a patch list whose order contradicts the directive', () => {
      const live = { spec: { containers: [{ name: '1' }, { name: '3' }, { name: '2' }] } };
      const patch = {
        spec: {
          '$setElementOrder/containers': [{ name: '1' }, { name: '2' }, { name: '3' }],
          containers: [
            { name: '3', image: 'c' },
            { name: '1', image: 'a' },
          ],
        },
      };
      const error = patchError(() => smp('Pod', live, patch));
      assert.equal(error.reason, 'BadRequest');
      assert.match(error.message, /doesn't match \$setElementOrder list/);
    });

    it('rejects a directive whose value is not a list', () => {
      const error = patchError(() =>
        smp('Pod', { spec: {} }, { spec: { '$setElementOrder/containers': { name: 'a' } } }),
      );
      assert.equal(error.message, 'invalid patch format of setElementOrder list');
    });

    it('rejects directive elements without the merge key', () => {
      const live = { spec: { containers: [{ name: 'a' }] } };
      assert.equal(
        patchError(() => smp('Pod', live, { spec: { '$setElementOrder/containers': [{}] } })).reason,
        'BadRequest',
      );
    });
  });

  describe('client-side apply', () => {
    const oldConfig = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', track: 'stable' } },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } },
    };
    const newConfig = { ...oldConfig, metadata: { name: 'web', labels: { app: 'web' } } };

    function appliedDeployment(): JsonObject {
      const live = deployment(
        [
          container('web', 'nginx:1.25', {
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { limits: { cpu: '500m' } },
          }),
        ],
        {
          labels: { app: 'web', track: 'stable' },
          annotations: {
            'deployment.kubernetes.io/revision': '1',
            [LAST_APPLIED]: `${JSON.stringify(oldConfig)}\n`,
          },
        },
      );
      return live;
    }

    it('applies the patch kubectl apply computes: annotation, label deletion, ordered merges and field removal', () => {
      const patch = JSON.parse(
        JSON.stringify({
          metadata: {
            annotations: { [LAST_APPLIED]: `${JSON.stringify(newConfig)}\n` },
            labels: { track: null },
          },
          spec: {
            template: {
              spec: {
                '$setElementOrder/containers': [{ name: 'web' }],
                containers: [
                  {
                    '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
                    '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
                    env: [
                      { name: 'C', value: '3' },
                      { $patch: 'delete', name: 'B' },
                    ],
                    image: 'nginx:1.26',
                    name: 'web',
                    ports: [{ containerPort: 443, protocol: 'TCP' }],
                    resources: null,
                  },
                ],
              },
            },
          },
        }),
      );
      const expected = deployment(
        [
          {
            name: 'web',
            image: 'nginx:1.26',
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            env: [
              { name: 'A', value: '1' },
              { name: 'C', value: '3' },
            ],
            ports: [
              { containerPort: 80, protocol: 'TCP' },
              { containerPort: 443, protocol: 'TCP' },
            ],
          },
        ],
        {
          labels: { app: 'web' },
          annotations: {
            'deployment.kubernetes.io/revision': '1',
            [LAST_APPLIED]: `${JSON.stringify(newConfig)}\n`,
          },
        },
      );
      assert.deepEqual(smp('Deployment', appliedDeployment(), patch), expected);
    });

    it('adds a container after the existing one when apply lists it second', () => {
      const patch = templatePatch({
        '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
        containers: [{ image: 'busybox', name: 'sidecar' }],
      });
      assert.deepEqual(names(containersOf(smp('Deployment', appliedDeployment(), patch))), [
        'web',
        'sidecar',
      ]);
    });

    it('removes a container dropped from the configuration', () => {
      const live = deployment([container('web', 'nginx'), container('sidecar', 'busybox')]);
      const patch = templatePatch({
        '$setElementOrder/containers': [{ name: 'web' }],
        containers: [{ $patch: 'delete', name: 'sidecar' }],
      });
      assert.deepEqual(containersOf(smp('Deployment', live, patch)), [container('web', 'nginx')]);
    });

    it('switches the strategy type with $retainKeys, clearing rollingUpdate', () => {
      const patch = { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } };
      const result = smp('Deployment', appliedDeployment(), patch);
      assert.deepEqual(at(result, 'spec', 'strategy'), { type: 'Recreate' });
    });

    it('switches a volume source with $retainKeys inside a keyed list element', () => {
      const live = {
        spec: {
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'cfg', configMap: { name: 'c' } },
          ],
        },
      };
      const patch = {
        spec: {
          volumes: [
            {
              $retainKeys: ['name', 'persistentVolumeClaim'],
              name: 'data',
              persistentVolumeClaim: { claimName: 'pvc' },
            },
          ],
        },
      };
      assert.deepEqual(smp('Pod', live, patch), {
        spec: {
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: 'pvc' } },
            { name: 'cfg', configMap: { name: 'c' } },
          ],
        },
      });
    });
  });

  describe('$patch on maps', () => {
    it('replaces a map with $patch: replace', () => {
      const live = deployment([]);
      const patch = { spec: { selector: { $patch: 'replace', matchLabels: { app: 'web2' } } } };
      assert.deepEqual(at(smp('Deployment', live, patch), 'spec', 'selector'), {
        matchLabels: { app: 'web2' },
      });
    });

    it('replaces the whole object with a top-level $patch: replace', () => {
      assert.deepEqual(
        smp('ConfigMap', { data: { a: '1' }, kind: 'ConfigMap' }, { $patch: 'replace', data: { b: '2' } }),
        {
          data: { b: '2' },
        },
      );
    });

    it('deletes a map with $patch: delete', () => {
      const patch = { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } };
      assert.deepEqual(at(smp('Deployment', deployment([]), patch), 'spec', 'strategy'), {
        type: 'RollingUpdate',
      });
    });

    it('leaves no trace of a map it deletes that the object never had', () => {
      assert.deepEqual(smp('Pod', { spec: {} }, { spec: { affinity: { $patch: 'delete' } } }), { spec: {} });
    });

    it('merges as usual with an explicit $patch: merge', () => {
      const patch = { metadata: { $patch: 'merge', labels: { tier: 'x' } } };
      assert.deepEqual(at(smp('Deployment', deployment([]), patch), 'metadata', 'labels'), {
        app: 'web',
        tier: 'x',
      });
    });

    it('accepts $patch: merge on a keyed list element and ignores a bare merge marker', () => {
      const live = { spec: { containers: [{ name: 'a', image: 'x' }] } };
      const patch = {
        spec: { containers: [{ $patch: 'merge', name: 'a', tty: true }, { $patch: 'merge' }] },
      };
      assert.deepEqual(smp('Pod', live, patch), {
        spec: { containers: [{ name: 'a', image: 'x', tty: true }] },
      });
    });

    it('rejects an unknown $patch value', () => {
      const error = patchError(() => smp('Pod', { spec: {} }, { spec: { $patch: 'remove' } }));
      assert.equal(error.reason, 'BadRequest');
      assert.match(error.message, /^unknown patch type: "remove" in map/);
      assert.equal(
        patchError(() =>
          smp('Pod', { spec: { containers: [] } }, { spec: { containers: [{ name: 'a', $patch: 'x' }] } }),
        ).reason,
        'BadRequest',
      );
    });

    it('returns an empty object for a top-level $patch: delete', () => {
      assert.deepEqual(smp('ConfigMap', { data: { a: '1' } }, { $patch: 'delete' }), {});
    });
  });

  describe('$retainKeys', () => {
    it('keeps the members of the map it names and clears the rest', () => {
      const doc = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 }, extra: 1 } } };
      const patch = { spec: { strategy: { $retainKeys: ['type', 'rollingUpdate'], type: 'RollingUpdate' } } };
      assert.deepEqual(smp('Deployment', doc, patch), {
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      });
    });

    it('rejects a patch member the list does not name', () => {
      const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } };
      const error = patchError(() => smp('Deployment', deployment([]), patch));
      assert.equal(error.reason, 'BadRequest');
      assert.equal(error.message, 'invalid patch format of retainKeys');
    });

    it('rejects a value that is not a list', () => {
      const patch = { spec: { strategy: { $retainKeys: 'type' } } };
      assert.equal(
        patchError(() => smp('Deployment', deployment([]), patch)).message,
        'invalid patch format of retainKeys',
      );
    });
  });

  describe('directives never reach the result', () => {
    it('strips directives from existing lists, new lists, new maps and new list elements', () => {
      const live = deployment([container('web', 'nginx', { env: [{ name: 'A', value: '1' }] })]);
      const patch = {
        metadata: {
          annotations: { $patch: 'replace', a: 'b' },
          finalizers: ['x'],
          '$deleteFromPrimitiveList/finalizers': ['y'],
        },
        spec: {
          strategy: { $retainKeys: ['type'], type: 'Recreate' },
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'web' }, { name: 'new' }],
              containers: [
                {
                  name: 'web',
                  '$setElementOrder/env': [{ name: 'A' }],
                  env: [{ name: 'A', value: '2', $patch: 'merge' }],
                },
                {
                  name: 'new',
                  image: 'x',
                  securityContext: { $patch: 'replace', runAsNonRoot: true },
                  '$setElementOrder/ports': [{ containerPort: 1 }],
                  ports: [{ containerPort: 1 }, { $patch: 'replace' }],
                  env: [{ name: 'GONE', $patch: 'delete' }],
                },
              ],
              affinity: { nodeAffinity: { $retainKeys: ['x'], x: 1 } },
              tolerations: [{ key: 'k', $patch: 'delete' }, { $patch: 'replace' }, { key: 'kept' }],
              $unknownDirective: true,
            },
          },
        },
      };
      const result = smp('Deployment', live, patch);
      assert.deepEqual(directiveKeys(result), []);
      assert.deepEqual(at(containersOf(result), 1), {
        name: 'new',
        image: 'x',
        securityContext: { runAsNonRoot: true },
        ports: [{ containerPort: 1 }],
        env: [],
      });
      assert.deepEqual(at(result, 'spec', 'template', 'spec', 'tolerations'), [{ key: 'kept' }]);
    });
  });

  describe('purity', () => {
    it('never modifies the document or the patch it was given', () => {
      const live = deployment([
        container('web', 'nginx', { env: [{ name: 'A', value: '1' }] }),
        container('b', 'busybox'),
      ]);
      const patch = templatePatch({
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'web' }],
        containers: [
          {
            name: 'web',
            env: [
              { name: 'A', value: null },
              { name: 'Z', value: 'z' },
            ],
          },
          { name: 'b', $patch: 'delete' },
        ],
      });
      const liveCopy = structuredClone(live);
      const patchCopy = structuredClone(patch);
      smp('Deployment', live, patch);
      assert.deepEqual(live, liveCopy);
      assert.deepEqual(patch, patchCopy);
    });

    it('shares no structure with its inputs', () => {
      const live = { spec: { containers: [{ name: 'web', args: ['a'] }] }, metadata: { labels: { a: 'b' } } };
      const patch = { spec: { initContainers: [{ name: 'init', args: ['x'] }] } };
      const result = smp('Pod', live, patch);
      const snapshot = JSON.stringify(result);
      live.spec.containers[0]?.args.push('changed');
      live.metadata.labels.a = 'changed';
      patch.spec.initContainers[0]?.args.push('changed');
      assert.equal(JSON.stringify(result), snapshot);
    });

    it('treats a null patch as no change, as the real server does', () => {
      assert.deepEqual(smp('Deployment', deployment([]), null), deployment([]));
    });
  });

  describe('malformed patches', () => {
    it('rejects a patch that is not an object', () => {
      for (const patch of [[], 'x', 3]) {
        const error = patchError(() => smp('Pod', {}, patch));
        assert.equal(error.reason, 'BadRequest');
        assert.equal(error.message, 'invalid JSON document');
      }
    });

    it('rejects lists of lists in a merging list as Invalid', () => {
      const error = patchError(() =>
        smp('Pod', { metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }),
      );
      assert.equal(error.reason, 'Invalid');
      assert.equal(error.message, 'lists of lists are not supported');
    });

    it('rejects a merging list that mixes maps and primitives', () => {
      const patch = { spec: { containers: [{ name: 'a' }, 'b'] } };
      assert.equal(patchError(() => smp('Pod', { spec: { containers: [] } }, patch)).reason, 'BadRequest');
    });

    it('rejects maps in a set of primitives', () => {
      const patch = { metadata: { finalizers: [{ name: 'a' }] } };
      assert.match(
        patchError(() => smp('Pod', { metadata: { finalizers: [] } }, patch)).message,
        /without merge key/,
      );
    });

    it('rejects a $deleteFromPrimitiveList value that is not a list', () => {
      const patch = { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } };
      assert.equal(
        patchError(() => smp('Pod', { metadata: {} }, patch)).message,
        'invalid patch format of primitive list',
      );
    });

    it('rejects a $setElementOrder whose list field is not a list', () => {
      const patch = { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: { name: 'a' } } };
      assert.equal(patchError(() => smp('Pod', { spec: {} }, patch)).reason, 'BadRequest');
    });
  });

  it('accepts any JSON the server stores, including numbers and booleans as merge keys', () => {
    const doc: Json = {
      spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080, hostPort: 1 }] }] },
    };
    const patch = {
      spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080, hostPort: null }] }] },
    };
    assert.deepEqual(smp('Pod', doc, patch), {
      spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080 }] }] },
    });
  });
});
