// The dashboard's one feed: another connection's commits (a pipeline's process) reach the subscribers through
// the WAL file's change notification, from the cursor on, in order; and what each page is sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WaveEvent } from '../../../src/events/types.js';
import { EventFeed } from '../../../src/serve/feed.js';
import { classify } from '../../../src/serve/live.js';
import { Store } from '../../../src/state/index.js';
import { dashboardProject, STEP_INFO } from '../../support/dashboard-store.js';
import { stdoutLine } from '../../support/events.js';

describe('serve feed', () => {
  it("delivers another connection's new events when the db changes, from the cursor on, in order", async () => {
    const { store } = dashboardProject();
    const before = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    store.runs.start(before.id);
    const feed = new EventFeed(store);
    feed.start();
    const writer = new Store(store.path);
    try {
      const seen: WaveEvent[] = [];
      const done = new Promise<void>((resolve) =>
        feed.subscribe((event) => {
          seen.push(event);
          if (event.type === 'step_output' && event.line === 'last') resolve();
        }),
      );
      const run = writer.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '', steps: [] });
      writer.runs.start(run.id);
      writer.events.append(stdoutLine(run.id, 'first'));
      writer.events.append(stdoutLine(run.id, 'last'));
      await done;
      assert.deepEqual(
        seen.map((e) => e.type),
        ['run_started', 'step_output', 'step_output'],
      );
      assert.ok(
        seen.every((e) => e.runId === run.id),
        'nothing from before the feed started',
      );
    } finally {
      feed.close();
      writer.close();
    }
  });

  it('sends a run page the changes of its run and of every run below it, a step page its output', () => {
    const at = new Date().toISOString();
    const tree = new Set(['root']);
    const scope = { runId: 'root', after: 0 };
    const started = (runId: string, parentRunId?: string): WaveEvent => ({
      type: 'run_started',
      runId,
      time: at,
      pipeline: 'p',
      input: '',
      resumed: false,
      ...(parentRunId ? { parentRunId, parentStepId: 's' } : {}),
    });
    assert.equal(classify(scope, tree, started('child', 'root'))?.kind, 'change');
    assert.equal(classify(scope, tree, started('grandchild', 'child'))?.kind, 'change');
    assert.equal(classify(scope, tree, started('stranger')), undefined);
    assert.equal(classify(scope, tree, stdoutLine('root', 'x')), undefined, 'output is not a state change');
    const stepScope = { runId: 'root', stepId: 's', after: 0 };
    assert.deepEqual(classify(stepScope, new Set(['root']), stdoutLine('root', '<b>x</b>')), {
      kind: 'output',
      data: JSON.stringify({ stepId: 's', line: '<b>x</b>' }),
    });
    assert.equal(classify(stepScope, new Set(['root']), stdoutLine('root', 'x', 'other')), undefined);
    const stepStarted: WaveEvent = {
      type: 'step_started',
      runId: 'root',
      stepId: 's',
      attempt: 1,
      time: at,
      ...STEP_INFO,
    };
    assert.equal(classify(stepScope, new Set(['root']), stepStarted)?.kind, 'change');
    const list = { after: 0 };
    assert.equal(classify(list, new Set(), started('top'))?.kind, 'change');
    assert.equal(classify(list, new Set(), started('child', 'top')), undefined, 'the list shows top-level runs');
    assert.equal(classify(list, new Set(), stepStarted), undefined);
  });
});
