// What `wave bench` asks of the run service, without Docker: a run that works on another folder than the
// project's (a task's checkout), and a run whose signal aborted while it was being set up (a task's time limit).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startRun } from '../../../src/engine/run-service.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-run-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function project(seen: string[]) {
  const projectDir = path.join(dir, 'project');
  mkdirSync(path.join(projectDir, '.wave', 'pipelines'), { recursive: true });
  writeFileSync(path.join(projectDir, 'project.txt'), 'project\n');
  writeFileSync(
    path.join(projectDir, '.wave', 'pipelines', 'one.yaml'),
    'kind: WavePipeline\nmetadata: {name: one}\nsteps:\n  - id: look\n    exec: {type: command, script: "true"}\n',
  );
  const sandbox: Sandbox = {
    kind: 'host',
    async run(spec: SandboxSpec) {
      seen.push(...(await fs.readdir(spec.mounts.src)));
      return { status: 'exited', exitCode: 0, durationMs: 1, containerId: 'fake', stdoutTail: '', stderrTail: '' };
    },
  };
  return { projectDir, manifestPath: path.join(projectDir, 'wave.yaml'), sinks: [], sandbox };
}

describe('run service for bench tasks', () => {
  it('sourceDir: the steps see that folder, not the project; the state stays in the project', async () => {
    const seen: string[] = [];
    const options = project(seen);
    const checkout = path.join(dir, 'checkout');
    mkdirSync(checkout);
    writeFileSync(path.join(checkout, 'task.txt'), 'task\n');
    const outcome = await startRun({ ...options, sourceDir: checkout }, 'one', '', {});
    assert.equal(outcome.summary.status, 'completed');
    assert.deepEqual(seen, ['task.txt']);
    assert.ok(existsSync(path.join(options.projectDir, '.wave', 'state.db')));
  });

  it('a signal aborted before the run could listen to it cancels the run: no step starts', async () => {
    const seen: string[] = [];
    const aborted = new AbortController();
    aborted.abort();
    const outcome = await startRun({ ...project(seen), signal: aborted.signal }, 'one', '', {});
    assert.equal(outcome.summary.status, 'cancelled');
    assert.deepEqual(seen, []);
  });
});
