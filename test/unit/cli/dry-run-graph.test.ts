// `wave run --dry-run` of a graph-mode pipeline: where the walk starts, the cap on visits, and each step's limit
// and edges in the order they are tried (a step without edges: where it goes instead); `--steps` is refused.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { createCommandProject, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const dir = createCommandProject('wave-dry-graph-');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('wave run --dry-run in graph mode', () => {
  writePipeline(
    dir,
    'loop',
    `  - id: review
    exec: {type: command, script: "true"}
    max_visits: 3
    edges:
      - {target: _complete, condition: outcome=success}
      - {target: gate}
  - id: gate
    type: conditional
    edges: [{target: fix}]
  - id: fix
    exec: {type: command, script: "true"}
  - id: report
    dependencies: [fix]
    exec: {type: command, script: "true"}
`,
  );

  test('shows the walk: its start, the cap, each step edges and limit', () => {
    const res = runWave(['run', 'loop', '--dry-run'], dir);
    assert.equal(res.status, 0, res.stderr);
    const block = (id: string) => res.stdout.split('\n\n').find((b) => b.startsWith(`${id}  [`)) ?? '';
    assert.match(res.stdout, /graph mode: the walk starts at review; .* \(at most 50 visits in all\)/);
    assert.deepEqual(block('review').split('\n').slice(-3), [
      '  visits: at most 3',
      '  edge 0: -> _complete when outcome=success',
      '  edge 1: -> gate (always)',
    ]);
    assert.match(block('gate'), /^gate {2}\[conditional\]/);
    assert.deepEqual(block('fix').split('\n').slice(-2), [
      '  visits: at most 10',
      '  no edges: -> report (its dependent)',
    ]);
    assert.match(block('report'), /no edges: -> the end of the walk/);
  });

  test('--steps does not apply to a walk', () => {
    const res = runWave(['run', 'loop', '--dry-run', '--steps', 'review'], dir);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /--steps and --from-step do not apply to a graph-mode pipeline/);
  });
});
