import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchView } from '../../../src/cli/bench-progress.js';
import type { CliContext } from '../../../src/cli/context.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = { isTTY, text: '', write: (s: string) => ((stream.text += s), true) };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

const ctx = (output: 'text' | 'json'): CliContext => ({
  manifestPath: '/p/wave.yaml',
  projectDir: '/p',
  output,
  color: false,
  verbose: false,
  debug: false,
});

const finished = (taskId: string, outcome: 'resolved' | 'error') => ({
  type: 'task_finished' as const,
  benchId: 'b',
  taskId,
  runId: 'r',
  outcome,
  failureClass: outcome === 'error' ? 'timeout' : null,
  reason: outcome === 'error' ? 'too slow' : null,
  runMs: 1,
  evalMs: 1,
});

describe('bench progress', () => {
  it('on a TTY: a line per finished task above a progress line with done/failed/running', () => {
    const stream = fakeStream(true);
    const view = benchView(ctx('text'), stream);
    view.onEvent({ type: 'bench_started', benchId: 'b', dataset: 'd', tasks: 3, done: 0, skippedBad: 0 });
    view.onEvent({ type: 'task_started', benchId: 'b', taskId: 't1' });
    view.onEvent({ type: 'task_started', benchId: 'b', taskId: 't2' });
    view.onEvent(finished('t1', 'resolved'));
    view.onEvent(finished('t2', 'error'));
    const progress = stream.text.split('\r\u001b[2K').at(-1) ?? '';
    assert.match(progress, /^bench: 2\/3 done \(1 resolved, 1 failed\) · 0 running · ETA /);
    assert.match(stream.text, /t1: resolved\n/);
    assert.match(stream.text, /t2: error \(timeout\) — too slow\n/);
  });

  it('with -o json: one event per line, nothing else', () => {
    const stream = fakeStream(true);
    const view = benchView(ctx('json'), stream);
    view.onEvent(finished('t1', 'resolved'));
    const lines = stream.text.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0] ?? '') as { taskId: string }).taskId, 't1');
  });
});
