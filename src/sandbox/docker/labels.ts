// Labels that mark a container as Wave's and name the process that owns it. The reaper uses them to find
// containers whose owner died (kill -9, power loss) without ever touching containers Wave did not create.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const LABELS = {
  managed: 'wave.managed',
  run: 'wave.run',
  step: 'wave.step',
  attempt: 'wave.attempt',
  /** `<hostname>:<pid>` of the Wave process that created the container. */
  owner: 'wave.owner',
  /** The owner's start time (clock ticks since boot, Linux), so a recycled pid is not mistaken for the owner. */
  ownerStart: 'wave.owner-start',
  /** What a container or volume is for besides the step itself: `out` (the /wave/out volume and its holder). */
  role: 'wave.role',
} as const;

export interface OwnerIdentity {
  host: string;
  pid: number;
  /** Absent where /proc is not available. */
  start?: string;
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

export function currentOwner(): OwnerIdentity {
  const start = procStat(process.pid)?.start;
  return start ? { host: hostname(), pid: process.pid, start } : { host: hostname(), pid: process.pid };
}

export function ownerLabels(owner: OwnerIdentity): Record<string, string> {
  const labels: Record<string, string> = { [LABELS.owner]: `${owner.host}:${owner.pid}` };
  if (owner.start) labels[LABELS.ownerStart] = owner.start;
  return labels;
}

export function parseOwner(labels: Record<string, string> | undefined): OwnerIdentity | undefined {
  const owner = labels?.[LABELS.owner];
  if (!owner) return undefined;
  const at = owner.lastIndexOf(':');
  const pid = Number(owner.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const start = labels?.[LABELS.ownerStart];
  return start ? { host: owner.slice(0, at), pid, start } : { host: owner.slice(0, at), pid };
}

/**
 * Whether a process on this host is still the one that owned a container. A zombie is dead; a pid now used by
 * a process that started at another time is dead too. EPERM means it exists (another user's process).
 */
export function isOwnerAlive(owner: Pick<OwnerIdentity, 'pid' | 'start'>): boolean {
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
