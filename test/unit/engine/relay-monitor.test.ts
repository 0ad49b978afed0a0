// The relay monitor: the threshold crossing (once, at or above it), and the transcript handed to the summarizer:
// scrubbed of every secret the step handled (a canary), bounded, with its beginning and its latest part.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scrubber } from '../../../src/audit/index.js';
import { RelayMonitor } from '../../../src/engine/relay-monitor.js';
import { summarizerContext } from '../../../src/engine/relay-checkpoint.js';

const CANARY = 'canary-4b1d9e7a-not-a-known-shape';
const monitor = (thresholdPercent = 80, task = 'do the work') =>
  new RelayMonitor({ thresholdPercent, scrub: scrubber([CANARY]), task });

describe('RelayMonitor: the threshold', () => {
  it('below it nothing happens; at it the stop signal fires once, with the share that crossed', () => {
    const m = monitor(80);
    let stops = 0;
    m.stop.addEventListener('abort', () => stops++);
    m.usage(10);
    m.usage(79.9);
    assert.equal(m.triggered, false);
    assert.equal(m.stop.aborted, false);
    m.usage(80);
    assert.equal(m.stop.aborted, false, 'not before the line is settled');
    m.settle();
    m.usage(95);
    m.settle();
    assert.equal(m.triggered, true);
    assert.equal(m.crossedAt, 80);
    assert.equal(stops, 1);
  });

  it("a crossing reported with the run's result (Codex, Gemini: totals at the end) stops nothing", () => {
    const m = monitor(80);
    m.usage(90);
    m.record({ kind: 'result', isError: false, permissionDenials: [], errors: [] });
    m.settle();
    assert.equal(m.triggered, false);
    assert.equal(m.stop.aborted, false);
  });
});

describe('RelayMonitor: the transcript', () => {
  it('holds assistant text, tool calls and their results, in order, without the canary', () => {
    const m = monitor(80, `task with ${CANARY}`);
    m.record({ kind: 'text', text: `I found ${CANARY} in the env` });
    m.record({ kind: 'tool_call', id: 't1', name: 'Bash', input: { command: `echo ${CANARY}` } });
    m.record({ kind: 'tool_result', id: 't1', isError: false, text: `${CANARY}\n` });
    m.record({ kind: 'tool_result', id: 't2', isError: true, text: 'denied' });
    m.record({ kind: 'usage', inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0 });
    const context = summarizerContext(m.task(), m.transcript());
    assert.ok(!context.includes(CANARY), context);
    assert.deepEqual(m.transcript().split('\n'), [
      'assistant: I found [REDACTED] in the env',
      'tool call Bash: {"command":"echo [REDACTED]"}',
      'tool result Bash: [REDACTED]',
      '',
      'tool result  (error): denied',
    ]);
    assert.ok(context.includes('task with [REDACTED]'));
  });

  it('a secret cut by the entry limit is still removed (scrubbed before it is cut)', () => {
    const m = monitor();
    m.record({ kind: 'text', text: `${'x'.repeat(1_990)}${CANARY}` });
    assert.ok(!m.transcript().includes(CANARY.slice(0, 10)));
  });

  it('is bounded: the first entries and the latest are kept, the middle is counted', () => {
    const m = monitor();
    for (let i = 0; i < 500; i++) m.record({ kind: 'text', text: `entry ${i} ${'y'.repeat(400)}` });
    const transcript = m.transcript();
    assert.ok(transcript.length < 60_000, String(transcript.length));
    assert.ok(transcript.startsWith('assistant: entry 0 '));
    assert.ok(transcript.includes('assistant: entry 499 '));
    assert.match(transcript, /\[… \d+ entries left out …\]/);
    assert.ok(!transcript.includes('assistant: entry 250 '));
  });
});
