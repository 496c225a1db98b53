import assert from 'node:assert/strict';
import type { PodInfo } from '../../protocol';
import {
  formatAge,
  formatPort,
  formatPorts,
  formatReplicas,
  healthIcon,
  joinParts,
  plural,
  podIcon,
  shortImage,
} from './format';

const NOW = Date.parse('2025-06-01T12:00:00Z');

function pod(over: Partial<PodInfo>): PodInfo {
  return {
    namespace: 'shop',
    name: 'core-1',
    uid: 'u1',
    phase: 'Running',
    status: 'Running',
    readyContainers: 1,
    totalContainers: 1,
    restarts: 0,
    createdAt: '2025-06-01T11:00:00Z',
    labels: {},
    containers: ['core'],
    ...over,
  };
}

describe('tree formatting', () => {
  it('shows ages in one unit like kubectl: seconds, minutes, hours, days', () => {
    assert.equal(formatAge('2025-06-01T11:59:15Z', NOW), '45s');
    assert.equal(formatAge('2025-06-01T11:57:00Z', NOW), '3m');
    assert.equal(formatAge('2025-06-01T07:00:00Z', NOW), '5h');
    assert.equal(formatAge('2025-05-20T12:00:00Z', NOW), '12d');
  });

  it('never shows a negative age for clocks slightly ahead, nor garbage for a bad date', () => {
    assert.equal(formatAge('2025-06-01T12:00:05Z', NOW), '0s');
    assert.equal(formatAge('not a date', NOW), '');
  });

  it('joins only the description parts that apply', () => {
    assert.equal(joinParts(['Running', undefined, false, '', 'node-a']), 'Running · node-a');
    assert.equal(joinParts([]), '');
  });

  it('counts in words', () => {
    assert.equal(plural(1, 'restart'), '1 restart');
    assert.equal(plural(0, 'restart'), '0 restarts');
  });

  it('shows replicas as ready/desired', () => {
    assert.equal(formatReplicas(2, 3), '2/3');
  });

  it('shows a port mapping only when the target differs', () => {
    assert.equal(formatPort({ port: 80, targetPort: '8080', protocol: 'TCP' }), '80→8080/TCP');
    assert.equal(formatPort({ port: 443, targetPort: '443', protocol: 'TCP' }), '443/TCP');
    assert.equal(
      formatPort({ port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 }),
      '80→http/TCP (node 30080)',
    );
    assert.equal(
      formatPorts([
        { port: 80, targetPort: '8080', protocol: 'TCP' },
        { port: 53, targetPort: '53', protocol: 'UDP' },
      ]),
      '80→8080/TCP, 53/UDP',
    );
  });

  it('shortens images to name and tag, and digests to 12 hex digits', () => {
    assert.equal(shortImage('ghcr.io/acme/core:1.4.2'), 'core:1.4.2');
    assert.equal(shortImage('nginx'), 'nginx');
    assert.equal(shortImage('localhost:5000/mailer:2'), 'mailer:2');
    assert.equal(shortImage('acme/core@sha256:0123456789abcdef0123'), 'core@0123456789ab');
  });

  it('colours workload health green, yellow or red as the test explorer does', () => {
    assert.deepEqual(healthIcon('healthy'), { id: 'pass-filled', color: 'testing.iconPassed' });
    assert.deepEqual(healthIcon('progressing'), { id: 'sync', color: 'charts.yellow' });
    assert.deepEqual(healthIcon('degraded'), { id: 'warning', color: 'charts.yellow' });
    assert.deepEqual(healthIcon('failed'), { id: 'error', color: 'testing.iconFailed' });
    assert.equal(healthIcon('idle').color, undefined);
  });

  it('marks pods by what kubectl shows as their status', () => {
    assert.equal(podIcon(pod({})).color, 'testing.iconPassed');
    assert.equal(podIcon(pod({ readyContainers: 0 })).color, 'charts.yellow');
    assert.equal(podIcon(pod({ status: 'CrashLoopBackOff' })).color, 'testing.iconFailed');
    assert.equal(podIcon(pod({ phase: 'Pending', status: 'ContainerCreating' })).color, 'charts.yellow');
    assert.equal(podIcon(pod({ phase: 'Pending', status: 'ImagePullBackOff' })).color, 'testing.iconFailed');
    assert.deepEqual(podIcon(pod({ status: 'Terminating' })), { id: 'circle-slash' });
    assert.deepEqual(podIcon(pod({ phase: 'Succeeded', status: 'Completed' })), { id: 'pass' });
  });
});
