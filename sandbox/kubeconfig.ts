import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCert: string;
  adminToken: string;
  readOnlyToken: string;
  namespace: string;
}

/** The kubeconfig a sandbox writes: contexts `sandbox` (admin) and `sandbox-readonly` (viewer). */
export function kubeconfigYaml(k: KubeconfigInput): string {
  const ca = Buffer.from(k.caCert).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': 'sandbox',
    clusters: [{ name: 'sandbox', cluster: { server: k.server, 'certificate-authority-data': ca } }],
    users: [
      { name: 'sandbox-admin', user: { token: k.adminToken } },
      { name: 'sandbox-readonly', user: { token: k.readOnlyToken } },
    ],
    contexts: [
      { name: 'sandbox', context: { cluster: 'sandbox', user: 'sandbox-admin', namespace: k.namespace } },
      {
        name: 'sandbox-readonly',
        context: { cluster: 'sandbox', user: 'sandbox-readonly', namespace: k.namespace },
      },
    ],
  });
}

/** Written with mode 0600: it holds bearer tokens. */
export function writeKubeconfig(path: string, k: KubeconfigInput): void {
  writeFileSync(path, kubeconfigYaml(k), { mode: 0o600 });
}
