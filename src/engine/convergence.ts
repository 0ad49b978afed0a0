// When a rework loop stops early: the score of a round is the mean of its contracts' scores (llm_judge's share of
// criteria met, else 1 for a pass and 0 for a failure), and a loop whose score did not improve by at least
// `minImprovement` over the last `window` rounds has stalled: another round would burn tokens for nothing.
import type { ContractRunResult } from '../contracts/index.js';

export const DEFAULT_MAX_REWORK_ROUNDS = 2;
export const DEFAULT_CONVERGENCE_WINDOW = 3;
export const DEFAULT_CONVERGENCE_MIN_IMPROVEMENT = 0.05;

export function roundScore(results: readonly ContractRunResult[]): number {
  if (results.length === 0) return 1;
  const scores = results.map((r) => (typeof r.details.score === 'number' ? r.details.score : r.ok ? 1 : 0));
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** The scores of the rounds so far, oldest first: stalled once `window` of them gained less than minImprovement. */
export function hasStalled(scores: readonly number[], window: number, minImprovement: number): boolean {
  if (scores.length < window) return false;
  const recent = scores.slice(-window);
  const first = recent[0] as number;
  const best = Math.max(...recent.slice(1));
  return best - first < minImprovement;
}
