// When a step is relayed and how (README: Context relay): the step's handover.compaction over runtime.relay.
import type { Runtime, Step } from '../config/types.js';

/** The summarizer's time limit when runtime.timeouts.relay_compaction_minutes is not set (the original's). */
export const RELAY_COMPACTION_MINUTES = 15;

export interface RelayPolicy {
  /** Relay once the context in use reaches this share of the window (1–100). */
  thresholdPercent: number;
  /** Relays allowed per step; one more crossing fails the step (class context_exhausted). */
  maxRelays: number;
  /** The persona that writes the checkpoint. */
  persona: string;
  /** The summarizer container's time limit. */
  timeoutMinutes: number;
}

/** `token_limit_80%` → 80; anything else → undefined (the pipeline schema refuses it at load). */
export function parseCompactionTrigger(trigger: string): number | undefined {
  const match = /^token_limit_(\d{1,3})%$/.exec(trigger);
  const percent = match ? Number(match[1]) : NaN;
  return percent >= 1 && percent <= 100 ? percent : undefined;
}

/**
 * The relay of a prompt step, or undefined when it is off: a threshold of 0, not a prompt step, or only the
 * runtime's default asks for it and the project has no such summarizer persona (README: Context relay).
 */
export function relayPolicy(
  step: Step,
  runtime: Runtime,
  hasPersona: (name: string) => boolean,
): RelayPolicy | undefined {
  if (step.exec.type !== 'prompt') return undefined;
  const own = step.handover.compaction;
  if (!own && !hasPersona(runtime.relay.summarizer_persona)) return undefined;
  const fromTrigger = own?.trigger !== undefined ? parseCompactionTrigger(own.trigger) : undefined;
  const thresholdPercent = fromTrigger ?? runtime.relay.token_threshold_percent;
  if (!(thresholdPercent > 0)) return undefined;
  return {
    thresholdPercent,
    maxRelays: own?.max_relays ?? runtime.relay.max_relays,
    persona: own?.persona ?? runtime.relay.summarizer_persona,
    timeoutMinutes: runtime.timeouts?.relay_compaction_minutes ?? RELAY_COMPACTION_MINUTES,
  };
}
