// The rework loop's early stop: a round's score and when a run of rounds has stalled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractRunResult } from '../../../src/contracts/index.js';
import { hasStalled, roundScore } from '../../../src/engine/convergence.js';

const result = (ok: boolean, score?: number) =>
  ({ ok, details: score === undefined ? {} : { score } }) as unknown as ContractRunResult;

describe('convergence', () => {
  it('a round scores the mean of its contracts: the judge score, else 1 for a pass and 0 for a failure', () => {
    assert.equal(roundScore([result(true), result(false, 0.5)]), 0.75);
    assert.equal(roundScore([result(false)]), 0);
    assert.equal(roundScore([]), 1);
  });

  it('stalls when the last window of rounds gained less than the minimum improvement', () => {
    assert.equal(hasStalled([0.5], 2, 0.05), false, 'fewer rounds than the window');
    assert.equal(hasStalled([0.5, 0.52], 2, 0.05), true);
    assert.equal(hasStalled([0.5, 0.6], 2, 0.05), false);
    assert.equal(hasStalled([0.2, 0.5, 0.5, 0.5], 3, 0.05), true, 'only the last window counts');
    assert.equal(hasStalled([0.5, 0.5, 0.6], 3, 0.05), false, 'the best round of the window counts');
  });
});
