/** Printers for Services and the objects that route traffic to them. */
import type { KObject } from '../types';
import { AGE, NAME, column, nameOf, wide, type Printer } from './columns';
import { DOC } from './docs';
import { formatLabels, formatLabelSelector, joinHostPort, listWithMore, since, sortedSet } from './format';
import { get, list, nonEmpty, num, str, stringMap } from './json';

function age(obj: KObject, now: number): string {
  return since(obj.metadata.creationTimestamp, now);
}

/**
 * Load-balancer ingress points (IP, else hostname), sorted and de-duplicated. The server prints tables in
 * wide mode, where the real printer does not clip this to 16 characters.
 */
function loadBalancerAddresses(status: unknown): string[] {
  const points = list(status, 'ingress').map((p) => nonEmpty(p, 'ip') ?? nonEmpty(p, 'hostname'));
  return sortedSet(points.filter((p): p is string => p !== undefined));
}

/** Service type; defaulting always sets it, so an absent one is the default ClusterIP. */
function serviceType(svc: KObject): string {
  return nonEmpty(svc, 'spec', 'type') ?? 'ClusterIP';
}

function externalIP(svc: KObject): string {
  const externalIPs = list(svc, 'spec', 'externalIPs').filter((ip): ip is string => typeof ip === 'string');
  switch (serviceType(svc)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(get(svc, 'status', 'loadBalancer')), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(svc, 'spec', 'externalName') ?? '';
    default:
      return '<unknown>';
  }
}

/** "80/TCP,443:30443/TCP": port, node port when allocated, protocol (defaulted to TCP). */
function servicePorts(svc: KObject): string {
  const pieces = list(svc, 'spec', 'ports').map((p) => {
    const protocol = nonEmpty(p, 'protocol') ?? 'TCP';
    const nodePort = num(p, 'nodePort') ?? 0;
    const port = num(p, 'port') ?? 0;
    return nodePort > 0 ? `${port}:${nodePort}/${protocol}` : `${port}/${protocol}`;
  });
  return pieces.join(',') || '<none>';
}

/** The primary cluster IP; spec.clusterIP stands in for objects written without the clusterIPs mirror. */
function clusterIP(svc: KObject): string {
  return nonEmpty(svc, 'spec', 'clusterIPs', 0) ?? nonEmpty(svc, 'spec', 'clusterIP') ?? '<none>';
}

export const SERVICE: Printer = {
  columns: [
    NAME,
    column('Type', 'string', DOC['core/v1.ServiceSpec.type']),
    column('Cluster-IP', 'string', DOC['core/v1.ServiceSpec.clusterIP']),
    column('External-IP', 'string', DOC['core/v1.ServiceSpec.externalIPs']),
    column('Port(s)', 'string', DOC['core/v1.ServiceSpec.ports']),
    AGE,
    wide('Selector', 'string', DOC['core/v1.ServiceSpec.selector']),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    serviceType(obj),
    clusterIP(obj),
    externalIP(obj),
    servicePorts(obj),
    age(obj, now),
    formatLabels(stringMap(obj, 'spec', 'selector')),
  ],
};

/**
 * Up to three rule hosts; host-less rules are skipped but still counted in the "+ N more..." tail, a quirk
 * of the real printer kept for fidelity. "*" when no rule names a host.
 */
function ingressHosts(ing: KObject): string {
  const rules = list(ing, 'spec', 'rules');
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    const host = nonEmpty(rule, 'host');
    if (!more && host !== undefined) hosts.push(host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

export const INGRESS: Printer = {
  columns: [
    NAME,
    column(
      'Class',
      'string',
      'The name of the IngressClass resource that should be used for additional configuration',
    ),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  cells: (obj, now) => [
    nameOf(obj),
    str(obj, 'spec', 'ingressClassName') ?? '<none>',
    ingressHosts(obj),
    loadBalancerAddresses(get(obj, 'status', 'loadBalancer')).join(','),
    list(obj, 'spec', 'tls').length > 0 ? '80, 443' : '80',
    age(obj, now),
  ],
};

/** "Kind.apiGroup/name" of the class parameters, "<none>" without any. */
function ingressClassParameters(obj: KObject): string {
  const params = get(obj, 'spec', 'parameters');
  if (params === undefined || params === null) return '<none>';
  const group = str(params, 'apiGroup');
  const kind = str(params, 'kind') ?? '';
  return `${group === undefined ? kind : `${kind}.${group}`}/${str(params, 'name') ?? ''}`;
}

export const INGRESS_CLASS: Printer = {
  columns: [
    NAME,
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE,
  ],
  cells: (obj, now) => [
    nameOf(obj),
    str(obj, 'spec', 'controller') ?? '',
    ingressClassParameters(obj),
    age(obj, now),
  ],
};

/**
 * "ip:port" for every address and port, at most three, then "+ N more...". Subsets without ports (headless
 * services) list bare IPs. Note the real printer counts every address even once the list is full.
 */
function formatEndpoints(obj: KObject): string {
  const subsets = list(obj, 'subsets');
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const shown: string[] = [];
  let count = 0;
  const offer = (entry: string): void => {
    if (shown.length < max) shown.push(entry);
  };
  for (const subset of subsets) {
    const ips = list(subset, 'addresses').map((a) => str(a, 'ip') ?? '');
    const ports = list(subset, 'ports');
    if (ports.length === 0) {
      count += ips.length;
      ips.forEach(offer);
      continue;
    }
    for (const port of ports) {
      count += ips.length;
      ips.forEach((ip) => offer(joinHostPort(ip, num(port, 'port') ?? 0)));
    }
  }
  // "more" is only set when an address had to be dropped, which is exactly when the count overflows.
  return count > max ? `${shown.join(',')} + ${count - max} more...` : shown.join(',');
}

export const ENDPOINTS: Printer = {
  columns: [NAME, column('Endpoints', 'string', DOC['core/v1.Endpoints.subsets']), AGE],
  cells: (obj, now) => [nameOf(obj), formatEndpoints(obj), age(obj, now)],
};

/** Port numbers, else names, else "*". */
function sliceports(obj: KObject): string {
  const ports = list(obj, 'ports').map((p) => {
    const port = num(p, 'port');
    if (port !== undefined) return String(port);
    return str(p, 'name') ?? '*';
  });
  return listWithMore(ports, 3);
}

function sliceEndpoints(obj: KObject): string {
  const addresses = list(obj, 'endpoints').flatMap((e) => list(e, 'addresses').map((a) => String(a)));
  return listWithMore(addresses, 3);
}

export const ENDPOINT_SLICE: Printer = {
  columns: [
    NAME,
    column('AddressType', 'string', DOC['discovery/v1beta1.EndpointSlice.addressType']),
    column('Ports', 'string', DOC['discovery/v1beta1.EndpointSlice.ports']),
    column('Endpoints', 'string', DOC['discovery/v1beta1.EndpointSlice.endpoints']),
    AGE,
  ],
  cells: (obj, now) => [
    nameOf(obj),
    str(obj, 'addressType') ?? '',
    sliceports(obj),
    sliceEndpoints(obj),
    age(obj, now),
  ],
};

export const NETWORK_POLICY: Printer = {
  columns: [
    NAME,
    column('Pod-Selector', 'string', DOC['extensions/v1beta1.NetworkPolicySpec.podSelector']),
    AGE,
  ],
  cells: (obj, now) => [
    nameOf(obj),
    formatLabelSelector(get(obj, 'spec', 'podSelector') ?? {}),
    age(obj, now),
  ],
};
