// What the sandbox reports while a run goes on (containers created and stopped, ones it could not remove): into the
// run's log file; a warning also as a `warning` event, so the terminal, --json and the state db have it; and every
// line to the caller's `echo` (the CLI prints info lines with --verbose, debug lines with --debug).
import type { EventBus } from '../events/bus.js';
import type { LogFileSink } from '../events/sinks/logfile.js';
import { eventTime } from '../events/types.js';
import type { SandboxLogger } from '../sandbox/types.js';

export type RunLogLevel = 'debug' | 'info' | 'warn';

export interface RunLogLine {
  level: RunLogLevel;
  message: string;
  /** containerId, step, attempt, err … (never env values: the sandbox logs names only). */
  fields: Record<string, unknown>;
}

export interface RunLoggerOptions {
  runId: string;
  bus: EventBus;
  file?: Pick<LogFileSink, 'log'>;
  echo?: (line: RunLogLine) => void;
}

/** `message: key=value …`, for a warning event's one line. */
export function describeLogLine(message: string, fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return pairs.length ? `${message}: ${pairs.join(' ')}` : message;
}

export function createRunLogger(options: RunLoggerOptions): SandboxLogger {
  const { runId, bus } = options;
  const write =
    (level: RunLogLevel) =>
    (obj: object, message = '') => {
      const fields = { ...(obj as Record<string, unknown>) };
      if (level === 'warn') {
        // The log file records the warning as an event (at level warn): no second line for it.
        const { step, attempt } = fields;
        bus.emit({
          type: 'warning',
          runId,
          time: eventTime(),
          message: describeLogLine(message, fields),
          code: 'sandbox',
          ...(typeof step === 'string' ? { stepId: step } : {}),
          ...(typeof attempt === 'number' ? { attempt } : {}),
        });
      } else {
        options.file?.log(level, { component: 'sandbox', ...fields }, message);
      }
      options.echo?.({ level, message, fields });
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn') };
}
