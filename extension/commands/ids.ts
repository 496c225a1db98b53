/** Every command id the code runs or registers; each is declared in package.json. */
export const CMD = {
  showLog: 'slipway.showLog',
  openKubeconfig: 'slipway.openKubeconfig',
  reconnect: 'slipway.reconnect',
  restartAgent: 'slipway.restartAgent',
  pickContext: 'slipway.pickContext',
  pickNamespace: 'slipway.pickNamespace',
  useForSlipway: 'slipway.useForSlipway',
  refreshClusterStatus: 'slipway.refreshClusterStatus',
  showAllNamespaces: 'slipway.showAllNamespaces',
  showSelectedNamespace: 'slipway.showSelectedNamespace',
} as const;
