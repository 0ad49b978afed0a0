// Persists the events that are not state changes (output lines, tool calls, usage, warnings, egress
// decisions, progress) so `wave logs` can replay a run. State changes are already in the events table: the
// store writes them in the same transaction as the change and marks them with `eventId`, which is how this
// sink knows to leave them alone. Nothing is stored twice.
import type { EventSink } from '../bus.js';
import type { WaveEvent } from '../types.js';

/** The one thing this sink needs from the state store's event log (structural, so events/ does not import state/). */
export interface EventAppender {
  append(event: WaveEvent): unknown;
}

export interface StoreSinkOptions {
  /** Leave out chatty events (e.g. `step_output` when the log file has them); all are kept by default. */
  filter?: (event: WaveEvent) => boolean;
}

export function storeSink(log: EventAppender, options: StoreSinkOptions = {}): EventSink {
  return {
    name: 'state db',
    write(event) {
      if (event.eventId !== undefined) return;
      if (options.filter && !options.filter(event)) return;
      log.append(event);
    },
  };
}
