// runtime.stall_timeout and runtime.timeouts in a run (the run service with an in-process sandbox): the step's
// sandbox gets the stall limit, the kill grace and the output drain; a stalled attempt fails 'stalled: no output for
// <d>' and is retried like a timeout.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startRun } from '../../../src/engine/run-service.js';
import { ExitCode } from '../../../src/errors.js';
import type { WaveEvent } from '../../../src/events/types.js';
import type { Sandbox, SandboxResult, SandboxSpec } from '../../../src/sandbox/types.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from '../config/_helpers.js';

/** Answers each run with the next status of `statuses` (the last one again when they run out). */
function scriptedSandbox(statuses: SandboxResult['status'][], specs: SandboxSpec[]): Sandbox {
  return {
    kind: 'host',
    run(spec) {
      specs.push(spec);
      const status = statuses[Math.min(specs.length - 1, statuses.length - 1)] ?? 'exited';
      const exitCode = status === 'exited' ? 0 : 143;
      const tails = { stdoutTail: 'working\n', stderrTail: '' };
      return Promise.resolve({ status, exitCode, durationMs: 1, containerId: 'fake', ...tails });
    },
  };
}

const RUNTIME = 'runtime:\n  stall_timeout: 1m30s\n  timeouts: {process_grace_seconds: 2, stdout_drain_seconds: 0.5}\n';

async function run(statuses: SandboxResult['status'][], retry: string) {
  const dir = await tempProject({
    'wave.yaml': manifestYaml(RUNTIME),
    ...PROMPT_FILES,
    '.wave/pipelines/p.yaml': pipelineYaml(`  - id: slow\n    exec: {type: command, script: "sleep 600"}\n${retry}`),
  });
  const specs: SandboxSpec[] = [];
  const events: WaveEvent[] = [];
  const sink = { name: 'test', write: (e: WaveEvent) => void events.push(e) };
  const sandbox = scriptedSandbox(statuses, specs);
  const options = { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml'), sinks: [sink], sandbox };
  const outcome = await startRun(options, 'p', '', {});
  return { outcome, specs, events };
}

describe('stall watchdog and process timeouts in a run', () => {
  it("the step's sandbox gets the stall limit, the kill grace and the drain; a stall is retried", async () => {
    const { outcome, specs, events } = await run(
      ['stalled', 'exited'],
      '    retry: {max_attempts: 2, base_delay: 1ms}\n',
    );
    assert.equal(outcome.exitCode, ExitCode.ok, outcome.summary.error);
    assert.deepEqual(
      specs.map((s) => [s.stallTimeoutMs, s.killGraceMs, s.drainMs]),
      [
        [90_000, 2000, 500],
        [90_000, 2000, 500],
      ],
    );
    const retrying = events.find((e) => e.type === 'step_retrying');
    assert.deepEqual(retrying && { reason: retrying.reason, failureClass: retrying.failureClass }, {
      reason: 'stalled: no output for 90s',
      failureClass: 'stalled',
    });
  });

  it('the last attempt stalled: the step fails with the reason', async () => {
    const { outcome, events } = await run(['stalled'], '    retry: {policy: none}\n');
    assert.equal(outcome.exitCode, ExitCode.stepFailed);
    const failed = events.find((e) => e.type === 'step_failed');
    assert.equal(failed?.type === 'step_failed' && failed.reason, 'stalled: no output for 90s');
    assert.equal(failed?.type === 'step_failed' && failed.failureClass, 'stalled');
  });
});
