// What one attempt of one step reports back to the executor. The executor decides, from this alone, whether
// to retry, fail, or go on: it never looks inside containers or contracts itself.
import { constants } from 'node:os';
import type { FailureClass } from '../events/types.js';

export interface AttemptSuccess {
  ok: true;
  exitCode: number | null;
  outputTail: string;
}

export interface AttemptFailure {
  ok: false;
  failureClass: FailureClass;
  /** One line for humans: why the attempt failed. */
  reason: string;
  exitCode: number | null;
  outputTail: string;
  /** What the next attempt's prompt is told about this failure (contract errors, exit reason, output tail). */
  feedback: string;
  /** Wall-clock limit that was hit, for a `timeout` failure. */
  timeoutMs?: number;
  /** The stack of an error thrown inside the attempt: for the run's log file, never the terminal. */
  detail?: string;
}

export type AttemptOutcome = AttemptSuccess | AttemptFailure;

export interface AttemptRequest {
  stepId: string;
  attempt: number;
  /** The previous attempt's failure, to be fed into this attempt's prompt. */
  previousFailure?: AttemptFailure;
  /** A rework_only step's attempt: what it reworks and why (engine/rework.ts). */
  rework?: ReworkInput;
  signal: AbortSignal;
  /** Graph mode: the step's visit in this run (1 for the first); the step's container has it as WAVE_VISIT. */
  visit?: number;
}

/** What a rework attempt is given besides its own inputs (engine/rework.ts). */
export interface ReworkInput {
  /** The judged step. */
  of: string;
  round: number;
  /** The failures, as the retry prompt states them. */
  feedback: string;
  /** The JSON feedback file on the host, injected at /wave/in/_rework/feedback.json. */
  feedbackFile: string;
  /** The judged step's out folder: the rework step starts from a copy of it. */
  seedOut: string;
}

/** Runs one attempt of one step: workspace, container, collection, contracts. Never throws for a step failure. */
export type AttemptRunner = (request: AttemptRequest) => Promise<AttemptOutcome>;

/** Failures another attempt may fix. Infrastructure problems and bad inputs fail the same way every time. */
export function isRetryable(failure: FailureClass): boolean {
  switch (failure) {
    case 'exit':
    case 'timeout':
    case 'stalled':
    case 'contract':
    case 'quota': // another attempt (told why) may write less
    case 'rate_limit':
    case 'provider_error':
    case 'unknown':
      return true;
    case 'context_exhausted':
    case 'auth': // a refused key or account is refused again
    case 'infrastructure':
    case 'internal':
    case 'missing_input':
    case 'loop_exhausted':
    case 'rejected': // a contract under on_failure: rejected, or a person at a gate, said no; the run ends
    case 'cancelled':
    case 'routing':
      return false;
  }
}

/**
 * Something thrown inside an attempt, as the attempt's failure: it must end the step (failed, evented, the
 * run resumable), never escape past the state store. A system error (EMFILE, ENOSPC, a SQLite I/O error) is
 * the host's trouble; anything else is a bug in Wave.
 */
export function failureFromThrown(thrown: unknown): AttemptFailure {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const code = (error as NodeJS.ErrnoException).code;
  const host = typeof code === 'string' && (Object.hasOwn(constants.errno, code) || code.startsWith('SQLITE_'));
  const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
  const reason = host
    ? `host error: ${error.message}`
    : `internal error (a bug in Wave; the stack is in the run's log): ${name}${error.message}`;
  return {
    ok: false,
    failureClass: host ? 'infrastructure' : 'internal',
    reason,
    exitCode: null,
    outputTail: '',
    feedback: reason,
    ...(error.stack ? { detail: error.stack } : {}),
  };
}

/** A failed attempt whose feedback to the next attempt is its reason, unless `extra` says otherwise. */
export function failure(
  failureClass: AttemptFailure['failureClass'],
  reason: string,
  extra: Partial<AttemptFailure> = {},
): AttemptFailure {
  return { ok: false, failureClass, reason, exitCode: null, outputTail: '', feedback: reason, ...extra };
}
