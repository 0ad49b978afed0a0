// Is the process that owns something (a run, a container) still there? A pid alone is not enough: after a crash
// the pid may be reused by an unrelated process, so an owner is its pid and, where /proc exists, its start time.
// Used by state (run owners) and sandbox (container owners), so it sits below both, like errors.ts.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface OwnerIdentity {
  host: string;
  pid: number;
  /** Start time in clock ticks since boot (Linux); absent where /proc is not available. */
  start?: string | undefined;
}

/** State letter and start time of a process from /proc/<pid>/stat; undefined when unavailable. */
export function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const start = fields[19]; // field 22 overall
    return state && start ? { state, start } : undefined;
  } catch {
    return undefined;
  }
}

/** This process, as an owner. */
export function currentOwner(): OwnerIdentity {
  const start = procStat(process.pid)?.start;
  return start ? { host: hostname(), pid: process.pid, start } : { host: hostname(), pid: process.pid };
}

/**
 * Whether a process on this host is still the owner. A zombie is dead; a pid now used by a process that started
 * at another time is dead too. EPERM means it exists (another user's process). Without a recorded start time
 * (older records) the pid decides.
 */
export function isOwnerAlive(owner: Pick<OwnerIdentity, 'pid' | 'start'>): boolean {
  // kill(0, 0) and kill(-1, 0) signal process groups, not a process: never a valid owner.
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  if (!stat) return true; // no /proc: trust kill(0)
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start === undefined || owner.start === stat.start;
}
