// `pickCase`: which case a branch's value picks, table-driven.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { casePipelines, pickCase } from '../../../src/plan/branch-case.js';

const branch = { on: '{{ steps.s.output.kind }}', cases: { small: 'leaf', '3': 'three', true: 'yes', x: 'skip' } };

describe('pickCase', () => {
  const table: Array<[unknown, string | undefined]> = [
    ['small', 'leaf'],
    [3, 'three'],
    [true, 'yes'],
    ['x', undefined],
  ];
  for (const [value, pipeline] of table) {
    it(`${JSON.stringify(value)} → ${pipeline ?? 'skip'}`, () => {
      const picked = pickCase(branch, value);
      assert.ok(picked.ok);
      assert.equal(picked.pipeline, pipeline);
    });
  }

  it('no matching case and no _default: fails naming the value and the cases', () => {
    const picked = pickCase(branch, 'huge');
    assert.deepEqual(picked, {
      ok: false,
      message: "branch.on {{ steps.s.output.kind }} is 'huge', which no case matches (cases: 3, small, true, x)",
    });
    assert.match(JSON.stringify(pickCase(branch, { a: 1 })), /is a JSON object, which no case matches/);
  });

  it('_default takes what no case names, an object included', () => {
    const withDefault = { ...branch, cases: { ...branch.cases, _default: 'other' } };
    assert.deepEqual(pickCase(withDefault, 'huge'), { ok: true, key: '_default', pipeline: 'other' });
    assert.deepEqual(pickCase(withDefault, [1]), { ok: true, key: '_default', pipeline: 'other' });
    assert.deepEqual(pickCase(withDefault, 'small'), { ok: true, key: 'small', pipeline: 'leaf' });
  });

  it('casePipelines: each pipeline once, skip left out', () => {
    assert.deepEqual(casePipelines({ on: '', cases: { a: 'p', b: 'p', c: 'skip', _default: 'q' } }), ['p', 'q']);
  });
});
