// The TTY view of a step that `wave run --from-step` took over from an earlier run: one plain line naming the
// source run, and a completed row (no attempt) in the terminal block.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ttySink, type TtyStream } from '../../../src/events/index.js';
import type { WaveEvent } from '../../../src/events/types.js';

function fakeStream(isTTY: boolean): TtyStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 100, write: (chunk) => (chunks.push(chunk), true), text: () => chunks.join('') };
}

const runId = 'chain-20250102-030405-abcd';
const events: WaveEvent[] = [
  { type: 'run_started', runId, time: '2025-01-02T03:04:05.000Z', pipeline: 'chain', input: '', resumed: false },
  {
    type: 'step_reused',
    runId,
    stepId: 'a',
    time: '2025-01-02T03:04:05.300Z',
    fromRun: 'chain-20250101-000000-wxyz',
    artifacts: [{ name: 'a', path: '/ws/a/out/a.txt', size: 2, sha256: '0'.repeat(64) }],
  },
];

describe('ttySink: reused steps', () => {
  it('prints which run a step was reused from', () => {
    const stream = fakeStream(false);
    const sink = ttySink({ stream });
    for (const event of events) sink.write(event);
    assert.equal(
      stream.text().trimEnd().split('\n')[1],
      '[   0.3s] a reused from run chain-20250101-000000-wxyz (1 artifact(s), not run again)',
    );
  });

  it('shows the step as completed, with no attempt, in the terminal block', () => {
    const stream = fakeStream(true);
    const sink = ttySink({ stream, color: false, now: () => Date.parse('2025-01-02T03:04:06.000Z') });
    for (const event of events) sink.write(event);
    void sink.close?.();
    const last = stream.text().trimEnd().split('\n').at(-1) ?? '';
    assert.match(last, /^✓ a completed\s+ +reused from chain-20250101-000000-wxyz$/);
    assert.doesNotMatch(last, /attempt/);
  });
});
