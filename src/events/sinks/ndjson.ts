// `--json`: one event per line on a stream, for scripts and CI. Piping into `head` closes the pipe early; that
// is the reader's choice, not an error, so EPIPE quietly stops the output instead of crashing the run.
import type { Writable } from 'node:stream';
import type { EventSink } from '../bus.js';
import { terminalSafeJson } from '../terminal-safe.js';
import type { WaveEvent } from '../types.js';

export interface NdjsonSinkOptions {
  /** Drop events the reader does not want (e.g. `step_output` noise); all pass by default. */
  filter?: (event: WaveEvent) => boolean;
}

export function ndjsonSink(stream: Writable, options: NdjsonSinkOptions = {}): EventSink {
  let closed = false;
  // Write errors on a stream arrive asynchronously as 'error' events; without a listener Node would throw
  // them as uncaught exceptions.
  const onError = (err: NodeJS.ErrnoException): void => {
    closed = true;
    if (err.code !== 'EPIPE') process.stderr.write(`wave: --json output failed: ${err.message}\n`);
  };
  stream.on('error', onError);

  return {
    name: 'ndjson',
    write(event) {
      if (closed || stream.destroyed || stream.writableEnded) return;
      if (options.filter && !options.filter(event)) return;
      try {
        // Often read on a terminal: JSON escapes C0 controls, terminalSafeJson also C1 and bidi characters.
        stream.write(`${terminalSafeJson(event)}\n`);
      } catch (err) {
        // Some streams throw EPIPE synchronously instead of emitting it.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
          closed = true;
          return;
        }
        throw err;
      }
    },
    // No close(): the stream belongs to the caller, and the error listener stays so that an EPIPE arriving
    // after the run (buffered writes) still does not crash the process.
  };
}
