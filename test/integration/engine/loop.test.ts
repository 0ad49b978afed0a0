// loop: end to end with command steps in real containers (README: loop): each iteration a child run of the body
// and the inline steps; until read over the iteration's outputs (held at iteration 2: no third), never holding
// (fails at max_iterations naming the last values), an iteration's step failing, and kill -9 mid-loop then resume
// (no completed iteration runs again, no orphan container), and wave cancel mid-loop.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultStatePath, Store, type RunRecord } from '../../../src/state/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import {
  createCommandProject,
  ndjsonEvents,
  runIdOf,
  runStatus,
  writePipeline,
} from '../../support/command-project.js';
import { runWave, spawnWave, waitForEvent } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-loop-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface ChildJson {
  itemIndex: number | null;
  status: string;
  steps: Array<{ id: string; status: string; attempts: number }>;
}
interface Status {
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; error: string | null; children?: ChildJson[] }>;
}
interface LoopEvent {
  type: string;
  stepId?: string;
  iteration?: number;
  holds?: boolean;
  failureClass?: string;
}
const stepOf = (s: Status, id: string) => s.steps.find((x) => x.id === id);
/** Each iteration: its index, status and its steps' attempts. */
const iterations = (s: Status) =>
  stepOf(s, 'review')?.children?.map((c) => [c.itemIndex, c.status, c.steps.map((x) => x.attempts)]);

function treeOf(runId: string): RunRecord[] {
  const store = new Store(defaultStatePath(dir));
  try {
    return [store.runs.require(runId), ...store.runs.descendants(runId)];
  } finally {
    store.close();
  }
}

/** Step containers (not /wave/out holders) of every run of the tree. */
async function treeContainers(runId: string) {
  const ids = new Set(treeOf(runId).map((r) => r.id));
  const list = await docker.listContainers({ all: true, filters: { label: ['wave.managed=true'] } });
  return list.filter((c) => ids.has(c.Labels['wave.run'] ?? '') && c.Labels['wave.role'] === undefined);
}

/**
 * start writes {"goal": 2}; review (the body) writes {"n": <iteration>} (running BODY first), then check (an
 * inline step) reads the outer step's goal and this iteration's n. Few containers: the CLI helper's limit is 60 s.
 */
const looping = (until: string, max: number, body = 'true', check = 'true') => `  - id: start
    exec: {type: command, script: "echo '{\\"goal\\": 2}' > /wave/out/goal.json"}
    output_artifacts: [{name: goal, path: goal.json}]
  - id: review
    dependencies: [start]
    exec: {type: command, script: "${body}; echo '{\\"n\\": {{ iteration }}}' > /wave/out/r.json"}
    output_artifacts: [{name: r, path: r.json}]
    loop:
      max_iterations: ${max}
      until: "${until}"
      steps:
        - id: check
          exec:
            type: command
            script: "${check}; grep -q '\\"goal\\": 2' /wave/in/start/goal.json && cp /wave/in/review/r.json /wave/out/seen.txt"
          output_artifacts: [{name: seen, path: seen.txt}]
`;

/** The loop step's artifacts, as its dependents receive them. */
function loopOutputs(runId: string): string[] {
  const exported = path.join(dir, 'exported', runId);
  const res = runWave(['artifacts', runId, '--step', 'review', '--export', exported], dir);
  assert.equal(res.status, 0, res.stderr);
  return ['r.json', 'seen.txt'].map((f) => readFileSync(path.join(exported, 'review', f), 'utf8').trim());
}

function run(name: string, steps: string) {
  writePipeline(dir, name, steps);
  const res = runWave(['run', name, '-o', 'json'], dir);
  const runId = runIdOf(res.stdout);
  return {
    code: res.status,
    runId,
    s: runStatus<Status>(dir, runId),
    events: ndjsonEvents<LoopEvent>(res.stdout),
    out: res.stderr + res.stdout.slice(-3000),
  };
}

