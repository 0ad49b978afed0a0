import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus, storeSink } from '../../../src/events/index.js';
import { eventTime } from '../../../src/events/types.js';
import { Store } from '../../../src/state/index.js';
import { observedStore, STEP_INFO } from '../state/helpers.js';

describe('store sink', () => {
  it('persists non-state events and never stores a state change twice', () => {
    const reports: string[] = [];
    const bus = new EventBus({ reportTo: (m) => reports.push(m) });
    const { store, delivered } = observedStore();
    bus.subscribe(storeSink(store.events));
    const run = store.runs.create({
      pipeline: 'p',
      pipelinePath: 'p.yaml',
      input: '',
      steps: [{ stepId: 's', level: 0, position: 0 }],
    });

    // The executor's wiring: state changes come back from the store (already stored) and go to the bus.
    bus.emit(store.runs.start(run.id));
    bus.emit(store.steps.start(run.id, 's', STEP_INFO));
    bus.emit({
      type: 'tool_call',
      runId: run.id,
      stepId: 's',
      attempt: 1,
      time: eventTime(),
      name: 'Bash',
      input: 'ls',
      status: 'ok',
    });
    bus.emit({ type: 'warning', runId: run.id, time: eventTime(), message: 'slow' });
    bus.emit(store.steps.complete(run.id, 's'));
    bus.emit(store.runs.finish(run.id, 'completed'));

    assert.deepEqual(
      store.events.since(run.id).map((e) => e.type),
      ['run_started', 'step_started', 'tool_call', 'warning', 'step_completed', 'run_completed'],
    );
    assert.deepEqual(reports, []);
    assert.equal(delivered.length, 4);
  });

  it('a state-change event emitted by hand is refused (reported once), not stored', () => {
    const reports: string[] = [];
    const bus = new EventBus({ reportTo: (m) => reports.push(m) });
    const { store } = observedStore();
    bus.subscribe(storeSink(store.events));
    const run = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    bus.emit({ type: 'run_completed', runId: run.id, time: eventTime(), status: 'completed', durationMs: 0 });
    assert.deepEqual(store.events.since(run.id), []);
    assert.equal(reports.length, 1);
  });

  it('also works with onEvent wired straight to the bus', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe({ name: 'seen', write: (e) => void seen.push(e.type) });
    const { store } = observedStore();
    const wired = new Store(store.path, { onEvent: (event) => bus.emit(event) });
    bus.subscribe(storeSink(wired.events));
    const run = wired.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    wired.runs.start(run.id);
    bus.emit({ type: 'warning', runId: run.id, time: eventTime(), message: 'x' });
    wired.runs.finish(run.id, 'completed');
    wired.close();
    assert.deepEqual(seen, ['run_started', 'warning', 'run_completed']);
    assert.equal(store.events.since(run.id).length, 3);
  });
});
