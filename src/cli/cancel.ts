// `wave cancel <run-id>`, from any terminal. The run's own process sees the request within a second and stops
// its containers. If that process is gone (killed, machine rebooted), this command stops the containers itself
// and records the cancellation.
import { hostname } from 'node:os';
import { WaveError } from '../errors.js';
import { isRunOwnerAlive } from '../state/index.js';
import type { CliContext } from './context.js';
import { printJson, warn } from './render.js';
import { withStore } from './store-access.js';

const WAIT_MS = 15_000;

export async function cancelCommand(ctx: CliContext, runId: string): Promise<number> {
  return withStore(ctx, async (store) => {
    const run = store.runs.require(runId);
    if (run.status !== 'running' && run.status !== 'pending') {
      throw new WaveError('usage', `run ${runId} is not running (${run.status})`);
    }
    store.runs.requestCancel(runId);
    const ownerAlive = run.ownerHost === hostname() && isRunOwnerAlive(run);
    let removed = 0;
    if (!ownerAlive) {
      removed = await removeRunContainers(ctx, runId);
      for (const step of store.steps.list(runId)) {
        if (step.status === 'running' || step.status === 'retrying' || step.status === 'pending')
          store.steps.cancel(runId, step.stepId, 'run cancelled');
      }
      store.runs.finish(runId, 'cancelled', { error: 'cancelled (its Wave process was gone)' });
    } else {
      const deadline = Date.now() + WAIT_MS;
      while (Date.now() < deadline && store.runs.get(runId)?.status === 'running')
        await new Promise((r) => setTimeout(r, 200));
    }
    const status = store.runs.get(runId)?.status;
    if (ctx.output === 'json') printJson({ runId, status, containersRemoved: removed });
    else
      process.stdout.write(
        `run ${runId}: ${status === 'cancelled' ? 'cancelled' : `cancel requested (status: ${status})`}\n`,
      );
    return 0;
  });
}

/** The run's containers and /wave/out volumes, whoever started them; none when no engine answers. */
async function removeRunContainers(ctx: CliContext, runId: string): Promise<number> {
  const { DockerEngine } = await import('../sandbox/index.js');
  const engine = await DockerEngine.connectIfAvailable();
  if (!engine) return 0; // no engine: nothing of this run can be running in it
  const { removed, warning } = await engine.removeRun(runId);
  if (warning) warn(ctx, warning);
  return removed.length;
}
