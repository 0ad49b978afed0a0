// Graph mode end to end with command steps in real containers: a review → fix → review cycle that ends through an
// edge to _complete, max_visits reached, a conditional step routing a failure, no matching edge, and kill -9 mid-walk
// then `wave resume` (no visit that ended runs again, no orphan container).
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
import { runWave, spawnWave, waitForEvent } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-graph-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Status {
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; attempts: number; visits?: number; error: string | null }>;
  walk?: Array<{ step: string; visit: number; outcome: string | null; next: string | null; edge: number | null }>;
}
const status = (runId: string) => runStatus<Status>(dir, runId);
const counts = (s: Status) => Object.fromEntries(s.steps.map((x) => [x.id, [x.status, x.attempts, x.visits]]));
const path = (s: Status) => (s.walk ?? []).map((v) => `${v.step}${v.outcome === 'failure' ? '!' : ''}>${v.next}`);

/** review says ok from visit PASS_AT on (its JSON verdict), else the walk goes to fix, which goes back. */
const cycle = (passAt: number, extra = '', fixScript = 'echo fixing') => `  - id: review
    exec: {type: command, script: "[ $WAVE_VISIT -ge ${passAt} ] && v=true || v=false; echo \\"{\\\\\\"ok\\\\\\": $v}\\" > /wave/out/verdict.json"}
    output_artifacts: [{name: verdict, path: verdict.json}]
${extra}    edges:
      - {target: _complete, condition: "{{ steps.review.output.ok }} == true"}
      - {target: fix}
  - id: fix
    exec: {type: command, script: "${fixScript}"}
    edges: [{target: review}]
`;

function run(name: string, steps: string) {
  writePipeline(dir, name, steps);
  const res = runWave(['run', name, '-o', 'json'], dir);
  const runId = runIdOf(res.stdout);
  return { code: res.status, runId, s: status(runId), out: res.stderr + res.stdout.slice(-3000), stdout: res.stdout };
}

describe('graph mode with command steps', { skip }, () => {
  test('review → fix → review ends through the edge to _complete on the second review', () => {
    const { code, s, out, stdout } = run('cycle', cycle(2));
    assert.equal(code, 0, out);
    assert.equal(s.status, 'completed');
    assert.deepEqual(counts(s), { review: ['completed', 2, 2], fix: ['completed', 1, 1] });
    assert.deepEqual(path(s), ['review>fix', 'fix>review', 'review>_complete']);
    const edges = ndjsonEvents<{ type: string; stepId?: string; to?: string; edge?: number; why?: string }>(
      stdout,
    ).filter((e) => e.type === 'graph_edge');
    assert.deepEqual(
      edges.map((e) => [e.stepId, e.to, e.edge]),
      [
        ['review', 'fix', 1],
        ['fix', 'review', 0],
        ['review', '_complete', 0],
      ],
    );
    assert.equal(edges[2]?.why, 'edge 0: {{ steps.review.output.ok }} == true holds (outcome=success)');
  });

  test('max_visits reached fails the run naming the step and the count (exit 3)', () => {
    const { code, s, out } = run('endless', cycle(99, '    max_visits: 2\n'));
    assert.equal(code, 3, out);
    assert.equal(s.status, 'failed');
    assert.equal(s.error, "step 'review' reached max_visits (2): the walk would visit it a 3rd time");
    assert.deepEqual(counts(s), { review: ['completed', 2, 2], fix: ['completed', 2, 2] });
  });

  test('a conditional step routes the failure of the step before it', () => {
    const { code, s, out } = run(
      'routed',
      `  - id: check
    exec: {type: command, script: "exit 1"}
    edges: [{target: gate}]
  - id: gate
    type: conditional
    edges:
      - {target: ship, condition: outcome=success}
      - {target: recover, condition: outcome=failure}
  - id: ship
    exec: {type: command, script: "true"}
    edges: [{target: _complete}]
  - id: recover
    exec: {type: command, script: "true"}
`,
    );
    assert.equal(code, 0, out);
    assert.deepEqual(counts(s), {
      check: ['failed', 1, 1],
      gate: ['completed', 1, 1],
      ship: ['skipped', 0, 0],
      recover: ['completed', 1, 1],
    });
    assert.deepEqual(path(s), ['check!>gate', 'gate!>recover', 'recover>_complete']);
  });

  test('no matching edge fails the run with the outcome and the conditions', () => {
    const { code, s, out } = run(
      'unmatched',
      `  - id: check
    exec: {type: command, script: "exit 1"}
    edges: [{target: _complete, condition: outcome=success}]
`,
    );
    assert.equal(code, 3, out);
    assert.equal(s.error, "step 'check': no edge matched (outcome=failure; conditions: outcome=success)");
  });

  test('kill -9 mid-walk, then wave resume: the walk goes on, no ended visit runs again', async () => {
    // fix sleeps on its first attempt, so Wave dies with the walk's second visit running.
    writePipeline(dir, 'killed', cycle(2, '', '[ $WAVE_ATTEMPT = 1 ] && sleep 300; echo fixed'));
    const child = spawnWave(['run', 'killed', '-o', 'json'], dir);
    const { runId } = await waitForEvent<{ runId: string }>(child, (e) => e.type === 'run_started');
    await waitForEvent(child, (e) => e.type === 'step_started' && e.stepId === 'fix', 120_000);
    for (let i = 0; i < 100 && (await containers(runId)).length === 0; i++) await sleep(100);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal((await containers(runId)).length, 1, 'the killed Wave left fix running');

    const res = runWave(['resume', runId, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const s = status(runId);
    // review's first visit is not run again (2 attempts for 2 visits); fix's interrupted visit runs again as itself.
    assert.deepEqual(counts(s), { review: ['completed', 2, 2], fix: ['completed', 2, 1] });
    assert.deepEqual(path(s), ['review>fix', 'fix>review', 'review>_complete']);
    assert.equal((await containers(runId)).length, 0, 'no orphan container');
  });
});

async function containers(runId: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [`wave.run=${runId}`] } });
  return list.filter((c) => c.Labels['wave.role'] === undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
