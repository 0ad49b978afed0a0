import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ttySink, type TtyStream } from '../../../src/events/index.js';
import { RUN, at, sampleEvents } from './fixtures.js';

function fakeStream(isTTY: boolean): TtyStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 80, write: (chunk) => (chunks.push(chunk), true), text: () => chunks.join('') };
}

const ANSI = /\x1b\[/;

describe('ttySink (not a terminal)', () => {
  it('prints plain append-only lines for state changes, timed from the run start', () => {
    const stream = fakeStream(false);
    const sink = ttySink({ stream });
    for (const event of sampleEvents()) sink.write(event);
    void sink.close?.();
    const text = stream.text();
    assert.doesNotMatch(text, ANSI, 'no escape codes off a terminal');
    assert.deepEqual(text.trimEnd().split('\n'), [
      '[   0.0s] run demo-20250102-030405-abcd started: pipeline demo',
      '[   0.5s] image_build: wave/claude (1/2)',
      '[   1.0s] plan started (attempt 1, claude/sonnet)',
      '[   3.5s] plan contract #0 json_schema failed: missing "steps"',
      '[   4.0s] plan attempt 1 failed (contract: contract failed); retrying in 1.0s',
      '[   5.0s] plan started (attempt 2, claude/sonnet)',
      '[   5.5s] egress denied: evil.example:443 (not in allowlist)',
      '[   7.5s] plan completed in 6.5s',
      '[   7.6s] review skipped: not selected',
      '[   7.7s] warning: no provider key; using the scripted model',
      '[   8.0s] run demo-20250102-030405-abcd completed in 8.0s',
    ]);
  });

  it('uses colour only when asked', () => {
    const stream = fakeStream(false);
    const sink = ttySink({ stream, color: true });
    for (const event of sampleEvents()) sink.write(event);
    assert.match(stream.text(), ANSI);
  });
});

describe('ttySink (terminal)', () => {
  it('redraws one line per step in place and honours colour: false', () => {
    const stream = fakeStream(true);
    const now = Date.parse(at(9));
    const sink = ttySink({ stream, color: false, now: () => now });
    for (const event of sampleEvents()) sink.write(event);
    void sink.close?.();
    const text = stream.text();
    assert.match(text, /\x1b\[\d+A/, 'moves the cursor up to redraw');
    assert.doesNotMatch(text, /\x1b\[\d+m/, 'no colour codes');
    // The final frame: the two steps, then the run's outcome.
    const lastFrame = text.split(/\x1b\[\d+A\r\x1b\[J/).at(-1) ?? '';
    const lines = lastFrame.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^✓ plan completed\s+6\.5s\s+attempt 2\s+Bash npm test$/);
    assert.match(lines[1] ?? '', /^- review skipped/);
    assert.equal(lines[2], `run ${RUN} completed in 8.0s`);
  });

  it("ends with the steps as they ended, then the run's failure once, under them", () => {
    const stream = fakeStream(true);
    const sink = ttySink({ stream, color: false, now: () => Date.parse(at(5)) });
    const base = { runId: RUN, attempt: 1 } as const;
    const agent = { persona: 'p', adapter: 'a', model: 'm', image: 'i' };
    const error = "step 'build' failed: exit 1";
    sink.write({ type: 'run_started', runId: RUN, time: at(0), pipeline: 'demo', input: '', resumed: false });
    sink.write({ ...base, type: 'step_started', stepId: 'build', time: at(1), ...agent });
    const failure = { reason: 'exit 1', exitCode: 1, failureClass: 'exit' } as const;
    sink.write({ ...base, type: 'step_failed', stepId: 'build', time: at(3), ...failure });
    sink.write({ ...base, type: 'step_skipped', stepId: 'ship', time: at(3.5), reason: 'dependency failed' });
    sink.write({ type: 'warning', runId: RUN, time: at(3.6), message: 'one thing to know' });
    sink.write({ type: 'run_completed', runId: RUN, time: at(4), status: 'failed', durationMs: 4000, error });
    void sink.close?.();
    const text = stream.text();
    assert.equal(text.split("step 'build' failed").length - 1, 1, `the failure is printed once:\n${text}`);
    const screen = text.split(/\x1b\[\d+A\r\x1b\[J/).at(-1) ?? '';
    assert.deepEqual(
      screen
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ').trimEnd()),
      ['✗ build failed 2.0s attempt 1', '- ship skipped', `run ${RUN} failed in 4.0s: ${error}`],
    );
  });

  it('truncates step lines to the terminal width', () => {
    const stream = fakeStream(true);
    stream.columns = 30;
    const sink = ttySink({ stream, color: false });
    sink.write(sampleEvents()[0]!);
    sink.write({
      type: 'step_started',
      runId: 'r',
      stepId: 'a-rather-long-step-name',
      attempt: 1,
      time: at(1),
      persona: 'p',
      adapter: 'a',
      model: 'm',
      image: 'i',
    });
    void sink.close?.();
    const stepLines = stream
      .text()
      .split('\n')
      .filter((line) => line.includes('a-rather'));
    assert.ok(stepLines.length > 0);
    for (const line of stepLines) {
      assert.ok(line.length <= 29, `${JSON.stringify(line)} is wider than the terminal`);
      assert.ok(line.endsWith('…'));
    }
  });
});
