// strategy: matrix end to end with command steps in real containers (DESIGN.md "A run is a tree"): tiers in
// order with max_concurrency, a failing item whose dependents are skipped and reported, wave resume running only
// what did not complete, and a child_pipeline per item whose changes conflict.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
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
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-matrix-');
  // The child pipeline's worktree starts from the repository's commit.
  const who = ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid'];
  execFileSync('git', [...who, 'commit', '-qam', 'start', '--allow-empty'], { cwd: dir });
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Status {
  status: string;
  steps: Array<{
    id: string;
    status: string;
    error: string | null;
    children?: Array<{ itemIndex: number; status: string; steps: Array<{ attempts: number }> }>;
  }>;
}
const stepOf = (runId: string, id: string) => runStatus<Status>(dir, runId).steps.find((x) => x.id === id);

function childRuns(runId: string): RunRecord[] {
  const store = new Store(defaultStatePath(dir));
  try {
    return store.runs.children(runId).sort((a, b) => (a.itemIndex ?? 0) - (b.itemIndex ?? 0));
  } finally {
    store.close();
  }
}

/** plan writes {"tasks": TASKS} to out/tasks.json. */
const plan = (tasks: string) => `  - id: plan
    exec: {type: command, script: "mkdir -p /wave/out/out && echo '{\\"tasks\\": ${tasks}}' > /wave/out/out/tasks.json"}
    output_artifacts: [{name: tasks, path: out/tasks.json}]
`;
const TIERED =
  '{type: matrix, items_source: plan/out/tasks.json, item_key: tasks, item_id_key: id, dependency_key: deps';

