// `wave logs <run-id> [--step S] [--follow]`: the run's events from the state db, as the live run showed them
// (or as NDJSON with -o json). --follow keeps reading until the run ends, from another terminal as well.
import type { WaveEvent } from '../events/types.js';
import type { CliContext } from './context.js';
import { withStore } from './store-access.js';

const POLL_MS = 250;

export async function logsCommand(ctx: CliContext, runId: string, opts: { step?: string; follow?: boolean }): Promise<number> {
  const { ttySink } = await import('../events/index.js');
  const view = ttySink({ stream: process.stdout, interactive: false, color: ctx.color });
  const print = (e: WaveEvent) => {
    if (ctx.output === 'json') process.stdout.write(JSON.stringify(e) + '\n');
    else if (e.type === 'step_output') process.stdout.write(`${e.stepId} | ${e.line}\n`);
    else view.write(e);
  };
  return withStore(ctx, async (store) => {
    store.requireRun(runId);
    let cursor = 0;
    let finalRead = false;
    for (;;) {
      const batch = store.eventsSince(runId, cursor, { ...(opts.step ? { stepId: opts.step } : {}), limit: 1000 });
      for (const e of batch) {
        print(e);
        cursor = e.eventId ?? cursor;
      }
      if (batch.length === 1000) continue;
      const run = store.getRun(runId);
      const finished = run && (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled');
      if (!opts.follow || finalRead) return 0;
      // One more read after the run ended: events written between the last read and the status check.
      if (finished) {
        finalRead = true;
        continue;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
}
