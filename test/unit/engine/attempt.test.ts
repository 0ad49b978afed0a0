// Which failure classes another attempt may fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryable } from '../../../src/engine/attempt.js';

describe('isRetryable', () => {
  it('a refused key or account (auth) is not retried; a rate limit or a provider error is', () => {
    assert.equal(isRetryable('auth'), false);
    assert.equal(isRetryable('rate_limit'), true);
    assert.equal(isRetryable('provider_error'), true);
    assert.equal(isRetryable('context_exhausted'), false);
  });
});
