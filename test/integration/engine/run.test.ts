// `wave run` end to end with command steps in real containers: parallel levels, artifact flow, retries with
// backoff, resume after kill -9, cancel from a second process, and a 200-step fan-out.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../../src/state/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, runStatus, writePipeline } from '../../support/command-project.js';
import { runWave, runWaveAsync, spawnWave, waitForEvent } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-engine-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const pipeline = (name: string, steps: string) => writePipeline(dir, name, steps);

interface Status {
  runId: string;
  status: string;
  steps: Array<{
    id: string;
    status: string;
    attempts: number;
    startedAt: string;
    finishedAt: string;
    attemptHistory: Array<{ attempt: number; delayMs: number; status: string }>;
  }>;
}
const status = (runId: string) => runStatus<Status>(dir, runId);
/** The run's step containers (not the holders of their /wave/out volumes, labelled wave.role=out). */
async function containersOf(runId: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [`wave.run=${runId}`] } });
  return list.filter((c) => c.Labels['wave.role'] === undefined);
}

describe('wave run with command steps', { skip }, () => {
  test('a diamond: security and quality overlap, artifacts flow along the edges', async () => {
    pipeline(
      'diamond',
      `  - id: analyze
    exec: {type: command, script: "cat README.md > /wave/out/analysis.txt && echo analyzed >> /wave/out/analysis.txt"}
    output_artifacts: [{name: analysis, path: analysis.txt}]
  - id: security
    dependencies: [analyze]
    exec: {type: command, script: "sleep 2; (cat {{ deps.analyze.analysis }}; echo security ok) > /wave/out/security.txt"}
    output_artifacts: [{name: report, path: security.txt}]
  - id: quality
    dependencies: [analyze]
    exec: {type: command, script: "sleep 2; (cat /wave/in/analyze/analysis.txt; echo quality ok) > /wave/out/quality.txt"}
    output_artifacts: [{name: report, path: quality.txt}]
  - id: summary
    dependencies: [security, quality]
    exec: {type: command, script: "cat /wave/in/security/security.txt /wave/in/quality/quality.txt > /wave/out/summary.txt"}
    output_artifacts: [{name: summary, path: summary.txt}]
`,
    );
    const res = runWave(['run', 'diamond', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const runId = runIdOf(res.stdout);
    const events = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; stepId?: string; time: string });
    const at = (type: string, step: string) =>
      Date.parse(events.find((e) => e.type === type && e.stepId === step)?.time ?? '');
    assert.ok(
      at('step_started', 'security') < at('step_completed', 'quality'),
      'security started before quality ended',
    );
    assert.ok(
      at('step_started', 'quality') < at('step_completed', 'security'),
      'quality started before security ended',
    );

    const out = path.join(dir, 'exported');
    assert.equal(runWave(['artifacts', runId, '--export', out], dir).status, 0);
    const summary = readFileSync(path.join(out, 'summary', 'summary.txt'), 'utf8');
    assert.match(summary, /# a project\nanalyzed\nsecurity ok\n# a project\nanalyzed\nquality ok/);
    assert.deepEqual((await containersOf(runId)).length, 0, 'no container left');
  });

  test('fails twice then passes: 3 attempts with growing delays', () => {
    pipeline(
      'flaky',
      `  - id: flaky
    exec: {type: command, script: "echo attempt $WAVE_ATTEMPT; [ $WAVE_ATTEMPT -ge 3 ]"}
    retry: {max_attempts: 3, backoff: exponential, base_delay: 100ms}
`,
    );
    const res = runWave(['run', 'flaky', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr);
    const step = status(runIdOf(res.stdout)).steps[0];
    assert.equal(step?.attempts, 3);
    assert.deepEqual(
      step?.attemptHistory.map((a) => [a.status, a.delayMs]),
      [
        ['failed', 0],
        ['failed', 100],
        ['completed', 200],
      ],
    );
  });

  test('a failing step halts the run with exit code 3 and skips its dependents', () => {
    pipeline(
      'broken',
      `  - id: a\n    exec: {type: command, script: "exit 7"}\n  - id: b\n    dependencies: [a]\n    exec: {type: command, script: "true"}\n`,
    );
    const res = runWave(['run', 'broken'], dir);
    assert.equal(res.status, 3, res.stdout + res.stderr);
    assert.match(res.stdout, /exited with code 7/);
  });

  test('kill -9 after step 2 completed; wave resume finishes without re-running steps 1 and 2', async () => {
    pipeline(
      'resumable',
      `  - id: one
    exec: {type: command, script: "echo 1 > /wave/out/one.txt"}
    output_artifacts: [{name: one, path: one.txt}]
  - id: two
    dependencies: [one]
    exec: {type: command, script: "cat /wave/in/one/one.txt > /wave/out/two.txt; echo 2 >> /wave/out/two.txt"}
    output_artifacts: [{name: two, path: two.txt}]
  - id: three
    dependencies: [two]
    exec: {type: command, script: "if [ $WAVE_ATTEMPT = 1 ]; then sleep 300; fi; cat /wave/in/two/two.txt > /wave/out/three.txt"}
    output_artifacts: [{name: three, path: three.txt}]
`,
    );
    const child = spawnWave(['run', 'resumable', '-o', 'json'], dir);
    const started = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    await waitForEvent(child, (e) => e.type === 'step_started' && e.stepId === 'three');
    // Wait until step three's container exists, then kill Wave without a chance to clean up.
    for (let i = 0; i < 100 && (await containersOf(started.runId)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal((await containersOf(started.runId)).length, 1, 'the killed Wave left its container behind');

    const res = runWave(['resume', started.runId, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const s = status(started.runId);
    assert.equal(s.status, 'completed');
    assert.deepEqual(
      s.steps.map((x) => [x.id, x.attempts]),
      [
        ['one', 1],
        ['two', 1],
        ['three', 2],
      ],
    );
    assert.equal((await containersOf(started.runId)).length, 0, 'no orphan container');
    assert.deepEqual(
      (await docker.listVolumes({ filters: { label: [`wave.run=${started.runId}`] } })).Volumes ?? [],
      [],
      'no orphan /wave/out volume',
    );
    assert.deepEqual(
      await docker.listContainers({ all: true, filters: { label: [`wave.run=${started.runId}`] } }),
      [],
      'no orphan holder',
    );
    const out = path.join(dir, 'resumed');
    runWave(['artifacts', started.runId, '--export', out], dir);
    assert.equal(readFileSync(path.join(out, 'three', 'three.txt'), 'utf8'), '1\n2\n');
  });

  test('wave cancel from a second process stops the run, its containers and its process', async () => {
    pipeline(
      'sleepy',
      `  - id: nap\n    exec: {type: command, script: "sleep 300"}\n  - id: later\n    dependencies: [nap]\n    exec: {type: command, script: "true"}\n`,
    );
    const child = spawnWave(['run', 'sleepy', '-o', 'json'], dir);
    const { runId } = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    await waitForEvent(child, (e) => e.type === 'step_started' && e.stepId === 'nap');
    for (let i = 0; i < 100 && (await containersOf(runId)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const res = runWave(['cancel', runId], dir);
    const exit = await new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const elapsed = Date.now() - t0;
    assert.equal(res.status, 0, res.stderr);
    // Not a speed check: the step sleeps 300 s, so ending long before that shows the cancel stopped it.
    assert.ok(elapsed < 60_000, `stopped in ${elapsed} ms (cancel command start-up included)`);
    assert.equal(exit, 5, 'wave run exits with the cancelled code');
    assert.equal(status(runId).status, 'cancelled');
    assert.deepEqual(
      status(runId).steps.map((s) => s.status),
      ['cancelled', 'cancelled'],
    );
    assert.equal((await containersOf(runId)).length, 0);
  });

  test('200 command steps fanned out at 8 workers: all complete, rows intact, no orphan', async () => {
    const fan = Array.from(
      { length: 200 },
      (_, i) =>
        `  - id: s${i}\n    exec: {type: command, script: "echo ${i} > /wave/out/n.txt"}\n    output_artifacts: [{name: n, path: n.txt}]\n`,
    ).join('');
    pipeline('load', fan);
    // Not a speed check (test/bench/ has those): 400 container starts on a 2-core runner take their time.
    const res = await runWaveAsync(['run', 'load', '--max-workers', '8', '-o', 'json'], dir, {}, 600_000);
    assert.equal(res.status, 0, res.stderr.slice(-2000));
    const runId = runIdOf(res.stdout);
    const store = new Store(path.join(dir, '.wave', 'state.db'));
    try {
      assert.equal(store.steps.list(runId).filter((s) => s.status === 'completed').length, 200);
      assert.equal(store.artifacts.list(runId).length, 200);
      assert.equal(store.integrityCheck(), 'ok');
    } finally {
      store.close();
    }
    assert.equal((await containersOf(runId)).length, 0);
  });
});
