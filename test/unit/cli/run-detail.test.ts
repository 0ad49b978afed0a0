// What -v and --debug add to `wave run` on stderr: nothing without them, step detail with -v, debug lines and
// internal stacks with --debug; never anything a step could use to drive the terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detailSink, runLogEcho } from '../../../src/cli/run-detail.js';
import type { WaveEvent } from '../../../src/events/types.js';

const time = '2026-01-01T00:00:00.000Z';
const events: WaveEvent[] = [
  {
    type: 'step_started',
    runId: 'r',
    stepId: 'build',
    attempt: 1,
    time,
    persona: '',
    adapter: 'command',
    model: '',
    image: 'wave/base:latest',
  },
  {
    type: 'egress_decision',
    runId: 'r',
    stepId: 'build',
    attempt: 1,
    time,
    host: 'registry.example.test',
    port: 443,
    allowed: true,
    reason: 'allowlisted',
  },
  {
    type: 'egress_decision',
    runId: 'r',
    stepId: 'build',
    attempt: 1,
    time,
    host: 'evil\u001b]0;x\u0007.test',
    port: 443,
    allowed: false,
    reason: 'not_allowlisted',
  },
  {
    type: 'tool_call',
    runId: 'r',
    stepId: 'build',
    attempt: 1,
    time,
    name: 'Bash',
    input: 'npm ci',
    status: 'started',
  },
  { type: 'tool_call', runId: 'r', stepId: 'build', attempt: 1, time, name: 'Bash', input: '', status: 'ok' },
  {
    type: 'step_failed',
    runId: 'r',
    stepId: 'build',
    attempt: 1,
    time,
    reason: 'internal error: boom',
    exitCode: null,
    failureClass: 'internal',
    detail: 'Error: boom\n    at f (x.ts:1:1)',
  },
];
const lines = [
  { level: 'debug' as const, message: 'sandbox spec', fields: { step: 'build', envKeys: ['WAVE_INPUT'] } },
  { level: 'info' as const, message: 'sandbox created', fields: { step: 'build', containerId: 'abc' } },
  { level: 'warn' as const, message: 'could not remove sandbox container', fields: { containerId: 'abc' } },
];

function capture(flags: { verbose: boolean; debug: boolean; output?: 'text' | 'json' }): string {
  let text = '';
  const stream = { write: (chunk: string) => (text += chunk) };
  const ctx = { color: false, output: flags.output ?? 'text', ...flags };
  const sink = detailSink(ctx, stream);
  for (const e of events) sink?.write(e);
  const echo = runLogEcho(ctx, stream);
  for (const l of lines) echo?.(l);
  return text;
}

describe('wave run -v / --debug detail', () => {
  it('prints nothing without the flags', () => {
    assert.equal(capture({ verbose: false, debug: false }), '');
  });

  it('-v: image, every egress decision, tool calls and the sandbox info lines; terminal-safe', () => {
    assert.equal(
      capture({ verbose: true, debug: false }),
      [
        'wave: [step] build attempt 1: image wave/base:latest',
        'wave: [egress] build: allowed registry.example.test:443 (allowlisted)',
        'wave: [egress] build: denied evil\\x1b]0;x\\x07.test:443 (not_allowlisted)',
        'wave: [tool] build: Bash npm ci',
        'wave: [info] sandbox created: step=build containerId=abc',
        '',
      ].join('\n'),
    );
  });

  it('--debug adds the debug lines and the stack of an internal failure', () => {
    const text = capture({ verbose: false, debug: true });
    assert.match(text, /wave: \[debug\] build: Error: boom\n {4}at f \(x\.ts:1:1\)\n/);
    assert.match(text, /wave: \[debug\] sandbox spec: step=build envKeys=\["WAVE_INPUT"\]\n/);
    assert.match(text, /wave: \[info\] sandbox created/);
    assert.doesNotMatch(text, /could not remove/, 'warnings are events: the run view shows them once');
  });

  it('-o json keeps stdout for NDJSON: only the sandbox lines, on the detail stream', () => {
    assert.equal(
      capture({ verbose: true, debug: false, output: 'json' }),
      'wave: [info] sandbox created: step=build containerId=abc\n',
    );
  });
});
