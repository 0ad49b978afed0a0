// Where a graph walk goes after a visit: edges in order (first match), the outcome, JSON values, the fallback of a
// step without edges, dependencies that make a target wait, and the failures (no edge matched, no value).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Edge, Step } from '../../../src/config/types.js';
import { routeAfter, type ValueOf, type WalkPosition } from '../../../src/plan/graph-route.js';

function step(id: string, edges?: Edge[], dependencies: string[] = []): Step {
  return {
    id,
    dependencies,
    exec: { type: 'command', script: 'true' },
    output_artifacts: [],
    handover: { contracts: [] },
    ...(edges ? { edges } : {}),
  };
}

const at = (counts: Record<string, number>, pending: string[] = []): WalkPosition => ({
  counts: new Map(Object.entries(counts)),
  pending,
});
const noValues: ValueOf = (ref) => ({ ok: false, reason: `no value for ${ref}` });

describe('routeAfter', () => {
  const review = step('review', [
    { target: 'fix', condition: 'outcome=failure' },
    { target: '_complete', condition: "{{ steps.review.output.verdict }} == 'ok'" },
    { target: 'fix' },
  ]);
  const steps = [review, step('fix', [{ target: 'review' }])];

  it('takes the first edge whose condition holds, saying which and why', () => {
    assert.deepEqual(routeAfter(steps, review, 'failure', at({ review: 1 }), noValues), {
      ok: true,
      next: 'fix',
      edge: 0,
      condition: 'outcome=failure',
      why: 'edge 0: outcome=failure holds (outcome=failure)',
      pending: [],
    });
    const ok: ValueOf = () => ({ ok: true, value: 'ok' });
    const done = routeAfter(steps, review, 'success', at({ review: 1 }), ok);
    assert.ok(done.ok);
    assert.deepEqual([done.next, done.edge], ['_complete', 1]);
    const changes: ValueOf = () => ({ ok: true, value: 'changes' });
    const again = routeAfter(steps, review, 'success', at({ review: 1 }), changes);
    assert.ok(again.ok);
    assert.deepEqual([again.next, again.edge, again.why], ['fix', 2, 'edge 2 (no condition)']);
  });

  it('a value the condition needs and cannot read fails the route, naming the edge', () => {
    assert.deepEqual(routeAfter(steps, review, 'success', at({ review: 1 }), noValues), {
      ok: false,
      reason:
        "step 'review' edge 1 ({{ steps.review.output.verdict }} == 'ok'): no value for {{ steps.review.output.verdict }}",
    });
  });

  it('no matching edge fails with the outcome and the conditions tried', () => {
    const strict = step('check', [{ target: 'a', condition: 'outcome=success' }]);
    assert.deepEqual(routeAfter([strict, step('a')], strict, 'failure', at({ check: 1 }), noValues), {
      ok: false,
      reason: "step 'check': no edge matched (outcome=failure; conditions: outcome=success)",
    });
  });

  it('a step without edges goes to its first dependent, else the walk ends', () => {
    const a = step('a');
    const steps2 = [a, step('b', undefined, ['a'])];
    const next = routeAfter(steps2, a, 'success', at({ a: 1 }), noValues);
    assert.ok(next.ok);
    assert.deepEqual([next.next, next.why], ['b', "no edges: its dependent 'b'"]);
    const end = routeAfter(steps2, steps2[1] as Step, 'success', at({ a: 1, b: 1 }), noValues);
    assert.ok(end.ok);
    assert.equal(end.next, '_complete');
  });

  it('a target whose dependencies were not visited waits while they run', () => {
    // a → c by edge, but c depends on a and b; b (after a) runs first, then c.
    const a = step('a', [{ target: 'c' }]);
    const b = step('b', undefined, ['a']);
    const c = step('c', undefined, ['a', 'b']);
    const first = routeAfter([a, b, c], a, 'success', at({ a: 1 }), noValues);
    assert.ok(first.ok);
    assert.deepEqual([first.next, first.pending], ['b', ['c']]);
    const second = routeAfter([a, b, c], b, 'success', at({ a: 1, b: 1 }, first.pending), noValues);
    assert.ok(second.ok);
    assert.deepEqual([second.next, second.pending], ['c', []]);
  });
});
