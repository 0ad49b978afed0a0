// The run tree in the store: child runs keep their parent run, step and item index; lists show top-level runs
// unless asked; a cancel request reaches every active run below; every event of a child carries its parent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { observedStore } from './helpers.js';

describe('run tree', () => {
  it('records children, finds them again, lists top-level runs, cascades cancel and tags events', () => {
    const { store, delivered } = observedStore();
    const root = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '', steps: [] });
    store.runs.start(root.id);
    const child = (stepId: string, itemIndex?: number, parent = root.id) =>
      store.runs.create({
        pipeline: 'c',
        pipelinePath: 'c.yaml',
        input: 'x',
        parent: { runId: parent, stepId, ...(itemIndex === undefined ? {} : { itemIndex }) },
        steps: [{ stepId: 'only', level: 0, position: 0 }],
      });
    const items = [child('each', 0), child('each', 1)];
    const sub = child('sub');
    const grandchild = child('inner', 3, sub.id);
    for (const run of [...items, sub, grandchild]) store.runs.start(run.id);

    assert.equal(store.runs.child({ runId: root.id, stepId: 'each', itemIndex: 1 })?.id, items[1]?.id);
    assert.equal(store.runs.child({ runId: root.id, stepId: 'sub' })?.id, sub.id);
    assert.equal(store.runs.child({ runId: root.id, stepId: 'each' }), undefined, 'an item is not the single child');
    assert.deepEqual(
      store.runs.descendants(root.id).map((r) => r.id),
      [items[0]?.id, items[1]?.id, sub.id, grandchild.id],
    );
    assert.deepEqual(
      store.runs.list({ topLevel: true }).map((r) => r.id),
      [root.id],
    );
    assert.equal(store.runs.list({}).length, 5);
    assert.equal(grandchild.parentRunId, sub.id);
    assert.equal(grandchild.itemIndex, 3);

    store.runs.finish(items[0]?.id ?? '', 'completed');
    assert.equal(store.runs.requestCancel(root.id), 'requested');
    assert.equal(store.runs.isCancelRequested(items[0]?.id ?? ''), false, 'a finished child is left alone');
    for (const run of [items[1], sub, grandchild]) assert.equal(store.runs.isCancelRequested(run?.id ?? ''), true);

    const started = delivered.find((e) => e.type === 'run_started' && e.runId === grandchild.id);
    assert.equal(started?.parentRunId, sub.id);
    assert.equal(started?.parentStepId, 'inner');
    assert.equal(started?.itemIndex, 3);
    const stored = store.events.since(grandchild.id).find((e) => e.type === 'run_started');
    assert.equal(stored?.parentStepId, 'inner');
    const rootEvent = delivered.find((e) => e.type === 'run_started' && e.runId === root.id);
    assert.equal(rootEvent?.parentRunId, undefined);
  });
});
