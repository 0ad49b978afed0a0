// Is the process that owns a run still there? Its pid and start time decide (src/liveness.ts), so a pid reused
// after a crash does not keep a dead run "running". Only meaningful on the owner's host: callers check ownerHost.
import { isOwnerAlive } from '../liveness.js';
import type { RunRecord } from './types.js';

export function isRunOwnerAlive(run: Pick<RunRecord, 'ownerPid' | 'ownerStart'>): boolean {
  return run.ownerPid !== null && isOwnerAlive({ pid: run.ownerPid, start: run.ownerStart ?? undefined });
}
