// `wave cancel <run-id>`, from any terminal (the work is engine/cancel.ts's).
import type { CliContext } from './context.js';
import { printJson, warn } from './render.js';
import { withStore } from './store-access.js';

export async function cancelCommand(ctx: CliContext, runId: string): Promise<number> {
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
