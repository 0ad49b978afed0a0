// Labels that mark a container as Wave's and name the process that owns it. The reaper uses them to find
// containers whose owner died (kill -9, power loss) without ever touching containers Wave did not create.
import type { OwnerIdentity } from '../../liveness.js';

export const LABELS = {
  managed: 'wave.managed',
  run: 'wave.run',
  step: 'wave.step',
  attempt: 'wave.attempt',
  /** `<hostname>:<pid>` of the Wave process that created the container. */
  owner: 'wave.owner',
  /** The owner's start time (clock ticks since boot, Linux), so a recycled pid is not mistaken for the owner. */
  ownerStart: 'wave.owner-start',
  /** What a container or volume is for besides the step itself: `out` (the /wave/out volume). */
  role: 'wave.role',
} as const;

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
