// The TTY view of a run tree: a child run's start and end are lines of their own (never the run's end), timed
// from the top-level run's start, and its steps are named after the step and item that started them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ttySink, type TtyStream } from '../../../src/events/index.js';
import type { WaveEvent } from '../../../src/events/types.js';

function fakeStream(isTTY: boolean): TtyStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 100, write: (chunk) => (chunks.push(chunk), true), text: () => chunks.join('') };
}

const runId = 'tree-20250102-030405-abcd';
const child = 'leaf-20250102-030406-efgh';
const parent = { parentRunId: runId, parentStepId: 'each', itemIndex: 2 };
const events: WaveEvent[] = [
  { type: 'run_started', runId, time: '2025-01-02T03:04:05.000Z', pipeline: 'tree', input: '', resumed: false },
  {
    type: 'run_started',
    runId: child,
    time: '2025-01-02T03:04:06.000Z',
    pipeline: 'leaf',
    input: '3',
    resumed: false,
    ...parent,
  },
  {
    type: 'step_started',
    runId: child,
    stepId: 'review',
    attempt: 1,
    time: '2025-01-02T03:04:06.500Z',
    persona: '',
    adapter: 'command',
    model: '',
    image: 'wave/base:latest',
    ...parent,
  },
  {
    type: 'run_completed',
    runId: child,
    time: '2025-01-02T03:04:07.000Z',
    status: 'completed',
    durationMs: 1000,
    ...parent,
  },
];

describe('ttySink: child runs', () => {
  it('names child steps after their parent step and item, timed from the top-level run', () => {
    const stream = fakeStream(false);
    const sink = ttySink({ stream, color: false });
    for (const event of events) sink.write(event);
    assert.deepEqual(stream.text().trimEnd().split('\n').slice(1), [
      `[   1.0s] run ${child} started: pipeline leaf`,
      '[   1.5s] each[2]/review started (attempt 1, command/)',
      `[   2.0s] run ${child} completed in 1.0s`,
    ]);
  });

  it("a child's end does not end the terminal view", () => {
    const stream = fakeStream(true);
    const sink = ttySink({ stream, color: false, now: () => Date.parse('2025-01-02T03:04:08.000Z') });
    for (const event of events) sink.write(event);
    sink.write({
      type: 'run_completed',
      runId,
      time: '2025-01-02T03:04:09.000Z',
      status: 'completed',
      durationMs: 4000,
    });
    void sink.close?.();
    const text = stream.text();
    assert.match(text, /each\[2\]\/review/);
    assert.match(text.trimEnd().split('\n').at(-1) ?? '', new RegExp(`run ${runId} completed in 4.0s`));
  });
});
