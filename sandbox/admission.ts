import { invalid } from './errors';
import type { ResourceType } from './registry';
import { selectorMatches, type LabelSelectorSpec } from './selectors';
import type { Store } from './store';
import { type JsonObject, type KObject, isJsonObject } from './types';

/**
 * Defaulting and validation for built-in kinds: the defaults the real server fills in (so `kubectl get
 * -o yaml` and diffs look like a real cluster) and the checks whose errors users actually meet.
 */
export function installAdmission(store: Store): void {
  const ips = new ClusterIpAllocator();
  store.addAdmission((t, obj, old) => defaultObject(t, obj, old, ips));
  store.addAdmission((t, obj, old) => validateObject(t, obj, old));
}

function obj(o: unknown): JsonObject {
  return isJsonObject(o) ? o : {};
}

function ensure(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isJsonObject(v)) return v;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

function setDefault(o: JsonObject, key: string, value: JsonObject[string]): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

class ClusterIpAllocator {
  private next = 10;
  allocate(): string {
    const n = this.next++;
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
}

function defaultProbe(p: unknown): void {
  if (!isJsonObject(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isJsonObject(p['httpGet'])) setDefault(p['httpGet'], 'scheme', 'HTTP');
}

function imageIsLatest(image: string): boolean {
  const lastPart = image.split('/').pop() ?? image;
  if (lastPart.includes('@')) return false;
  return !lastPart.includes(':') || lastPart.endsWith(':latest');
}

function defaultContainer(c: unknown): void {
  if (!isJsonObject(c)) return;
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  setDefault(c, 'imagePullPolicy', imageIsLatest(image) ? 'Always' : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  if (Array.isArray(c['ports']))
    for (const p of c['ports']) if (isJsonObject(p)) setDefault(p, 'protocol', 'TCP');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) {
    const cs = spec[list];
    if (Array.isArray(cs)) for (const c of cs) defaultContainer(c);
  }
}

function defaultWorkload(spec: JsonObject, kind: string): void {
  if (kind !== 'DaemonSet') setDefault(spec, 'replicas', 1);
  if (kind !== 'ReplicaSet') setDefault(spec, 'revisionHistoryLimit', 10);
  const template = ensure(spec, 'template');
  defaultPodSpec(ensure(template, 'spec'));
  if (kind === 'Deployment') {
    setDefault(spec, 'progressDeadlineSeconds', 600);
    const strategy = ensure(spec, 'strategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const ru = ensure(strategy, 'rollingUpdate');
      setDefault(ru, 'maxSurge', '25%');
      setDefault(ru, 'maxUnavailable', '25%');
    }
  }
  if (kind === 'StatefulSet') {
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    const us = ensure(spec, 'updateStrategy');
    setDefault(us, 'type', 'RollingUpdate');
    if (us['type'] === 'RollingUpdate') setDefault(ensure(us, 'rollingUpdate'), 'partition', 0);
    setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  }
  if (kind === 'DaemonSet') {
    const us = ensure(spec, 'updateStrategy');
    setDefault(us, 'type', 'RollingUpdate');
    if (us['type'] === 'RollingUpdate') {
      const ru = ensure(us, 'rollingUpdate');
      setDefault(ru, 'maxUnavailable', 1);
      setDefault(ru, 'maxSurge', 0);
    }
  }
}

function defaultService(
  o: KObject,
  spec: JsonObject,
  old: KObject | undefined,
  ips: ClusterIpAllocator,
): void {
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  const oldSpec = obj(old?.['spec']);
  if (spec['clusterIP'] !== 'None') {
    const ip = typeof oldSpec['clusterIP'] === 'string' ? oldSpec['clusterIP'] : spec['clusterIP'];
    spec['clusterIP'] = typeof ip === 'string' && ip !== '' ? ip : ips.allocate();
  }
  spec['clusterIPs'] = [spec['clusterIP'] as string];
  setDefault(spec, 'ipFamilies', ['IPv4']);
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  const ports = Array.isArray(spec['ports']) ? spec['ports'] : [];
  let nodePort = 30000 + (Math.abs(hash(o.metadata.name ?? '')) % 2000);
  for (const p of ports) {
    if (!isJsonObject(p)) continue;
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'targetPort', p['port'] ?? 80);
    if ((spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer') && p['nodePort'] === undefined)
      p['nodePort'] = nodePort++;
  }
  if (spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer')
    setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (o['status'] === undefined) o['status'] = { loadBalancer: {} };
}

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

function defaultObject(t: ResourceType, o: KObject, old: KObject | undefined, ips: ClusterIpAllocator): void {
  const spec = isJsonObject(o['spec']) ? o['spec'] : undefined;
  switch (`${t.group}/${t.kind}`) {
    case '/Namespace': {
      o.metadata.labels = {
        ...(o.metadata.labels ?? {}),
        'kubernetes.io/metadata.name': o.metadata.name ?? '',
      };
      const s = ensure(o as unknown as JsonObject, 'spec');
      setDefault(s, 'finalizers', ['kubernetes']);
      if (old === undefined || !isJsonObject(o['status'])) o['status'] = { phase: 'Active' };
      break;
    }
    case '/Pod':
      if (spec !== undefined) {
        defaultPodSpec(spec);
        setDefault(spec, 'serviceAccountName', 'default');
        setDefault(spec, 'enableServiceLinks', true);
        setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
        setDefault(spec, 'priority', 0);
      }
      if (old === undefined) o['status'] = { phase: 'Pending', qosClass: qosClass(spec) };
      break;
    case '/Service':
      if (spec !== undefined) defaultService(o, spec, old, ips);
      break;
    case '/Secret':
      setDefault(o as unknown as JsonObject, 'type', 'Opaque');
      if (isJsonObject(o['stringData'])) {
        const data = ensure(o as unknown as JsonObject, 'data');
        for (const [k, v] of Object.entries(o['stringData']))
          data[k] = Buffer.from(String(v)).toString('base64');
        delete o['stringData'];
      }
      break;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      if (spec !== undefined) defaultWorkload(spec, t.kind);
      break;
    case 'batch/Job':
      if (spec !== undefined) defaultJob(o, spec);
      break;
    case 'batch/CronJob':
      if (spec !== undefined) {
        setDefault(spec, 'concurrencyPolicy', 'Allow');
        setDefault(spec, 'suspend', false);
        setDefault(spec, 'successfulJobsHistoryLimit', 3);
        setDefault(spec, 'failedJobsHistoryLimit', 1);
      }
      break;
    case 'autoscaling/HorizontalPodAutoscaler':
      if (spec !== undefined) setDefault(spec, 'minReplicas', 1);
      break;
    default:
      break;
  }
}

function defaultJob(o: KObject, spec: JsonObject): void {
  setDefault(spec, 'completions', 1);
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'manualSelector', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  const template = ensure(spec, 'template');
  const uid = o.metadata.uid ?? '';
  const labels: JsonObject = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': o.metadata.name ?? '',
    'controller-uid': uid,
    'job-name': o.metadata.name ?? '',
  };
  if (spec['selector'] === undefined)
    spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const meta = ensure(template, 'metadata');
  meta['labels'] = { ...obj(meta['labels']), ...labels };
  defaultPodSpec(ensure(template, 'spec'));
}

function qosClass(spec: JsonObject | undefined): string {
  const cs = Array.isArray(spec?.['containers']) ? spec['containers'] : [];
  let anyRequest = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = obj(obj(c)['resources']);
    const req = obj(r['requests']);
    const lim = obj(r['limits']);
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) anyRequest = true;
    if (lim['cpu'] === undefined || lim['memory'] === undefined) guaranteed = false;
    else if ((req['cpu'] ?? lim['cpu']) !== lim['cpu'] || (req['memory'] ?? lim['memory']) !== lim['memory'])
      guaranteed = false;
  }
  if (guaranteed) return 'Guaranteed';
  return anyRequest ? 'Burstable' : 'BestEffort';
}

function validateContainers(t: ResourceType, name: string, spec: JsonObject, prefix: string): void {
  const cs = spec['containers'];
  if (!Array.isArray(cs) || cs.length === 0) {
    throw invalid(t, name, [
      { field: `${prefix}.containers`, message: 'Required value', type: 'FieldValueRequired' },
    ]);
  }
  const seen = new Set<string>();
  cs.forEach((c, i) => {
    const co = obj(c);
    if (typeof co['name'] !== 'string' || co['name'] === '') {
      throw invalid(t, name, [
        { field: `${prefix}.containers[${i}].name`, message: 'Required value', type: 'FieldValueRequired' },
      ]);
    }
    if (seen.has(co['name'])) {
      throw invalid(t, name, [
        {
          field: `${prefix}.containers[${i}].name`,
          message: `Duplicate value: "${co['name']}"`,
          type: 'FieldValueDuplicate',
        },
      ]);
    }
    seen.add(co['name']);
    if (typeof co['image'] !== 'string' || co['image'] === '') {
      throw invalid(t, name, [
        { field: `${prefix}.containers[${i}].image`, message: 'Required value', type: 'FieldValueRequired' },
      ]);
    }
  });
}

function goMap(labels: JsonObject): string {
  const parts = Object.entries(labels).map(([k, v]) => `"${k}":"${String(v)}"`);
  return `map[string]string{${parts.join(', ')}}`;
}

function validateObject(t: ResourceType, o: KObject, old: KObject | undefined): void {
  const name = o.metadata.name ?? '';
  const spec = obj(o['spec']);
  const isWorkload =
    t.group === 'apps' && ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(t.kind);
  if (t.group === '' && t.kind === 'Pod') validateContainers(t, name, spec, 'spec');
  if (t.group === 'batch' && t.kind === 'Job') {
    const policy = obj(obj(spec['template'])['spec'])['restartPolicy'];
    if (policy !== 'Never' && policy !== 'OnFailure') {
      throw invalid(t, name, [
        {
          field: 'spec.template.spec.restartPolicy',
          message: `Unsupported value: "${String(policy)}": supported values: "OnFailure", "Never"`,
          type: 'FieldValueNotSupported',
        },
      ]);
    }
  }
  if (!isWorkload) return;
  const template = obj(spec['template']);
  validateContainers(t, name, obj(template['spec']), 'spec.template.spec');
  const selector = spec['selector'];
  if (!isJsonObject(selector)) {
    throw invalid(t, name, [
      { field: 'spec.selector', message: 'Required value', type: 'FieldValueRequired' },
    ]);
  }
  const labels = obj(obj(template['metadata'])['labels']);
  if (!selectorMatches(selector as unknown as LabelSelectorSpec, labels as Record<string, string>)) {
    throw invalid(t, name, [
      {
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``,
      },
    ]);
  }
  if (old !== undefined && JSON.stringify(obj(old['spec'])['selector']) !== JSON.stringify(selector)) {
    throw invalid(t, name, [
      {
        field: 'spec.selector',
        message: `Invalid value: v1.LabelSelector{MatchLabels:${goMap(obj(selector['matchLabels']))}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
      },
    ]);
  }
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || replicas < 0)) {
    throw invalid(t, name, [
      {
        field: 'spec.replicas',
        message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  }
  if (t.kind === 'Deployment') validateRollingUpdate(t, name, obj(obj(spec['strategy'])['rollingUpdate']));
}

function validateRollingUpdate(t: ResourceType, name: string, ru: JsonObject): void {
  const isZero = (v: unknown): boolean => v === 0 || v === '0%' || v === '0';
  if (isZero(ru['maxSurge']) && isZero(ru['maxUnavailable'])) {
    throw invalid(t, name, [
      {
        field: 'spec.strategy.rollingUpdate.maxUnavailable',
        message:
          'Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
      },
    ]);
  }
}
