// Graph-mode visits: each recorded before it runs, with its event; a revisit puts the finished step back to pending
// and drops its artifacts (a fresh attempt follows, numbered after the earlier ones); the decision and its event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { observedStore, STEP_INFO } from './helpers.js';

function graphRun() {
  const o = observedStore();
  const run = o.store.runs.create({
    pipeline: 'g',
    pipelinePath: 'g.yaml',
    input: '',
    steps: [
      { stepId: 'review', level: 0, position: 0 },
      { stepId: 'fix', level: 0, position: 1 },
    ],
  });
  o.store.runs.start(run.id);
  return { ...o, runId: run.id };
}

describe('visits', () => {
  it('records each visit before it runs and counts them per step', () => {
    const { store, runId, delivered } = graphRun();
    const first = store.visits.begin(runId, 'review', 3);
    assert.deepEqual([first.seq, first.visit, first.outcome, first.next], [1, 1, null, null]);
    const last = delivered.at(-1);
    assert.equal(last?.type, 'graph_visit');
    assert.deepEqual(last?.type === 'graph_visit' ? [last.stepId, last.visit, last.maxVisits] : [], ['review', 1, 3]);
    store.visits.end(runId, 1, 'success');
    const edge = store.visits.decide(runId, 1, { next: 'fix', edge: 1, why: 'edge 1 (no condition)', pending: [] });
    assert.deepEqual(
      [edge.type, edge.stepId, edge.to, edge.edge, edge.outcome],
      ['graph_edge', 'review', 'fix', 1, 'success'],
    );
    store.visits.begin(runId, 'fix', 10);
    assert.deepEqual(
      [...store.visits.counts(runId)],
      [
        ['fix', 1],
        ['review', 1],
      ],
    );
  });

  it('a revisit puts the finished step back to pending, drops its artifacts, and the next attempt follows', () => {
    const { store, runId } = graphRun();
    store.visits.begin(runId, 'review', 10);
    store.steps.start(runId, 'review', STEP_INFO);
    store.artifacts.record(runId, 'review', { name: 'verdict', path: '/x/verdict.json', size: 2, sha256: 'ab' });
    store.steps.complete(runId, 'review');
    const second = store.visits.begin(runId, 'review', 10);
    assert.deepEqual([second.seq, second.visit], [2, 2]);
    assert.equal(store.steps.get(runId, 'review')?.status, 'pending');
    assert.deepEqual(store.artifacts.list(runId, 'review'), []);
    assert.equal(store.steps.start(runId, 'review', STEP_INFO).attempt, 2);
  });

  it('reopen runs a visit again as itself: no new visit row, its outcome cleared', () => {
    const { store, runId } = graphRun();
    store.visits.begin(runId, 'review', 10);
    store.steps.start(runId, 'review', STEP_INFO);
    store.steps.fail(runId, 'review', { reason: 'exit 1', failureClass: 'exit' });
    store.visits.end(runId, 1, 'failure');
    const again = store.visits.reopen(runId, 1);
    assert.deepEqual([again.seq, again.visit, again.outcome], [1, 1, null]);
    assert.equal(store.steps.get(runId, 'review')?.status, 'pending');
    assert.equal(store.visits.list(runId).length, 1);
  });
});
