// What one attempt of one step reports back to the executor. The executor decides, from this alone, whether
// to retry, fail, or go on: it never looks inside containers or contracts itself.
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
}

export type AttemptOutcome = AttemptSuccess | AttemptFailure;

export interface AttemptRequest {
  stepId: string;
  attempt: number;
  /** The previous attempt's failure, to be fed into this attempt's prompt. */
  previousFailure?: AttemptFailure;
  signal: AbortSignal;
}

/** Runs one attempt of one step: workspace, container, collection, contracts. Never throws for a step failure. */
export type AttemptRunner = (request: AttemptRequest) => Promise<AttemptOutcome>;

/** Failures another attempt may fix. Infrastructure problems and bad inputs fail the same way every time. */
export function isRetryable(failure: FailureClass): boolean {
  switch (failure) {
    case 'exit':
    case 'timeout':
    case 'contract':
    case 'rate_limit':
    case 'provider_error':
    case 'unknown':
      return true;
    case 'context_exhausted':
    case 'infrastructure':
    case 'missing_input':
    case 'cancelled':
      return false;
  }
}
