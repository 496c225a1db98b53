import type { ServerResponse } from 'node:http';
import { ApiError } from '../errors';
import { type ResourceType, groupVersion } from '../registry';
import { type Selector, fieldsOf, labelsOf } from '../selectors';
import type { Store, StoreEvent } from '../store';
import type { KObject } from '../types';

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  resourceVersion: string | undefined;
  labels: Selector;
  fields: Selector;
  bookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  /** Turns each object into what the client asked for (the object itself, or a one-row Table). */
  render: (obj: KObject) => unknown;
}

/** The live watch streams, so faults can drop them all at once. */
export class WatchRegistry {
  private readonly active = new Set<() => void>();

  add(stop: () => void): () => void {
    this.active.add(stop);
    return () => this.active.delete(stop);
  }

  dropAll(): number {
    const all = [...this.active];
    for (const stop of all) stop();
    return all.length;
  }

  get size(): number {
    return this.active.size;
  }
}

const DEFAULT_TIMEOUT_SECONDS = 30 * 60;

/**
 * A watch stream as the real server serves it: chunked JSON events, one per line. Objects entering or
 * leaving the selector are sent as ADDED or DELETED, and a too-old resourceVersion ends in an ERROR
 * event carrying a 410 Status (the stream itself answers 200, as the watch cache does).
 */
export function serveWatch(
  store: Store,
  watches: WatchRegistry,
  w: WatchRequest,
  res: ServerResponse,
  bookmarkIntervalMs: number,
): void {
  const matches = (o: KObject): boolean =>
    (w.namespace === undefined || o.metadata.namespace === w.namespace) &&
    w.labels(labelsOf(o)) &&
    w.fields(fieldsOf(o));
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let closed = false;
  const send = (type: string, object: unknown): void => {
    if (!closed) res.write(JSON.stringify({ type, object }) + '\n');
  };
  const bookmark = (initialEnd = false): void => {
    const metadata: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
    if (initialEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
    send('BOOKMARK', { kind: w.type.kind, apiVersion: groupVersion(w.type), metadata });
  };

  const rvText = w.resourceVersion ?? '';
  const fromStart = rvText === '' || rvText === '0' || w.sendInitialEvents;
  let fromRv = store.resourceVersion;
  if (fromStart) {
    for (const o of store.list(w.type, w.namespace)) if (matches(o)) send('ADDED', w.render(o));
    if (w.sendInitialEvents) bookmark(true);
  } else {
    fromRv = Number(rvText);
    if (!Number.isInteger(fromRv) || fromRv < 0) {
      send('ERROR', new ApiError('BadRequest', `invalid resource version: ${rvText}`).toStatus());
      res.end();
      return;
    }
  }

  const onEvent = (ev: StoreEvent): void => {
    const now = matches(ev.object);
    const before = ev.old !== undefined && matches(ev.old);
    if (ev.type === 'DELETED') {
      if (before || now) send('DELETED', w.render(ev.object));
    } else if (now && !before) send('ADDED', w.render(ev.object));
    else if (now && before) send('MODIFIED', w.render(ev.object));
    else if (!now && before) send('DELETED', w.render(ev.object));
  };

  let unsubscribe: () => void = () => undefined;
  try {
    unsubscribe = store.watch(w.type, fromRv, onEvent);
  } catch (e) {
    if (e instanceof ApiError) {
      send('ERROR', e.toStatus());
      res.end();
      return;
    }
    throw e;
  }

  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    unregister();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  const unregister = watches.add(stop);
  if (w.bookmarks) timers.push(setInterval(() => bookmark(), bookmarkIntervalMs));
  timers.push(setTimeout(stop, (w.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000));
  res.on('close', stop);
}
