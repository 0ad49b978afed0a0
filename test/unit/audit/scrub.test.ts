import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, chainScrubs, scrubber, secretValuesOf } from '../../../src/audit/index.js';

describe('scrubbing the values of passthrough variables and provider keys', () => {
  it('takes the host values of the named variables, skipping unset and empty ones', () => {
    assert.deepEqual(secretValuesOf({ A: 'value-of-a-123', B: '', C: undefined }, ['A', 'B', 'C', 'D']), [
      'value-of-a-123',
    ]);
  });

  it('removes every occurrence of each value, the longest first, and well-known key shapes', () => {
    const scrub = scrubber(
      secretValuesOf({ KEY: 'wave-test-provider-key-7f3a', TOKEN: 'wave-test-provider' }, ['KEY', 'TOKEN']),
    );
    assert.equal(
      scrub('key=wave-test-provider-key-7f3a again wave-test-provider-key-7f3a'),
      `key=${REDACTED} again ${REDACTED}`,
    );
    assert.equal(scrub('Bearer abcdefghijklmnopqrstuvwxyz0123'), `Bearer ${REDACTED}`);
  });

  it('chains the agent scrubber and the step scrubber', () => {
    const first = (t: string) => t.replace('one', 'two');
    const second = (t: string) => t.replace('two', 'three');
    assert.equal(chainScrubs(first, second)('one'), 'three');
    assert.equal(chainScrubs(undefined, second)('two'), 'three');
  });
});
