import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cancelRun } from '../../../src/engine/cancel.js';
import { isWaveError } from '../../../src/errors.js';
import { openStore, STEP_INFO } from '../state/helpers.js';

describe('cancelRun', () => {
  // No engine answers here: nothing of the run can be running in one, and a unit test touches no Docker.
  const savedHost = process.env.DOCKER_HOST;
  before(() => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/wave-test-docker.sock';
  });
  after(() => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
  });

  function runOwnedElsewhere() {
    const store = openStore();
    const run = store.runs.create({
      pipeline: 'demo',
      pipelinePath: 'demo.yaml',
      input: 'hi',
      steps: [
        { stepId: 'a', level: 0, position: 0 },
        { stepId: 'b', level: 1, position: 1 },
      ],
    });
    store.runs.start(run.id, { host: 'a-host-that-is-not-this-one', pid: 1 });
    store.steps.start(run.id, 'a', STEP_INFO);
    return { store, runId: run.id };
  }

  it('records the end itself when the run’s process is not here to see the request', async () => {
    const { store, runId } = runOwnedElsewhere();
    const warnings: string[] = [];
    const outcome = await cancelRun(store, runId, (w) => warnings.push(w));
    assert.deepEqual(outcome, { status: 'cancelled', containersRemoved: 0 });
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.status]),
      [
        ['a', 'cancelled'],
        ['b', 'cancelled'],
      ],
    );
    assert.equal(store.runs.get(runId)?.error, 'cancelled (its Wave process was gone)');
  });

  it('refuses a run that is not running, leaving it as it was', async () => {
    const { store, runId } = runOwnedElsewhere();
    await cancelRun(store, runId, () => undefined);
    await assert.rejects(
      cancelRun(store, runId, () => undefined),
      (err) => {
        assert.ok(isWaveError(err));
        assert.equal(err.code, 'usage');
        assert.match(err.message, /is not running \(cancelled\)/);
        return true;
      },
    );
  });
});
