// What the dashboard's buttons do, through the same engine services as the CLI: `wave cancel`, `wave resume`
// (in a background process of its own, like `wave run --detach`, so the run outlives the server), and
// `wave apply` (the run's change as a new branch).
import { applyRunChanges } from '../engine/changes-service.js';
import { cancelRun } from '../engine/cancel.js';
import { WaveError } from '../errors.js';
import type { Store } from '../state/index.js';

/** Starts `wave resume <run>` in the background; returns the process id. */
export type ResumeLauncher = (runId: string) => Promise<number | undefined>;

export interface ActionContext {
  store: Store;
  projectDir: string;
  resume: ResumeLauncher;
}

export async function cancelAction(ctx: ActionContext, runId: string): Promise<string> {
  const warnings: string[] = [];
  const { status } = await cancelRun(ctx.store, runId, (m) => warnings.push(m));
  const said = status === 'cancelled' ? 'cancelled' : `cancel requested (status: ${status})`;
  return [`run ${runId}: ${said}`, ...warnings].join('; ');
}

export async function resumeAction(ctx: ActionContext, runId: string): Promise<string> {
  const run = ctx.store.runs.require(runId);
  if (run.parentRunId !== null) {
    throw new WaveError('usage', `run ${runId} is a child run: resume its top-level run ${run.parentRunId}`);
  }
  if (run.status !== 'failed' && run.status !== 'cancelled') {
    throw new WaveError('usage', `run ${runId} is ${run.status}: only a failed or cancelled run can be resumed`);
  }
  const pid = await ctx.resume(runId);
  return `run ${runId}: resuming in the background${pid === undefined ? '' : ` (pid ${pid})`}`;
}

export async function applyAction(ctx: ActionContext, runId: string, branch: string | undefined): Promise<string> {
  const result = await applyRunChanges(ctx.projectDir, ctx.store, runId, branch ? { branch } : {});
  return `applied the change of step ${result.stepId} as branch ${result.branch ?? '?'} at ${result.commit.slice(0, 12)}`;
}
