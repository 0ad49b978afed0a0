// A per-step cap on the connections a step holds open to the host (the egress proxy and the model gateways
// together), counted when the socket is accepted, before anything is parsed: an idle connection that never sends
// a byte costs a descriptor too, and no step may take the Wave process's descriptors from parallel steps.
import type { Socket } from 'node:net';

export const DEFAULT_MAX_CONNECTIONS = 64;

export interface ConnectionCap {
  readonly max: number;
  /** Counts the socket until it closes; false (and counted as refused) when the cap is reached. */
  admit(socket: Socket): boolean;
  /** Connections the step holds now. */
  active(): number;
  /** Connections refused so far because the cap was reached. */
  refused(): number;
}

export function createConnectionCap(max: number = DEFAULT_MAX_CONNECTIONS): ConnectionCap {
  if (!Number.isInteger(max) || max < 1) throw new Error(`connection cap must be a positive integer, got ${max}`);
  let active = 0;
  let refused = 0;
  return {
    max,
    admit(socket) {
      if (active >= max) {
        refused++;
        return false;
      }
      active++;
      socket.once('close', () => {
        active--;
      });
      return true;
    },
    active: () => active,
    refused: () => refused,
  };
}

/** Refusals are logged at the 1st, 10th, 100th… so a flood of connections cannot flood the egress log too. */
export function worthLogging(refusedSoFar: number): boolean {
  return refusedSoFar > 0 && /^10*$/.test(String(refusedSoFar));
}
