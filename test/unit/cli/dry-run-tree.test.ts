// `wave run --dry-run` of composite steps: a pipeline step shows its child pipeline's steps (known before the run),
// an iterate step says what it expands over at run time, an aggregate what it merges, a loop how often it repeats
// which steps; nothing starts.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createCommandProject, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const dir = createCommandProject('wave-dry-tree-');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('wave run --dry-run with a run tree', () => {
  test('shows the expansion where it is known and what it expands over where it is not', () => {
    writeFileSync(
      path.join(dir, '.wave', 'pipelines', 'leaf.yaml'),
      `kind: WavePipeline
metadata: {name: leaf}
pipeline_outputs: {report: {step: work, artifact: report}}
steps:
  - id: work
    exec: {type: command, script: "true"}
    output_artifacts: [{name: report, path: r.json}]
`,
    );
    writePipeline(
      dir,
      'root',
      `  - id: scope
    exec: {type: command, script: "true"}
    output_artifacts: [{name: scope, path: scope.json}]
  - id: once
    pipeline: leaf
  - id: each
    dependencies: [scope]
    pipeline: leaf
    iterate: {over: "{{ steps.scope.output.items }}", mode: parallel, max_concurrent: 3, on_failure: continue}
    aggregate: {from: report, into: all, strategy: merge_arrays}
`,
    );
    const res = runWave(['run', 'root', '--dry-run'], dir);
    assert.equal(res.status, 0, res.stderr);
    const block = (id: string) => res.stdout.split('\n\n').find((b) => b.startsWith(`${id}  [`)) ?? '';
    assert.deepEqual(block('once').split('\n').slice(0, 4), [
      'once  [pipeline]',
      '  runs pipeline leaf: 1 step(s)',
      '    extracts report = work.report',
      '    work [command]',
    ]);
    assert.deepEqual(block('each').split('\n').slice(0, 6), [
      'each  [pipeline]',
      '  expands at run time over {{ steps.scope.output.items }}: one child run per item ' +
        '(parallel, at most 3 at once, on_failure continue)',
      '  each item runs pipeline leaf: 1 step(s)',
      '    extracts report = work.report',
      '    work [command]',
      "  aggregate: merge_arrays of each item's report into all",
    ]);
    assert.match(res.stdout, /\(dry run: nothing was started\)/);
  });

  test("shows a loop's bound, condition and the steps of an iteration, a pipeline body expanded", () => {
    writePipeline(
      dir,
      'looping',
      `  - id: review
    pipeline: leaf
    loop:
      max_iterations: 3
      until: "{{ review.output.report == 'ok' }}"
      steps:
        - id: fix
          exec: {type: command, script: "echo {{ iteration }}"}
`,
    );
    const res = runWave(['run', 'looping', '--dry-run'], dir);
    assert.equal(res.status, 0, res.stderr);
    const block = res.stdout.split('\n\n').find((b) => b.startsWith('review  [')) ?? '';
    assert.deepEqual(block.split('\n').slice(0, 7), [
      'review  [pipeline]',
      "  loops up to 3 time(s) until {{ review.output.report == 'ok' }}: each iteration a child run of",
      '    review [pipeline]',
      '      runs pipeline leaf: 1 step(s)',
      '        extracts report = work.report',
      '        work [command]',
      '    fix [command] after review',
    ]);
  });

  test('a matrix says what it expands over, its tiers and width, and the pipeline each item runs', () => {
    writePipeline(
      dir,
      'fan',
      `  - id: plan
    exec: {type: command, script: "true"}
    output_artifacts: [{name: tasks, path: out/tasks.json}]
  - id: own
    dependencies: [plan]
    strategy: {type: matrix, items_source: plan/out/tasks.json}
    exec: {type: command, script: "echo {{ task }}"}
  - id: tiers
    dependencies: [plan]
    strategy:
      {type: matrix, items_source: plan/out/tasks.json, item_key: tasks, item_id_key: id, dependency_key: deps,
       max_concurrency: 2, child_pipeline: leaf, input_template: "{{ .title }}"}
`,
    );
    const res = runWave(['run', 'fan', '--dry-run'], dir);
    assert.equal(res.status, 0, res.stderr);
    const block = (id: string) => res.stdout.split('\n\n').find((b) => b.startsWith(`${id}  [`)) ?? '';
    assert.equal(
      block('own').split('\n')[1],
      '  expands at run time over the items of plan/out/tasks.json: one child run per item ' +
        '(all at once, the first failure stops the rest)',
    );
    assert.deepEqual(block('tiers').split('\n').slice(0, 4), [
      'tiers  [pipeline]',
      '  expands at run time over the items of plan/out/tasks.json at tasks: one child run per item ' +
        '(in tiers by deps (ids at id), each tier at most 2 at once)',
      '  each item runs pipeline leaf: 1 step(s)',
      '    work [command]',
    ]);
  });
});
