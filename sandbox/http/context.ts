import type { Authenticator, User } from '../auth';
import type { Clock } from '../clock';
import type { OpenApiPublisher } from '../openapi';
import type { Registry } from '../registry';
import type { Store } from '../store';
import type { WatchRegistry } from './watch';

/** What every request handler may use; one instance per running sandbox. */
export interface ApiContext {
  registry: Registry;
  store: Store;
  clock: Clock;
  auth: Authenticator;
  watches: WatchRegistry;
  bookmarkIntervalMs: number;
  /** The published schemas, which server-side field validation checks request bodies against. */
  openapi: OpenApiPublisher;
}

export interface RequestInfo {
  user: User;
  query: URLSearchParams;
  userAgent: string;
}