describe('loop with command steps', { skip }, () => {
  test('until holds at iteration 2: the loop completes with its outputs, a third iteration never runs', () => {
    const { code, s, events, out, runId } = run('holds', looping('{{ review.artifacts.r.n == 2 }}', 3));
    assert.equal(code, 0, out);
    assert.deepEqual(iterations(s), [
      [1, 'completed', [1, 1]],
      [2, 'completed', [1, 1]],
    ]);
    const completed = events.filter((e) => e.type === 'loop_iteration_completed');
    assert.deepEqual(
      completed.map((e) => [e.iteration, e.holds]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.equal(events.filter((e) => e.type === 'loop_iteration_started').length, 2);
    // Its artifacts are the second iteration's: the body's and the inline step's.
    assert.deepEqual(loopOutputs(runId), ['{"n": 2}', '{"n": 2}']);
  });

  test('until never holds: the step fails at max_iterations naming the last values', () => {
    const { code, s, events, out } = run('never', looping('{{ steps.review.artifacts.r.n }} > 5', 2));
    assert.equal(code, 3, out);
    assert.deepEqual(iterations(s), [
      [1, 'completed', [1, 1]],
      [2, 'completed', [1, 1]],
    ]);
    const review = stepOf(s, 'review');
    assert.equal(review?.status, 'failed');
    assert.equal(
      review?.error,
      'loop.until {{ steps.review.artifacts.r.n }} > 5 did not hold after 2 iteration(s); ' +
        'last values: {{ steps.review.artifacts.r.n }} = 2',
    );
    const failed = events.find((e) => e.type === 'step_failed' && e.stepId === 'review');
    assert.equal(failed?.failureClass, 'loop_exhausted');
    assert.notEqual(stepOf(s, 'done')?.status, 'completed', 'what depends on the loop does not run');
  });

  test("an iteration's step fails: the loop fails with it, no further iteration", () => {
    const { code, s, out } = run('broken', looping('{{ review.artifacts.r.n == 3 }}', 3, 'true', 'exit 7'));
    assert.equal(code, 3, out);
    assert.deepEqual(iterations(s), [[1, 'failed', [1, 1]]]);
    assert.match(stepOf(s, 'review')?.error ?? '', /^iteration 1 \(run [^)]+\) failed: /);
  });

  test('kill -9 mid-loop, then wave resume: no completed iteration runs again, no orphan container', async () => {
    // Iteration 2's body sleeps on its first attempt, so Wave dies with it running.
    const body = '[ {{ iteration }} = 2 ] && [ $WAVE_ATTEMPT = 1 ] && sleep 300';
    writePipeline(dir, 'killed', looping('{{ review.artifacts.r.n == 2 }}', 3, body));
    const child = spawnWave(['run', 'killed', '-o', 'json'], dir);
    const { runId } = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    await waitForEvent(child, (e) => e.type === 'step_started' && e.itemIndex === 2, 120_000);
    for (let i = 0; i < 100 && (await treeContainers(runId)).length === 0; i++) await sleep(100);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal((await treeContainers(runId)).length, 1, "the killed Wave left iteration 2's body running");

    const res = runWave(['resume', runId, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const s = runStatus<Status>(dir, runId);
    const read = ndjsonEvents<LoopEvent>(res.stdout).filter((e) => e.type === 'loop_iteration_completed');
    assert.deepEqual(
      iterations(s),
      [
        [1, 'completed', [1, 1]],
        [2, 'completed', [2, 1]],
      ],
      JSON.stringify(read),
    );
    assert.deepEqual(loopOutputs(runId), ['{"n": 2}', '{"n": 2}']);
    assert.equal((await treeContainers(runId)).length, 0, 'no orphan container');
  });

  test('wave cancel mid-loop from another process: the iteration and its container are gone', async () => {
    writePipeline(dir, 'napping', looping('{{ review.artifacts.r.n == 2 }}', 3, 'sleep 300'));
    const child = spawnWave(['run', 'napping', '-o', 'json'], dir);
    // Its output is read to the end: a pipe nobody reads fills up and blocks Wave in a write, deaf to the cancel.
    let outText = '';
    child.stdout?.on('data', (d: Buffer) => (outText += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (outText += d.toString()));
    const { runId } = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    await waitForEvent(child, (e) => e.type === 'step_started' && e.itemIndex === 1, 120_000);
    for (let i = 0; i < 100 && (await treeContainers(runId)).length === 0; i++) await sleep(100);
    assert.equal((await treeContainers(runId)).length, 1, "iteration 1's body napping");
    const res = runWave(['cancel', runId], dir);
    const exit = await new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    assert.equal(res.status, 0, res.stderr);
    assert.equal(exit, 5, outText.slice(-3000) + '\nCANCEL: ' + res.stdout + res.stderr);
    assert.equal((await treeContainers(runId)).length, 0);
    assert.deepEqual(
      treeOf(runId).map((r) => [r.itemIndex, r.status]),
      [
        [null, 'cancelled'],
        [1, 'cancelled'],
      ],
    );
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
