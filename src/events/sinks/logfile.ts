// A pino log per run at `<traces dir>/<run-id>.log`: the full event stream, step output included, kept after
// the terminal has scrolled away. pino is imported lazily so commands that never run a pipeline (and the
// `--version` path) do not pay for loading it.
import { join } from 'node:path';
import type { EventSink } from '../bus.js';
import type { WaveEvent } from '../types.js';

export interface LogFileSinkOptions {
  tracesDir: string;
  runId: string;
  /** The lowest level written; `debug` adds the sandbox's debug lines (wave --debug). Default `info`. */
  level?: 'info' | 'debug';
}

export interface LogFileSink extends EventSink {
  readonly path: string;
  /** A line that is not an event (what the sandbox reports: containers created, stopped); below `level`, dropped. */
  log(level: 'debug' | 'info' | 'warn', fields: Record<string, unknown>, message: string): void;
}

/** The log file of a run, for `wave logs` and error hints. */
export function runLogPath(tracesDir: string, runId: string): string {
  return join(tracesDir, `${runId}.log`);
}

export async function createLogFileSink(options: LogFileSinkOptions): Promise<LogFileSink> {
  const { pino } = await import('pino');
  const path = runLogPath(options.tracesDir, options.runId);
  // Asynchronous writes keep a chatty agent from blocking the event loop on disk I/O; close() flushes.
  const destination = pino.destination({ dest: path, mkdir: true, sync: false });
  const level = options.level ?? 'info';
  const logger = pino({ base: { runId: options.runId }, timestamp: false, messageKey: 'msg', level }, destination);

  return {
    name: 'log file',
    path,
    write(event: WaveEvent) {
      // The event's own time is authoritative (pino's timestamp is off); its type doubles as the message.
      const { runId: _runId, ...fields } = event;
      logger[levelOf(event)](fields, event.type);
    },
    log(level, fields, message) {
      // Not an event: it carries its own time, as the events do.
      logger[level]({ time: new Date().toISOString(), ...fields }, message);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        try {
          destination.flushSync();
        } catch {
          // Nothing buffered yet (the file may still be opening); end() below flushes in that case.
        }
        destination.once('error', reject);
        destination.once('close', () => resolve());
        destination.end();
      });
    },
  };
}

function levelOf(event: WaveEvent): 'info' | 'warn' | 'error' {
  switch (event.type) {
    case 'step_failed':
    case 'step_timed_out':
      return 'error';
    case 'warning':
    case 'step_retrying':
      return 'warn';
    case 'egress_decision':
      return event.allowed ? 'info' : 'warn';
    case 'contract_result':
      return event.ok ? 'info' : 'warn';
    default:
      return 'info';
  }
}
