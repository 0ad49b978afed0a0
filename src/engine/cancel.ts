// Cancelling a run from any process. The run's own process sees the request within a second and stops its
// containers; if that process is gone (killed, machine rebooted), the caller stops them and records the end.
import { hostname } from 'node:os';
import { WaveError } from '../errors.js';
import { DockerEngine } from '../sandbox/index.js';
import { isRunOwnerAlive, type RunStatus, type Store } from '../state/index.js';

const OWNER_WAIT_MS = 15_000;

export interface CancelOutcome {
  status: RunStatus | undefined;
  /** Containers and volumes removed here (only when the run's process was gone). */
  containersRemoved: number;
}

export async function cancelRun(
  store: Store,
  runId: string,
  onWarning: (message: string) => void,
): Promise<CancelOutcome> {
  const run = store.runs.require(runId);
  if (run.status !== 'running' && run.status !== 'pending') {
    throw new WaveError('usage', `run ${runId} is not running (${run.status})`);
  }
  store.runs.requestCancel(runId);
  let containersRemoved = 0;
  if (run.ownerHost === hostname() && isRunOwnerAlive(run)) {
    const deadline = Date.now() + OWNER_WAIT_MS;
    while (Date.now() < deadline && store.runs.get(runId)?.status === 'running')
      await new Promise((r) => setTimeout(r, 200));
  } else {
    // The whole tree: every child run below it (sub-pipelines, iterate items) has containers of its own.
    const active = [run, ...store.runs.descendants(runId)].filter(
      (r) => r.status === 'running' || r.status === 'pending',
    );
    for (const r of active.reverse()) {
      containersRemoved += await removeRunContainers(r.id, onWarning);
      for (const step of store.steps.list(r.id)) {
        if (step.status === 'running' || step.status === 'retrying' || step.status === 'pending')
          store.steps.cancel(r.id, step.stepId, 'run cancelled');
      }
      store.runs.finish(r.id, 'cancelled', { error: 'cancelled (its Wave process was gone)' });
    }
  }
  return { status: store.runs.get(runId)?.status, containersRemoved };
}

/** The run's containers and /wave/out volumes, whoever started them; none when no engine answers. */
async function removeRunContainers(runId: string, onWarning: (message: string) => void): Promise<number> {
  const engine = await DockerEngine.connectIfAvailable();
  if (!engine) return 0; // no engine: nothing of this run can be running in it
  const { removed, warning } = await engine.removeRun(runId);
  if (warning) onWarning(warning);
  return removed.length;
}
