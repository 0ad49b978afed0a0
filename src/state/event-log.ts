// The event log: every event of a run in order. State changes are written by the transitions that make them
// (in the same transaction); everything else (output, tool calls, usage, warnings …) is appended here.
import { STATE_CHANGE_EVENT_TYPES, type EventType, type WaveEvent } from '../events/types.js';
import type { SqlParam, StateDb } from './db.js';
import { toEvent, type EventRow } from './rows.js';

export interface EventsQuery {
  stepId?: string;
  types?: readonly EventType[];
  /** At most this many, oldest first; 1000 unless given. */
  limit?: number;
}

export class EventLog {
  constructor(private readonly db: StateDb) {}

  /**
   * Stores an event that is not a state change. State-change types are refused: they are written only by the
   * transition that makes the change, so they cannot be stored twice or without the change. Returns the event
   * with its `eventId`.
   */
  append<E extends WaveEvent>(event: E): E & { eventId: number } {
    if ((STATE_CHANGE_EVENT_TYPES as readonly string[]).includes(event.type)) {
      throw new Error(`"${event.type}" events are written by the state store's transitions, not appended`);
    }
    if (event.eventId !== undefined) return event as E & { eventId: number };
    return this.db.insertEvent(event);
  }

  /** Events of a run after a cursor (an `eventId`, 0 for the start), oldest first, at most `query.limit`. */
  since(runId: string, afterId = 0, query: EventsQuery = {}): WaveEvent[] {
    const { where, params } = eventFilter(runId, afterId, query);
    const rows = this.db
      .stmt(`SELECT * FROM events WHERE ${where} ORDER BY id LIMIT ?`)
      .all(...params, query.limit ?? 1000) as EventRow[];
    return rows.map(toEvent);
  }

  /**
   * Events of every run after a cursor, oldest first, at most `limit`: the dashboard's one feed reads on from
   * the last id it sent whenever the database changes.
   */
  after(afterId: number, limit = 500): WaveEvent[] {
    const rows = this.db
      .stmt(`SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?`)
      .all(afterId, limit) as EventRow[];
    return rows.map(toEvent);
  }

  /** The id of the newest event (0 when there is none): where a feed that starts now begins. */
  lastId(): number {
    const row = this.db.stmt(`SELECT MAX(id) AS id FROM events`).get() as { id: number | null };
    return row.id ?? 0;
  }

  /**
   * All events of a run after a cursor, oldest first, read one row at a time: `wave logs [--follow]` on a run
   * of any size in flat memory. While the loop runs the store can run no other statement (a better-sqlite3
   * rule): finish or break out of it first.
   */
  *iterate(runId: string, afterId = 0, query: Omit<EventsQuery, 'limit'> = {}): Generator<WaveEvent, void, undefined> {
    const { where, params } = eventFilter(runId, afterId, query);
    for (const row of this.db.iterate<EventRow>(`SELECT * FROM events WHERE ${where} ORDER BY id`, params)) {
      yield toEvent(row);
    }
  }
}

/** The WHERE clause (and its parameters) of an events query: one run, after a cursor, optionally a step and types. */
function eventFilter(
  runId: string,
  afterId: number,
  query: Omit<EventsQuery, 'limit'>,
): { where: string; params: SqlParam[] } {
  const where = ['run_id = ?', 'id > ?'];
  const params: SqlParam[] = [runId, afterId];
  if (query.stepId !== undefined) {
    where.push('step_id = ?');
    params.push(query.stepId);
  }
  if (query.types && query.types.length > 0) {
    where.push(`type IN (${query.types.map(() => '?').join(', ')})`);
    params.push(...query.types);
  }
  return { where: where.join(' AND '), params };
}
