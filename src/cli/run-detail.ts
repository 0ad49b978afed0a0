// What `wave run -v` and `--debug` add, on stderr (stdout keeps the run's view, or its NDJSON with -o json):
// -v: each attempt's image and container, every egress decision, tool calls, what the sandbox reports;
// --debug: that, plus the sandbox's debug lines and the stack of a step that failed inside Wave.
import type { RunLogLine } from '../engine/run-log.js';
import { describeLogLine } from '../engine/run-log.js';
import type { EventSink } from '../events/bus.js';
import type { CliContext } from './context.js';
import { paint, terminalSafe } from './render.js';

type Detail = Pick<CliContext, 'verbose' | 'debug' | 'color' | 'output'>;

export interface DetailStream {
  write(chunk: string): unknown;
}

function printer(ctx: Detail, stream: DetailStream): (tag: string, text: string) => void {
  return (tag, text) => void stream.write(`${paint(ctx, 'dim', `wave: [${tag}]`)} ${terminalSafe(text)}\n`);
}

/** The sandbox's lines for the user: info with -v, debug too with --debug (warnings are events, shown anyway). */
export function runLogEcho(
  ctx: Detail,
  stream: DetailStream = process.stderr,
): ((line: RunLogLine) => void) | undefined {
  if (!ctx.verbose && !ctx.debug) return undefined;
  const print = printer(ctx, stream);
  return (line) => {
    if (line.level === 'warn' || (line.level === 'debug' && !ctx.debug)) return;
    print(line.level, describeLogLine(line.message, line.fields));
  };
}

/** Event detail the terminal view leaves out; none with -o json (the NDJSON has every event). */
export function detailSink(ctx: Detail, stream: DetailStream = process.stderr): EventSink | undefined {
  if ((!ctx.verbose && !ctx.debug) || ctx.output === 'json') return undefined;
  const print = printer(ctx, stream);
  return {
    name: 'detail',
    write(event) {
      switch (event.type) {
        case 'step_started':
          print('step', `${event.stepId} attempt ${event.attempt}: image ${event.image}`);
          break;
        case 'egress_decision': {
          const verdict = event.allowed ? 'allowed' : 'denied';
          print('egress', `${event.stepId ?? 'run'}: ${verdict} ${event.host}:${event.port} (${event.reason})`);
          break;
        }
        case 'tool_call':
          if (event.status === 'started') print('tool', `${event.stepId}: ${event.name} ${event.input}`);
          break;
        case 'step_failed':
          if (ctx.debug && event.detail) print('debug', `${event.stepId}: ${event.detail}`);
          break;
        default:
          break;
      }
    },
  };
}
