// The run service end to end, without Docker, when something inside an attempt throws (a bug in the sandbox
// layer, EMFILE): the step ends failed with a one-line reason, the stack is in the run's log file only, a
// parallel step completes, the exit code says whose fault it was, and `wave resume` finishes the run.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { resumeRun, startRun } from '../../../src/engine/run-service.js';
import { ExitCode } from '../../../src/errors.js';
import type { WaveEvent } from '../../../src/events/types.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';

const PIPELINE = `kind: WavePipeline
metadata: {name: pair}
steps:
  - id: flaky
    exec: {type: command, script: "true"}
    output_artifacts: [{name: flaky, path: flaky.txt}]
  - id: sibling
    exec: {type: command, script: "true"}
    output_artifacts: [{name: sibling, path: sibling.txt}]
  - id: after
    dependencies: [flaky, sibling]
    exec: {type: command, script: "true"}
    output_artifacts: [{name: after, path: after.txt}]
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-run-throws-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * In-process steps that write out/<step>.txt. `flaky` throws `error()` on its first attempt, once `sibling`
 * has started (so the two really overlap); `sibling` finishes only after that throw.
 */
function sandbox(error: () => unknown, started: string[]): Sandbox {
  let siblingStarted!: () => void;
  const siblingRunning = new Promise<void>((resolve) => (siblingStarted = resolve));
  let flakyThrew!: () => void;
  const thrown = new Promise<void>((resolve) => (flakyThrew = resolve));
  return {
    kind: 'host',
    async run(spec: SandboxSpec) {
      const step = spec.labels.step;
      started.push(`${step}#${spec.labels.attempt}`);
      if (step === 'flaky' && spec.labels.attempt === 1) {
        await siblingRunning;
        setImmediate(flakyThrew);
        throw error();
      }
      if (step === 'sibling') {
        siblingStarted();
        await thrown;
      }
      await fs.writeFile(path.join(spec.mounts.out, `${step}.txt`), `${step}\n`);
      return {
        status: 'exited',
        exitCode: 0,
        durationMs: 1,
        containerId: `fake:${step}`,
        stdoutTail: '',
        stderrTail: '',
      };
    },
  };
}

function project(error: () => unknown) {
  const projectDir = path.join(dir, 'project');
  mkdirSync(path.join(projectDir, '.wave', 'pipelines'), { recursive: true });
  writeFileSync(path.join(projectDir, '.wave', 'pipelines', 'pair.yaml'), PIPELINE);
  const started: string[] = [];
  const events: WaveEvent[] = [];
  const options = {
    projectDir,
    manifestPath: path.join(projectDir, 'wave.yaml'),
    sinks: [{ name: 'test', write: (e: WaveEvent) => void events.push(e) }],
    sandbox: sandbox(error, started),
  };
  const read = <T>(fn: (store: Store) => T): T => {
    const store = new Store(defaultStatePath(projectDir));
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  return { projectDir, options, started, events, read };
}

function emfile(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('EMFILE: too many open files, socket');
  err.code = 'EMFILE';
  return err;
}

describe('run service: an attempt that throws', () => {
  it('a bug (plain Error) fails its step as internal, exit 1; the sibling completes; the stack is only in the log; resume completes the run', async () => {
    const p = project(() => new Error('sandbox bookkeeping went wrong'));
    const first = await startRun(p.options, 'pair', '', {});

    assert.equal(first.exitCode, ExitCode.internal);
    assert.equal(first.summary.failureClass, 'internal');
    p.read((store) => {
      assert.equal(store.runs.get(first.runId)?.status, 'failed');
      assert.deepEqual(
        store.steps.list(first.runId).map((s) => [s.stepId, s.status]),
        [
          ['flaky', 'failed'],
          ['sibling', 'completed'],
          ['after', 'skipped'],
        ],
      );
      assert.equal(
        store.steps.get(first.runId, 'flaky')?.error,
        "internal error (a bug in Wave; the stack is in the run's log): sandbox bookkeeping went wrong",
      );
    });
    const failed = p.events.find((e) => e.type === 'step_failed');
    assert.equal(failed?.type === 'step_failed' && failed.failureClass, 'internal');
    const log = readFileSync(path.join(p.projectDir, '.wave', 'traces', `${first.runId}.log`), 'utf8');
    const logged = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; detail?: string });
    assert.match(
      logged.find((l) => l.msg === 'step_failed')?.detail ?? '',
      /Error: sandbox bookkeeping went wrong\n\s+at /,
    );

    const resumed = await resumeRun(p.options, first.runId);
    assert.equal(resumed.exitCode, ExitCode.ok, resumed.summary.error);
    assert.deepEqual(p.started.filter((s) => s !== 'flaky#1' && s !== 'sibling#1').sort(), ['after#1', 'flaky#2']);
    p.read((store) => {
      assert.equal(store.runs.get(first.runId)?.status, 'completed');
      assert.deepEqual(
        store.artifacts.list(first.runId).map((a) => a.name),
        ['after', 'flaky', 'sibling'],
      );
    });
  });

  it('EMFILE fails its step as infrastructure: exit 6, and the run is resumable', async () => {
    const p = project(emfile);
    const first = await startRun(p.options, 'pair', '', {});
    assert.equal(first.exitCode, ExitCode.infrastructure);
    p.read((store) => {
      assert.equal(store.steps.get(first.runId, 'flaky')?.error, 'host error: EMFILE: too many open files, socket');
      assert.equal(store.steps.get(first.runId, 'sibling')?.status, 'completed');
    });
    const resumed = await resumeRun(p.options, first.runId);
    assert.equal(resumed.exitCode, ExitCode.ok, resumed.summary.error);
  });
});