describe('strategy: matrix with command steps', { skip }, () => {
  test('tiers run in order, each item after all it needs, at most max_concurrency at once', () => {
    const tasks = '[{\\"id\\": \\"c\\", \\"deps\\": [\\"a\\", \\"b\\"]}, {\\"id\\": \\"a\\"}, {\\"id\\": \\"b\\"}]';
    writePipeline(
      dir,
      'tiers',
      `${plan(tasks)}  - id: each
    dependencies: [plan]
    strategy: ${TIERED}, max_concurrency: 1}
    exec: {type: command, script: "echo '{{ task }}' > /wave/out/task.json"}
    output_artifacts: [{name: task, path: task.json}]
`,
    );
    const res = runWave(['run', 'tiers', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    const [c, a, b] = childRuns(runId);
    assert.deepEqual(
      [c, a, b].map((r) => [r?.itemIndex, r?.status, JSON.parse(r?.input ?? 'null').id]),
      [
        [0, 'completed', 'c'],
        [1, 'completed', 'a'],
        [2, 'completed', 'b'],
      ],
    );
    // a and b (tier 1) one after the other, c (tier 2) after both.
    assert.ok((a?.finishedAt ?? '') <= (b?.startedAt ?? ''), 'max_concurrency 1: b starts after a finished');
    assert.ok((b?.finishedAt ?? '') <= (c?.startedAt ?? ''), 'c starts after its dependencies');
    const tiers = ndjsonEvents<{ type: string; phase?: string; message?: string }>(res.stdout).filter(
      (e) => e.type === 'progress' && e.phase?.startsWith('matrix'),
    );
    assert.deepEqual(
      tiers.map((e) => e.message),
      ['2 tier(s) for 3 item(s)', 'tier 1/2: 2 item(s)', 'tier 2/2: 1 item(s)'],
    );
  });

  test('a failing item: dependents skipped and reported, the step fails; resume reruns only it', () => {
    // b fails on its first attempt only; d needs b, e needs d; c is b's sibling in tier 1.
    const tasks =
      '[{\\"id\\": \\"a\\"}, {\\"id\\": \\"b\\", \\"deps\\": [\\"a\\"]}, {\\"id\\": \\"c\\", \\"deps\\": [\\"a\\"]}, ' +
      '{\\"id\\": \\"d\\", \\"deps\\": [\\"b\\"]}, {\\"id\\": \\"e\\", \\"deps\\": [\\"d\\"]}]';
    writePipeline(
      dir,
      'flaky',
      `${plan(tasks)}  - id: each
    dependencies: [plan]
    strategy: ${TIERED}}
    retry: {max_attempts: 1}
    exec:
      type: command
      script: "[ {{ item.id }} = b ] && [ $WAVE_ATTEMPT = 1 ] && exit 3; echo ok > /wave/out/ok.txt"
    output_artifacts: [{name: ok, path: ok.txt}]
`,
    );
    const res = runWave(['run', 'flaky', '-o', 'json'], dir);
    assert.notEqual(res.status, 0);
    const runId = runIdOf(res.stdout);
    const each = stepOf(runId, 'each');
    assert.equal(each?.status, 'failed');
    assert.match(each?.error ?? '', /matrix: 2\/5 item\(s\) completed, 1 failed, 2 skipped: item 1 \(run \S+\) failed/);
    assert.match(each?.error ?? '', /item 3 \('d'\): dependency 'b' did not complete; item 4 \('e'\): dependency 'd'/);
    assert.deepEqual(
      childRuns(runId).map((r) => [r.itemIndex, r.status]),
      [
        [0, 'completed'],
        [1, 'failed'],
        [2, 'completed'],
      ],
      'skipped items start no child run',
    );
    const skipped = ndjsonEvents<{ type: string; phase?: string }>(res.stdout).filter(
      (e) => e.type === 'progress' && e.phase === 'matrix_item_skipped',
    );
    assert.equal(skipped.length, 2);

    const again = runWave(['resume', runId, '-o', 'json'], dir);
    assert.equal(again.status, 0, again.stderr + again.stdout.slice(-3000));
    assert.deepEqual(
      stepOf(runId, 'each')?.children?.map((c) => [c.itemIndex, c.status, c.steps[0]?.attempts]),
      [
        [0, 'completed', 1],
        [1, 'completed', 2],
        [2, 'completed', 1],
        [3, 'completed', 1],
        [4, 'completed', 1],
      ],
    );
  });

  test('a child_pipeline per item with the input input_template renders; two items changing one file conflict', () => {
    writePipeline(
      dir,
      'edit',
      `  - id: edit
    workspace: {type: worktree}
    exec: {type: command, script: "echo \\"$WAVE_INPUT\\" > \\"$(echo $WAVE_INPUT | cut -d' ' -f1).txt\\""}
`,
    );
    writePipeline(
      dir,
      'edits',
      `${plan('[{\\"file\\": \\"one\\"}, {\\"file\\": \\"two\\"}, {\\"file\\": \\"one\\"}]')}  - id: each
    dependencies: [plan]
    strategy:
      type: matrix
      items_source: plan/out/tasks.json
      item_key: tasks
      child_pipeline: edit
      input_template: "{{ .file }} from the matrix"
`,
    );
    const res = runWave(['run', 'edits', '-o', 'json'], dir);
    assert.notEqual(res.status, 0);
    const runId = runIdOf(res.stdout);
    assert.deepEqual(
      childRuns(runId).map((r) => [r.itemIndex, r.pipeline, r.input, r.status]),
      [
        [0, 'edit', 'one from the matrix', 'completed'],
        [1, 'edit', 'two from the matrix', 'completed'],
        [2, 'edit', 'one from the matrix', 'completed'],
      ],
    );
    const message = 'file conflicts between items of tier 1: one.txt (items 0, 2)';
    assert.equal(stepOf(runId, 'each')?.error, message);
    const warnings = ndjsonEvents<{ type: string; code?: string; message?: string }>(res.stdout).filter(
      (e) => e.type === 'warning' && e.code === 'matrix_conflict',
    );
    assert.deepEqual(
      warnings.map((w) => w.message),
      [message],
    );
  });
});
