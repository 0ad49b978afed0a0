// The dashboard's one live feed. It watches the state db's folder (the WAL file changes on every commit, whichever
// process wrote it), reads the events after the last id it saw, and hands them to every subscriber. One reader
// for all browsers; no browser polls. A read is a short WAL snapshot: it never blocks a running pipeline.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { WaveEvent } from '../events/types.js';
import type { Store } from '../state/index.js';

export type FeedListener = (event: WaveEvent) => void;

export class EventFeed {
  private cursor: number;
  private readonly listeners = new Set<FeedListener>();
  private watcher: FSWatcher | undefined;
  private scheduled = false;

  constructor(private readonly store: Store) {
    this.cursor = store.events.lastId();
  }

  /** Starts watching the db's folder (`state.db`, `state.db-wal` and `-shm` live there). */
  start(): void {
    const dir = path.dirname(this.store.path);
    const base = path.basename(this.store.path);
    this.watcher = watch(dir, (_kind, file) => {
      if (file === null || String(file).startsWith(base)) this.schedule();
    });
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads what is new now (the watcher calls this; tests and in-process writers may too). */
  pump(): void {
    for (;;) {
      const events = this.store.events.after(this.cursor);
      if (events.length === 0) return;
      for (const event of events) {
        this.cursor = event.eventId ?? this.cursor;
        for (const listener of this.listeners) listener(event);
      }
    }
  }

  close(): void {
    this.watcher?.close();
    this.listeners.clear();
  }

  /** Many file notifications of one commit become one read. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }
}
