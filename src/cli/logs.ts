// `wave logs <run-id> [--step S] [--follow]`: the run's events from the state db, as the live run showed them
// (or as NDJSON with -o json). --follow keeps reading until the run ends, from another terminal as well.
// Rows are streamed one at a time and written with backpressure, so a run with a huge log prints in flat memory.
// Step output is the step's own text: it is printed terminal-safe (control sequences shown as `\x1b` …).
import { once } from 'node:events';
import { terminalSafe, terminalSafeJson } from '../events/terminal-safe.js';
import type { WaveEvent } from '../events/types.js';
import type { CliContext } from './context.js';
import { withStore } from './store-access.js';

const POLL_MS = 250;

/** The text `wave logs` prints for an output line or a truncation marker; undefined for the other events. */
export function outputLine(e: WaveEvent): string | undefined {
  if (e.type === 'step_output') {
    const cut = e.truncatedBytes ? ` … [${e.truncatedBytes} bytes dropped]` : '';
    return `${terminalSafe(e.stepId)} | ${terminalSafe(e.line)}${cut}\n`;
  }
  if (e.type === 'step_output_truncated') {
    return `${terminalSafe(e.stepId)} | … ${e.droppedLines} lines (${e.droppedBytes} bytes) dropped … (${e.stream}, attempt ${e.attempt})\n`;
  }
  return undefined;
}

export async function logsCommand(
  ctx: CliContext,
  runId: string,
  opts: { step?: string; follow?: boolean },
): Promise<number> {
  const { ttySink } = await import('../events/index.js');
  const out = process.stdout;
  const write = async (text: string): Promise<void> => {
    // A slow reader (a pager, a pipe) must not make us buffer the whole log in memory.
    if (!out.write(text)) await once(out, 'drain');
  };
  const view = ttySink({ stream: out, interactive: false, color: ctx.color });
  const print = async (e: WaveEvent): Promise<void> => {
    if (ctx.output === 'json') return write(terminalSafeJson(e) + '\n');
    const line = outputLine(e);
    if (line !== undefined) return write(line);
    view.write(e);
    if (out.writableNeedDrain) await once(out, 'drain');
  };
  return withStore(ctx, async (store) => {
    store.runs.require(runId);
    let cursor = 0;
    let finalRead = false;
    for (;;) {
      for (const e of store.events.iterate(runId, cursor, opts.step ? { stepId: opts.step } : {})) {
        await print(e);
        cursor = e.eventId ?? cursor;
      }
      if (!opts.follow || finalRead) return 0;
      const run = store.runs.get(runId);
      const finished = run && (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled');
      // One more read after the run ended: events written between the last read and the status check.
      if (finished) {
        finalRead = true;
        continue;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
}
