// The run tree end to end with command steps in real containers (DESIGN.md "A run is a tree"): a parallel
// iterate running a sub-pipeline per item with an aggregate, items failing under on_failure continue and fail,
// an empty array, a sub-pipeline whose child fails, kill -9 mid-iteration then resume (no completed item runs
// again, no orphan container), and wave cancel mid-iteration from another process.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultStatePath, Store, type RunRecord } from '../../../src/state/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, runStatus, writePipeline } from '../../support/command-project.js';
import { runWave, spawnWave, waitForEvent } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-tree-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface ChildJson {
  runId: string;
  itemIndex: number | null;
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; attempts: number }>;
}
interface Status {
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; attempts: number; error: string | null; children?: ChildJson[] }>;
}
const status = (runId: string) => runStatus<Status>(dir, runId);
const stepOf = (s: Status, id: string) => s.steps.find((x) => x.id === id);

function withStore<T>(fn: (store: Store) => T): T {
  const store = new Store(defaultStatePath(dir));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
const treeOf = (runId: string): RunRecord[] => withStore((s) => [s.runs.require(runId), ...s.runs.descendants(runId)]);

/** Step containers (not /wave/out holders) of every run of the tree. */
async function treeContainers(runId: string) {
  const ids = new Set(treeOf(runId).map((r) => r.id));
  const list = await docker.listContainers({ all: true, filters: { label: ['wave.managed=true'] } });
  return list.filter((c) => ids.has(c.Labels['wave.run'] ?? '') && c.Labels['wave.role'] === undefined);
}

/** scope writes {"items": ITEMS}; a step reading it is named after it. */
const scope = (items: string) => `  - id: scope
    exec: {type: command, script: "echo '{\\"items\\": ${items}}' > /wave/out/scope.json"}
    output_artifacts: [{name: scope, path: scope.json}]
`;

describe('run tree with command steps', { skip }, () => {
  test('a parallel iterate runs a sub-pipeline per item; the aggregate merges their reports in item order', () => {
    // The child reads the injected guide and its config.env; pipeline_outputs names what the parent extracts.
    writeFileSync(
      path.join(dir, '.wave', 'pipelines', 'review-one.yaml'),
      `kind: WavePipeline
metadata: {name: review-one}
pipeline_outputs:
  report: {step: review, artifact: report}
steps:
  - id: review
    exec:
      type: command
      script: |
        grep -q kind /wave/in/guide
        printf '[{"n": %s, "tag": "%s"}]' "$WAVE_INPUT" "$TAG" > /wave/out/r.json
    output_artifacts: [{name: report, path: r.json}]
`,
    );
    writePipeline(
      dir,
      'fanout',
      `${scope('[{\\"n\\": 1}, {\\"n\\": 2}, {\\"n\\": 3}]')}  - id: guide
    exec: {type: command, script: "echo be kind > /wave/out/guide.txt"}
    output_artifacts: [{name: guide, path: guide.txt}]
  - id: each
    dependencies: [scope, guide]
    pipeline: review-one
    input: "{{ item.n }}"
    config: {inject: [guide.guide], env: {TAG: tree}}
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: parallel, max_concurrent: 2}
    aggregate: {from: report, into: all, strategy: merge_arrays}
  - id: after
    dependencies: [each]
    exec: {type: command, script: "cp {{ deps.each.all }} /wave/out/final.json"}
    output_artifacts: [{name: final, path: final.json}]
`,
    );
    const res = runWave(['run', 'fanout', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    const s = status(runId);
    assert.equal(s.status, 'completed');
    const children = stepOf(s, 'each')?.children ?? [];
    assert.deepEqual(
      children.map((c) => [c.itemIndex, c.status, c.steps.map((x) => [x.id, x.attempts])]),
      [0, 1, 2].map((i) => [i, 'completed', [['review', 1]]]),
    );
    const final = withStore((store) => store.artifacts.list(runId, 'after')[0]?.path ?? '');
    assert.deepEqual(JSON.parse(readFileSync(final, 'utf8')), [
      { n: 1, tag: 'tree' },
      { n: 2, tag: 'tree' },
      { n: 3, tag: 'tree' },
    ]);
    // Events of the children carry their parent; `wave list runs` shows only the top-level run.
    const childEvents = res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; runId: string; parentRunId?: string; itemIndex?: number })
      .filter((e) => e.type === 'run_started' && e.runId !== runId);
    assert.deepEqual(
      childEvents.map((e) => e.parentRunId),
      [runId, runId, runId],
    );
    assert.deepEqual(childEvents.map((e) => e.itemIndex).sort(), [0, 1, 2]);
    const listed = JSON.parse(runWave(['list', 'runs', '-o', 'json'], dir).stdout) as Array<{ id: string }>;
    assert.ok(!listed.some((r) => children.some((c) => c.runId === r.id)), 'child runs are not listed');
    const all = JSON.parse(runWave(['list', 'runs', '--all', '-o', 'json'], dir).stdout) as Array<{ id: string }>;
    assert.ok(
      children.every((c) => all.some((r) => r.id === c.runId)),
      '--all lists them',
    );
  });

  test('on_failure continue: the failed item is recorded, the rest complete, the step completes', () => {
    writePipeline(
      dir,
      'tolerant',
      `${scope('[1, 2, 3]')}  - id: each
    dependencies: [scope]
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", on_failure: continue}
    exec: {type: command, script: "[ {{ item }} != 2 ] && echo '[{{ item }}]' > /wave/out/n.json"}
    output_artifacts: [{name: n, path: n.json}]
    aggregate: {from: n, into: ns, strategy: merge_arrays}
`,
    );
    const res = runWave(['run', 'tolerant', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    const each = stepOf(status(runId), 'each');
    assert.equal(each?.status, 'completed');
    assert.deepEqual(
      each?.children?.map((c) => [c.itemIndex, c.status]),
      [
        [0, 'completed'],
        [1, 'failed'],
        [2, 'completed'],
      ],
    );
    const merged = withStore((store) => store.artifacts.list(runId, 'each')[0]?.path ?? '');
    assert.deepEqual(JSON.parse(readFileSync(merged, 'utf8')), [1, 3]);
  });

  test('on_failure fail: the first failed item fails the step with its reason and no later item starts', () => {
    writePipeline(
      dir,
      'strict',
      `${scope('[1, 2, 3]')}  - id: each
    dependencies: [scope]
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: sequential, on_failure: fail}
    exec: {type: command, script: "[ {{ item }} != 2 ]"}
`,
    );
    const res = runWave(['run', 'strict', '-o', 'json'], dir);
    assert.equal(res.status, 3, res.stderr + res.stdout.slice(-3000));
    const s = status(runIdOf(res.stdout));
    const each = stepOf(s, 'each');
    assert.equal(each?.status, 'failed');
    assert.match(each?.error ?? '', /^item 1 \(run [^)]+\) failed: step 'each' failed: exited with code 1/);
    assert.deepEqual(
      each?.children?.map((c) => [c.itemIndex, c.status]),
      [
        [0, 'completed'],
        [1, 'failed'],
      ],
      'item 2 never started (no row)',
    );
  });

  test('an empty array completes the step with no child run; the aggregate is empty', () => {
    writePipeline(
      dir,
      'nothing',
      `${scope('[]')}  - id: each
    dependencies: [scope]
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: parallel}
    exec: {type: command, script: "echo '[1]' > /wave/out/n.json"}
    output_artifacts: [{name: n, path: n.json}]
    aggregate: {from: n, into: ns, strategy: merge_arrays}
`,
    );
    const res = runWave(['run', 'nothing', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    assert.equal(stepOf(status(runId), 'each')?.children, undefined);
    assert.equal(treeOf(runId).length, 1);
    const merged = withStore((store) => store.artifacts.list(runId, 'each')[0]?.path ?? '');
    assert.deepEqual(JSON.parse(readFileSync(merged, 'utf8')), []);
  });

  test("a sub-pipeline whose child fails fails the step with the child's reason", () => {
    writePipeline(dir, 'breaks', '  - id: inner\n    exec: {type: command, script: "exit 9"}\n');
    writePipeline(
      dir,
      'outer',
      '  - id: sub\n    pipeline: breaks\n' +
        '  - id: later\n    dependencies: [sub]\n    exec: {type: command, script: "true"}\n',
    );
    const res = runWave(['run', 'outer', '-o', 'json'], dir);
    assert.equal(res.status, 3, res.stderr + res.stdout.slice(-3000));
    const s = status(runIdOf(res.stdout));
    assert.match(stepOf(s, 'sub')?.error ?? '', /^child run \S+ failed: step 'inner' failed: exited with code 9$/);
    assert.equal(stepOf(s, 'later')?.status, 'skipped');
    assert.equal(stepOf(s, 'sub')?.children?.[0]?.status, 'failed');
  });

  test("input_ref.from gives the child an artifact's text (or fails naming it); config.timeout stops the child", async () => {
    writePipeline(
      dir,
      'echo-input',
      '  - id: inner\n    exec: {type: command, script: "[ \\"$WAVE_INPUT\\" = from-the-note ]"}\n',
    );
    writePipeline(dir, 'sleeps', '  - id: inner\n    exec: {type: command, script: "sleep 60"}\n');
    writePipeline(
      dir,
      'refs',
      `  - id: note
    exec: {type: command, script: "echo from-the-note > /wave/out/note.txt"}
    output_artifacts: [{name: note, path: note.txt}]
  - id: fed
    dependencies: [note]
    pipeline: echo-input
    input_ref: {from: note.note}
  - id: wrong
    dependencies: [note]
    pipeline: echo-input
    input_ref: {from: note.missing}
    retry: {on_failure: continue}
  - id: bounded
    dependencies: [fed]
    pipeline: sleeps
    config: {timeout: 2s}
`,
    );
    const res = runWave(['run', 'refs', '-o', 'json'], dir);
    assert.equal(res.status, 3, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    const s = status(runId);
    assert.equal(stepOf(s, 'fed')?.status, 'completed', 'the child saw the artifact text as its input');
    assert.equal(stepOf(s, 'wrong')?.error, "input_ref.from 'note.missing': step 'note' wrote no 'missing'");
    assert.equal(stepOf(s, 'bounded')?.status, 'timed_out');
    assert.equal(stepOf(s, 'bounded')?.error, 'timed out after 2000 ms');
    assert.equal(stepOf(s, 'bounded')?.children?.[0]?.status, 'failed');
    assert.equal(stepOf(s, 'bounded')?.children?.[0]?.error, 'timed out after 2 s (config.timeout)');
    assert.deepEqual(await treeContainers(runId), [], 'the timed-out child left no container');
  });

  test("a sub-pipeline's requires.tools are checked in its images before its first step", () => {
    writeFileSync(
      path.join(dir, '.wave', 'pipelines', 'needs-tool.yaml'),
      'kind: WavePipeline\nmetadata: {name: needs-tool}\nrequires: {tools: [definitely-not-a-tool]}\n' +
        'steps:\n  - id: inner\n    exec: {type: command, script: "touch /wave/out/ran"}\n',
    );
    writePipeline(dir, 'outer-tool', '  - id: sub\n    pipeline: needs-tool\n');
    const res = runWave(['run', 'outer-tool', '-o', 'json'], dir);
    assert.notEqual(res.status, 0, res.stdout.slice(-3000));
    assert.match(res.stderr + res.stdout, /definitely-not-a-tool/);
    assert.doesNotMatch(res.stdout, /"type":"step_started","runId":"[^"]+","stepId":"inner"/);
  });

  test('kill -9 mid-iteration, then wave resume: no completed item runs again, no orphan container', async () => {
    // Items 0 and 1 finish at once; item 2 sleeps on its first attempt, so Wave dies with it running.
    writePipeline(
      dir,
      'killed',
      `${scope('[0, 1, 2]')}  - id: each
    dependencies: [scope]
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: sequential}
    exec:
      type: command
      script: "[ {{ item }} = 2 ] && [ $WAVE_ATTEMPT = 1 ] && sleep 300; echo {{ item }} > /wave/out/n.txt"
    output_artifacts: [{name: n, path: n.txt}]
`,
    );
    const child = spawnWave(['run', 'killed', '-o', 'json'], dir);
    const { runId } = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    await waitForEvent(child, (e) => e.type === 'step_started' && e.itemIndex === 2, 120_000);
    for (let i = 0; i < 100 && (await treeContainers(runId)).length === 0; i++) await sleep(100);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal((await treeContainers(runId)).length, 1, 'the killed Wave left item 2 running');

    const res = runWave(['resume', runId, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const each = stepOf(status(runId), 'each');
    assert.deepEqual(
      each?.children?.map((c) => [c.itemIndex, c.status, c.steps[0]?.attempts]),
      [
        [0, 'completed', 1],
        [1, 'completed', 1],
        [2, 'completed', 2],
      ],
    );
    assert.equal(stepOf(status(runId), 'scope')?.attempts, 1);
    assert.equal((await treeContainers(runId)).length, 0, 'no orphan container');
  });

  test('wave cancel mid-iteration from another process: every container of the tree is gone', async () => {
    writePipeline(dir, 'napper', '  - id: nap\n    exec: {type: command, script: "sleep 300"}\n');
    writePipeline(
      dir,
      'naps',
      `${scope('[1, 2, 3]')}  - id: each
    dependencies: [scope]
    pipeline: napper
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: parallel}
`,
    );
    const child = spawnWave(['run', 'naps', '-o', 'json', '--max-workers', '4'], dir);
    const { runId } = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    for (let i = 0; i < 600 && (await treeContainers(runId)).length < 3; i++) await sleep(100);
    assert.equal((await treeContainers(runId)).length, 3, 'three items napping');
    const res = runWave(['cancel', runId], dir);
    const exit = await new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    assert.equal(res.status, 0, res.stderr);
    assert.equal(exit, 5);
    assert.equal((await treeContainers(runId)).length, 0);
    assert.deepEqual(
      treeOf(runId).map((r) => r.status),
      ['cancelled', 'cancelled', 'cancelled', 'cancelled'],
    );
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
