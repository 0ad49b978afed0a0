// Control flow of the run tree end to end with command steps in real containers: a branch step runs the case its
// upstream value picks as a child run (with its input, config.env and config.inject, its outputs seen by status),
// skips with `skip`, and fails naming the value and the cases when none matches. One worker limit is shared in
// turns: a step next to a parallel iterate does not wait for all its items.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
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
  dir = createCommandProject('wave-control-');
  // The case's child checks what the branch step gives it: its input, config.env and the injected artifact.
  writePipeline(
    dir,
    'fix-small',
    `  - id: fix
    exec: {type: command, script: "[ \\"$WAVE_INPUT\\" = small-one ] && [ \\"$MODE\\" = quick ] && grep -q small /wave/in/triage"}
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Status {
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; error: string | null; children?: Array<{ status: string }> }>;
}

/** triage writes {"size": SIZE}; route branches on it; done runs after route. */
const routing = (size: string) => `  - id: triage
    exec: {type: command, script: "echo '{\\"size\\": \\"${size}\\"}' > /wave/out/triage.json"}
    output_artifacts: [{name: triage, path: triage.json}]
  - id: route
    dependencies: [triage]
    branch:
      on: "{{ steps.triage.output.size }}"
      cases: {small: fix-small, none: skip}
    input: "{{ steps.triage.artifacts.triage.size }}-one"
    config: {inject: [triage.triage], env: {MODE: quick}}
  - id: done
    dependencies: [route]
    exec: {type: command, script: "true"}
`;

function run(name: string, size: string): { code: number | null; s: Status; out: string } {
  writePipeline(dir, name, routing(size));
  const res = runWave(['run', name, '-o', 'json'], dir);
  return {
    code: res.status,
    s: runStatus<Status>(dir, runIdOf(res.stdout)),
    out: res.stderr + res.stdout.slice(-3000),
  };
}
const route = (s: Status) => s.steps.find((x) => x.id === 'route');

describe('branch with command steps', { skip }, () => {
  test("the matching case's pipeline runs as a child run with the step's input, env and inject", () => {
    const { code, s, out } = run('route-small', 'small');
    assert.equal(code, 0, out);
    assert.equal(s.status, 'completed');
    assert.deepEqual(
      route(s)?.children?.map((c) => c.status),
      ['completed'],
    );
  });

  test('skip completes the step with no child run; no matching case fails it naming the value and cases', () => {
    const skipped = run('route-none', 'none');
    assert.equal(skipped.code, 0, skipped.out);
    assert.deepEqual(route(skipped.s)?.children ?? [], []);
    assert.equal(skipped.s.steps.find((x) => x.id === 'done')?.status, 'completed');

    const unmatched = run('route-huge', 'huge');
    assert.equal(unmatched.code, 3, unmatched.out);
    assert.equal(route(unmatched.s)?.status, 'failed');
    assert.match(
      route(unmatched.s)?.error ?? '',
      /branch\.on \{\{ steps\.triage\.output\.size \}\} is 'huge', which no case matches \(cases: small, none\)/,
    );
  });
});

describe('one worker for the tree, in turns', { skip }, () => {
  test('a step that becomes ready while 6 items wait starts after at most 2 of them, not after all', () => {
    // slow holds the one worker while fan's 6 items queue; side, ready when slow ends, takes the next turn
    // after fan's (first come, first served would run all 6 items first).
    writePipeline(
      dir,
      'turns',
      `  - id: list
    exec: {type: command, script: "echo '{\\"items\\": [1,2,3,4,5,6]}' > /wave/out/list.json"}
    output_artifacts: [{name: list, path: list.json}]
  - id: fan
    dependencies: [list]
    iterate: {over: "{{ steps.list.artifacts.list.items }}", mode: parallel}
    exec: {type: command, script: "true"}
  - id: slow
    dependencies: [list]
    exec: {type: command, script: "sleep 2"}
  - id: side
    dependencies: [slow]
    exec: {type: command, script: "true"}
`,
    );
    const res = runWave(['run', 'turns', '--max-workers', '1', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const starts = ndjsonEvents<{ type: string; stepId?: string; itemIndex?: number }>(res.stdout).filter(
      (e) => e.type === 'step_started',
    );
    const side = starts.findIndex((e) => e.stepId === 'side');
    const itemsBefore = starts.slice(0, side).filter((e) => e.itemIndex !== undefined).length;
    const itemsAfter = starts.slice(side).filter((e) => e.itemIndex !== undefined).length;
    assert.ok(itemsBefore <= 2, `${itemsBefore} items started before side`);
    assert.equal(itemsBefore + itemsAfter, 6);
  });
});
