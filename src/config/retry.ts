// A step's retry block with its policy preset filled in. The presets are the original format's
// (none = 1/fixed/0s; standard = 3/exponential/1s..30s; aggressive = 5/exponential/200ms..30s;
// patient = 3/exponential/5s..90s); explicit keys win over the preset.

import type { Retry, RetryPolicy } from './types.js';
import { parseDuration } from './units.js';

export interface ResolvedRetry {
  maxAttempts: number;
  backoff: 'fixed' | 'linear' | 'exponential';
  baseDelayMs: number;
  maxDelayMs: number;
  onFailure: 'fail' | 'skip' | 'continue';
}

const PRESETS: Record<RetryPolicy, Omit<ResolvedRetry, 'onFailure'>> = {
  none: { maxAttempts: 1, backoff: 'fixed', baseDelayMs: 0, maxDelayMs: 0 },
  standard: { maxAttempts: 3, backoff: 'exponential', baseDelayMs: 1_000, maxDelayMs: 30_000 },
  aggressive: { maxAttempts: 5, backoff: 'exponential', baseDelayMs: 200, maxDelayMs: 30_000 },
  patient: { maxAttempts: 3, backoff: 'exponential', baseDelayMs: 5_000, maxDelayMs: 90_000 },
};

/** Without a policy: one attempt, linear backoff from 1s, capped at 60s (the original's defaults). */
const NO_POLICY: Omit<ResolvedRetry, 'onFailure'> = {
  maxAttempts: 1,
  backoff: 'linear',
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
};

export function resolveRetry(retry: Retry | undefined): ResolvedRetry {
  const preset = retry?.policy === undefined ? NO_POLICY : PRESETS[retry.policy];
  const base = retry?.base_delay === undefined ? undefined : parseDuration(retry.base_delay);
  const max = retry?.max_delay === undefined ? undefined : parseDuration(retry.max_delay);
  const baseDelayMs = base ?? preset.baseDelayMs;
  return {
    maxAttempts: retry?.max_attempts ?? preset.maxAttempts,
    backoff: retry?.backoff ?? preset.backoff,
    baseDelayMs,
    maxDelayMs: max ?? Math.max(preset.maxDelayMs, baseDelayMs),
    onFailure: retry?.on_failure ?? 'fail',
  };
}

/** The wait before attempt `attempt` (2 = the first retry). */
export function retryDelayMs(r: ResolvedRetry, attempt: number): number {
  const n = Math.max(0, attempt - 2);
  const raw =
    r.backoff === 'fixed' ? r.baseDelayMs : r.backoff === 'linear' ? r.baseDelayMs * (n + 1) : r.baseDelayMs * 2 ** n;
  return Math.min(raw, r.maxDelayMs);
}
