// What `wave validate` says about graph mode, at file:line:column: edge targets (with the step list), conditions
// (at the column of the mistake), conditional steps without edges, fan-out without edges, and graph-only keys in a
// pipeline that is not a graph.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readPipeline } from '../../../src/config/index.js';
import type { Problem } from '../../../src/config/problems.js';
import { checkDag } from '../../../src/plan/index.js';
import { tempProject } from '../config/_helpers.js';

async function problemsOf(body: string): Promise<string[]> {
  const dir = await tempProject({ 'p.yaml': `kind: WavePipeline\nmetadata: {name: p}\n${body}` });
  const read = await readPipeline(path.join(dir, 'p.yaml'));
  const checked = read.loaded ?? read.partial;
  const dag = checked
    ? checkDag(checked.pipeline, {
        file: checked.file,
        locate: checked.locate,
        ...(checked.source ? { source: checked.source } : {}),
      }).problems
    : [];
  return [...read.problems, ...dag].map(
    (p: Problem) => `${p.line}:${p.column} ${p.message}${p.hint ? ` | ${p.hint}` : ''}`,
  );
}

const cmd = '{type: command, script: "true"}';

describe('graph mode validation', () => {
  it('a valid review/fix cycle has no problems', async () => {
    const problems = await problemsOf(`steps:
  - id: review
    exec: ${cmd}
    max_visits: 3
    edges:
      - {target: _complete, condition: outcome=success}
      - {target: fix}
  - id: fix
    exec: ${cmd}
    edges: [{target: review}]
`);
    assert.deepEqual(problems, []);
  });

  it('refuses an unknown edge target with the steps it may name', async () => {
    assert.deepEqual(
      await problemsOf(`steps:
  - id: review
    exec: ${cmd}
    edges: [{target: fixx}]
  - id: fix
    exec: ${cmd}
`),
      [
        "6:22 step 'review': edge target 'fixx' is not a step of this pipeline (did you mean 'fix'?) | targets: review, fix, _complete (_complete ends the run)",
      ],
    );
  });

  it('points at the column of a condition mistake, inside quotes too', async () => {
    const problems = await problemsOf(`steps:
  - id: review
    exec: ${cmd}
    edges:
      - {target: _complete, condition: "outcome=succes"}
      - target: review
        condition: '{{ steps.nope.output.x }} == 1'
`);
    assert.deepEqual(
      problems.map((p) => p.split(' | ')[0]),
      [
        "7:49 step 'review': edge condition: outcome is success or failure, not 'succes'",
        "9:21 step 'review': edge condition names unknown step 'nope'",
      ],
    );
  });

  it('a conditional step needs edges and runs nothing', async () => {
    const problems = await problemsOf(`steps:
  - id: gate
    type: conditional
    exec: ${cmd}
`);
    assert.deepEqual(
      problems.map((p) => p.split(' | ')[0]),
      [
        "5:11 step 'gate': a conditional step needs edges",
        "6:11 step 'gate': a conditional step runs nothing, so 'exec' has no use",
      ],
    );
  });

  it('refuses fan-out from a step without edges', async () => {
    const problems = await problemsOf(`steps:
  - id: start
    exec: ${cmd}
  - id: a
    dependencies: [start]
    exec: ${cmd}
    edges: [{target: _complete}]
  - id: b
    dependencies: [start]
    exec: ${cmd}
`);
    assert.deepEqual(problems, [
      "4:9 step 'start' has no edges but 2 dependents ('a', 'b'): a graph walk goes one way | add edges to say where the walk goes after it",
    ]);
  });

  it('refuses max_visits and max_step_visits outside graph mode', async () => {
    const problems = await problemsOf(`max_step_visits: 5
steps:
  - id: a
    exec: ${cmd}
    max_visits: 2
`);
    assert.deepEqual(
      problems.map((p) => p.split(' | ')[0]),
      ['3:18 max_step_visits acts only in graph mode', "7:17 step 'a': max_visits acts only in graph mode"],
    );
  });
});
