import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRunId } from '../../../src/state/index.js';

describe('newRunId', () => {
  it('is <pipeline>-<YYYYMMDD-HHMMSS>-<4 lowercase chars> in UTC', () => {
    const id = newRunId('review', new Date('2025-03-04T05:06:07Z'));
    assert.match(id, /^review-20250304-050607-[0-9a-z]{4}$/);
  });

  it('sorts by time', () => {
    const earlier = newRunId('p', new Date('2025-01-01T23:59:59Z'));
    const later = newRunId('p', new Date('2025-01-02T00:00:00Z'));
    assert.ok(earlier < later);
  });

  it('folds characters that do not belong in a file name', () => {
    assert.match(newRunId('My Pipeline/../x', new Date(0)), /^my-pipeline-x-19700101-000000-[0-9a-z]{4}$/);
  });

  it('keeps runs of the same second apart', () => {
    const now = new Date();
    const ids = new Set(Array.from({ length: 50 }, () => newRunId('p', now)));
    assert.ok(ids.size > 45);
  });
});
