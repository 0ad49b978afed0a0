// The markers Wave writes into every step's instructions, and how a request's texts are searched for them.
// The system prompt comes first in the texts, so a marker quoted later in the conversation (a file the agent
// read) never wins over the step's own.

export const STEP_MARKER = /wave-step: ([A-Za-z0-9_.-]+)/;
/** Optional: pins the attempt of the step; without it the server infers attempts (see turns.ts). */
export const ATTEMPT_MARKER = /wave-attempt: ([0-9]+)/;

/** A fresh instance of a step after its n-th context relay (see findScriptedStep). */
export const RELAY_MARKER = /wave-relay: ([0-9]+)/;

/** The first capture of `re` in the texts, in order. */
export function firstCapture(texts: readonly string[], re: RegExp): string | undefined {
  for (const t of texts) {
    const match = re.exec(t);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

export function findStepIdIn(texts: readonly string[]): string | undefined {
  return firstCapture(texts, STEP_MARKER);
}

export function findAttemptIn(texts: readonly string[]): number | undefined {
  const n = firstCapture(texts, ATTEMPT_MARKER);
  return n === undefined ? undefined : Number(n);
}

/**
 * The script entry that answers a step: after the n-th context relay, `<step>.relay-<n>` when the script has one
 * (the fresh instance's own turns), else the step's own turns (every instance does the same: a relay loop).
 */
export function findScriptedStepIn(texts: readonly string[], has: (id: string) => boolean): string | undefined {
  const stepId = findStepIdIn(texts);
  const relay = firstCapture(texts, RELAY_MARKER);
  if (stepId === undefined || relay === undefined) return stepId;
  const own = `${stepId}.relay-${relay}`;
  return has(own) ? own : stepId;
}
