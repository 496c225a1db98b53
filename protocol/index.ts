export * from './check';
export * from './deploy';
export * from './errors';
export * from './methods';
export * from './models';
export * from './topics';
export * from './wire';
export * from './webview';
