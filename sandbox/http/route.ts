/** A parsed API request path: which endpoint family it is and the pieces it names. */
export type Route =
  | { kind: 'version' }
  | { kind: 'health'; which: string }
  | { kind: 'coreVersions' }
  | { kind: 'groups' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'openapiV2' }
  | { kind: 'openapiV3Index' }
  | { kind: 'openapiV3'; path: string }
  | { kind: 'control'; action: string }
  | ResourceRoute
  | { kind: 'unknown' };

export interface ResourceRoute {
  kind: 'resource';
  group: string;
  version: string;
  plural: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** Path after a proxy subresource, starting with '/'. */
  rest: string;
}

const HEALTH = new Set(['healthz', 'livez', 'readyz']);

export function parseRoute(pathname: string): Route {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const [first, second] = segs;
  if (segs.length === 1 && first === 'version') return { kind: 'version' };
  if (first !== undefined && HEALTH.has(first)) return { kind: 'health', which: first };
  if (first === 'openapi' && second === 'v2') return { kind: 'openapiV2' };
  if (first === 'openapi' && second === 'v3') {
    return segs.length === 2
      ? { kind: 'openapiV3Index' }
      : { kind: 'openapiV3', path: segs.slice(2).join('/') };
  }
  if (first === 'sandbox' && second === 'v1') return { kind: 'control', action: segs.slice(2).join('/') };
  if (first === 'api') {
    if (segs.length === 1) return { kind: 'coreVersions' };
    if (segs.length === 2) return { kind: 'resourceList', group: '', version: second! };
    return resourceRoute('', second!, segs.slice(2));
  }
  if (first === 'apis') {
    if (segs.length === 1) return { kind: 'groups' };
    if (segs.length === 2) return { kind: 'group', group: second! };
    if (segs.length === 3) return { kind: 'resourceList', group: second!, version: segs[2]! };
    return resourceRoute(second!, segs[2]!, segs.slice(3));
  }
  return { kind: 'unknown' };
}

function resourceRoute(group: string, version: string, segs: string[]): Route {
  let namespace: string | undefined;
  let rest = segs;
  // `namespaces/x/status` is the namespace's own subresource, `namespaces/x/pods` a namespaced collection.
  const isNamespaceSub = group === '' && (segs[2] === 'status' || segs[2] === 'finalize');
  if (segs[0] === 'namespaces' && segs.length >= 3 && !isNamespaceSub) {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const [plural, name, subresource, ...tail] = rest;
  if (plural === undefined) return { kind: 'unknown' };
  return {
    kind: 'resource',
    group,
    version,
    plural,
    namespace,
    name,
    subresource,
    rest: '/' + tail.join('/'),
  };
}
