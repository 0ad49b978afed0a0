// `wave cancel <run-id>`, from any terminal (the work is engine/cancel.ts's).
import type { CliContext } from './context.js';
import { printJson, warn } from './render.js';
import { withStore } from './store-access.js';

export async function cancelCommand(ctx: CliContext, runId: string): Promise<number> {
  if (await withStore(ctx, (store) => store.bench.get(runId) !== undefined)) return cancelBench(ctx, runId);
  const { cancelRun } = await import('../engine/cancel.js');
  const { status, containersRemoved } = await withStore(ctx, (store) =>
    cancelRun(store, runId, (message) => warn(ctx, message)),
  );
  if (ctx.output === 'json') printJson({ runId, status, containersRemoved });
  else
    process.stdout.write(
      `run ${runId}: ${status === 'cancelled' ? 'cancelled' : `cancel requested (status: ${status})`}\n`,
    );
  return 0;
}

/** A bench: its process sees the request within a second and cancels the tasks in flight (they run again later). */
async function cancelBench(ctx: CliContext, benchId: string): Promise<number> {
  const { cancelBench: request } = await import('../bench/cancel.js');
  const status = await withStore(ctx, (store) => request(store, benchId));
  if (ctx.output === 'json') printJson({ benchId, status });
  else process.stdout.write(`bench ${benchId}: ${status === 'cancelled' ? 'cancelled' : 'cancel requested'}\n`);
  return 0;
}
