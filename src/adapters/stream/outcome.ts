// How a stream ends: each CLI decides from its own lines whether its run finished (a verdict); the outcome around
// it (usage, tool calls, denials, session, the failure reason's bound) is assembled once, in AgentStream.
import type { AgentFailure, FailureClass } from '../types.js';
import { classifyFailure, type FailureEvidence } from './classify.js';

/** A run that finished (with its final answer, when it gave one), or one that failed. */
export type Verdict = { failure?: undefined; finalText?: string | undefined } | { failure: AgentFailure };

/** The longest failure reason an outcome carries. */
export const REASON_MAX = 500;

export function succeeded(finalText: string | undefined): Verdict {
  return { finalText };
}

/** A failure whose class is known without classifying (a killed CLI, a run that ended without its last line). */
export function failed(cls: FailureClass, reason: string): Verdict {
  return { failure: { class: cls, reason } };
}

/** A failure the CLI reported: its class from the one classifier. */
export function classified(evidence: FailureEvidence, reason: string): Verdict {
  return failed(classifyFailure(evidence), reason);
}

/**
 * How a CLI's exit reads in a failure reason: killed (no code), SIGTERM (143), SIGKILL (137), or the code, with the
 * CLI's own meaning for it when `meaning` knows one.
 */
export function describeExit(
  cli: string,
  exitCode: number | null,
  meaning?: (exitCode: number) => string | undefined,
): string {
  if (exitCode === null) return `${cli} was killed (no exit code)`;
  const own = meaning?.(exitCode);
  if (own !== undefined) return `${cli} exited with code ${exitCode} (${own})`;
  if (exitCode === 143) return `${cli} was terminated (exit 143, SIGTERM)`;
  if (exitCode === 137) return `${cli} was killed (exit 137, SIGKILL)`;
  return `${cli} exited with code ${exitCode}`;
}
