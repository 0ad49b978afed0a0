// The database core under the repositories: one connection to `.wave/state.db`, its settings and migrations, a
// statement cache, the clock, and the one transaction helper. Every event written inside a transaction is
// delivered to `onEvent` only after the outermost transaction committed, so a listener never sees a change
// that was rolled back.
//
// Writes use IMMEDIATE transactions: a deferred one that reads and then writes can fail with SQLITE_BUSY at
// once (busy_timeout does not apply to a lock upgrade) when another process — `wave cancel` in a second
// terminal — wrote in between.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { WaveError } from '../errors.js';
import type { WaveEvent } from '../events/types.js';
import { migrate } from './migrations.js';
import { eventColumns } from './rows.js';

type DatabaseConstructor = typeof BetterSqlite3;

// Loaded on first use so that importing src/state (types, run ids) never loads the native module.
let databaseConstructor: DatabaseConstructor | undefined;
function loadDatabase(): DatabaseConstructor {
  databaseConstructor ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  return databaseConstructor;
}

export interface StoreOptions {
  /** Called with every event the store wrote, after its transaction committed (e.g. `bus.emit`). */
  onEvent?: (event: WaveEvent) => void;
  /** Time source for rows and events; tests pin it. */
  clock?: () => Date;
  /** How long a write waits for another process's lock. */
  busyTimeoutMs?: number;
}

export type SqlParam = string | number | null;

export type RunLineage = Pick<WaveEvent, 'parentRunId' | 'parentStepId' | 'itemIndex'>;

export class StateDb {
  readonly path: string;
  private readonly db: BetterSqlite3.Database;
  private readonly clock: () => Date;
  private readonly onEvent: ((event: WaveEvent) => void) | undefined;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** A run's place in its tree never changes once the row exists: read once per run. */
  private readonly lineages = new Map<string, RunLineage>();
  /** Events written by the open transaction; undefined outside one. */
  private pendingEvents: WaveEvent[] | undefined;

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.clock = options.clock ?? (() => new Date());
    this.onEvent = options.onEvent;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const Database = loadDatabase();
    this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db.pragma('foreign_keys = ON');
      // WAL makes NORMAL safe against corruption; a power cut may lose the last transactions, not the file.
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db, path);
    } catch (err) {
      this.db.close();
      throw unusableDb(err, path);
    }
  }

  /** The clock's time as stored in rows and events. */
  now(): string {
    return this.clock().toISOString();
  }

  /** A prepared statement, prepared once per SQL text. */
  stmt(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Rows one at a time. Prepared afresh: a cached statement that is mid-iteration cannot be used by anyone
   * else, and while the loop runs this connection can run no other statement (a better-sqlite3 rule).
   */
  iterate<Row>(sql: string, params: readonly SqlParam[]): IterableIterator<Row> {
    return this.db.prepare(sql).iterate(...params) as IterableIterator<Row>;
  }

  /**
   * Runs `fn` as one IMMEDIATE write transaction (a savepoint when nested). The events it writes are delivered
   * to `onEvent` after the outermost transaction commits, and never when it rolls back.
   */
  write<T>(fn: () => T): T {
    const outer = this.pendingEvents === undefined;
    if (outer) this.pendingEvents = [];
    try {
      const result = this.db.transaction(fn).immediate();
      if (outer) this.deliver();
      return result;
    } finally {
      if (outer) this.pendingEvents = undefined;
    }
  }

  /** Appends an event to the log; inside `write` it is also delivered after commit. Returns it with its id. */
  insertEvent<E extends WaveEvent>(rawEvent: E): E & { eventId: number } {
    const lineage = this.lineageOf(rawEvent.runId);
    const event = lineage.parentRunId === undefined ? rawEvent : { ...rawEvent, ...lineage };
    const columns = eventColumns(event);
    const info = this.stmt(
      `INSERT INTO events (run_id, step_id, attempt, type, time, payload) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(columns.runId, columns.stepId, columns.attempt, columns.type, columns.time, columns.payload);
    const stored = { ...event, eventId: Number(info.lastInsertRowid) };
    this.pendingEvents?.push(stored);
    return stored;
  }

  /** What every event of a child run carries: its parent run and step, and its iterate item. */
  lineageOf(runId: string): RunLineage {
    const known = this.lineages.get(runId);
    if (known) return known;
    const row = this.stmt(`SELECT parent_run_id, parent_step_id, item_index FROM runs WHERE id = ?`).get(runId) as
      { parent_run_id: string | null; parent_step_id: string | null; item_index: number | null } | undefined;
    if (!row) return {};
    const lineage: RunLineage = {
      ...(row.parent_run_id === null ? {} : { parentRunId: row.parent_run_id }),
      ...(row.parent_step_id === null ? {} : { parentStepId: row.parent_step_id }),
      ...(row.item_index === null ? {} : { itemIndex: row.item_index }),
    };
    this.lineages.set(runId, lineage);
    return lineage;
  }

  /**
   * Gives the space of deleted rows back to the file system. Deleting only marks pages free, so the file would
   * keep its size forever; VACUUM rewrites it, and the TRUNCATE checkpoint empties the WAL that VACUUM wrote
   * through (unless another process is reading at that moment: then its size stays until later).
   */
  compact(): void {
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** SQLite's own consistency check ("ok" when healthy). */
  integrityCheck(): string {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check).join('\n');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private deliver(): void {
    const events = this.pendingEvents ?? [];
    this.pendingEvents = undefined;
    if (!this.onEvent) return;
    for (const event of events) this.onEvent(event);
  }
}

/** A file that is not an SQLite database, or a damaged one, is the project's problem: say which and what to do. */
function unusableDb(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return err;
  const what = code === 'SQLITE_NOTADB' ? 'is not an SQLite database' : 'is damaged';
  return new WaveError('state_corrupt', `${path} ${what}: Wave cannot read its run state (${(err as Error).message})`, {
    hint: `move it away (mv ${path} ${path}.broken) and Wave starts a new one; its runs are then no longer listed`,
    cause: err,
  });
}
