// Contract on_failure rework and rejected end to end with command steps in real containers: a rework_only step
// fixes the judged step's outputs from the feedback and every contract runs again; rounds run out; a rejected
// contract ends the run `rejected` (exit code 8) without a retry; a rework step nobody asks for is skipped.
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
  dir = createCommandProject('wave-rework-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Status {
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; attempts: number; error: string | null }>;
}

/** draft writes a report the contract refuses until it says FIXED; fix runs FIX_SCRIPT on it. */
const reworked = (fix: string, maxRetries = 2) => `  - id: draft
    exec: {type: command, script: "echo draft > /wave/out/report.md"}
    output_artifacts: [{name: report, path: report.md}]
    retry: {max_attempts: 1}
    handover:
      contracts:
        - type: test_suite
          command: "grep -q FIXED /wave/out/report.md"
          on_failure: rework
          rework_step: fix
          max_retries: ${maxRetries}
  - id: fix
    rework_only: true
    exec: {type: command, script: ${JSON.stringify(fix)}}
  - id: publish
    dependencies: [draft]
    exec: {type: command, script: "cp {{ deps.draft.report }} /wave/out/final.md"}
    output_artifacts: [{name: final, path: final.md}]
`;

function run(name: string, steps: string) {
  writePipeline(dir, name, steps);
  const res = runWave(['run', name, '-o', 'json'], dir);
  const runId = runIdOf(res.stdout);
  const byId = (s: Status, id: string) => s.steps.find((x) => x.id === id);
  const status = runStatus<Status>(dir, runId);
  return {
    res,
    runId,
    status,
    step: (id: string) => byId(status, id),
    events: ndjsonEvents<{ type: string; code?: string }>(res.stdout),
  };
}

describe('contract on_failure rework and rejected', { skip }, () => {
  test('the rework step fixes the report from the feedback; every contract passes in round 2', () => {
    // It starts from draft's report (in its /wave/out) and reads why it failed in $WAVE_REWORK_FEEDBACK.
    const fix =
      'grep -q test_suite "$WAVE_REWORK_FEEDBACK" && grep -q draft /wave/out/report.md && ' +
      'echo FIXED >> /wave/out/report.md';
    const { res, status, step, events } = run('rework-fixed', reworked(fix));
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    assert.equal(status.status, 'completed');
    assert.deepEqual(
      ['draft', 'fix', 'publish'].map((id) => [id, step(id)?.status, step(id)?.attempts]),
      [
        ['draft', 'completed', 1],
        ['fix', 'completed', 1],
        ['publish', 'completed', 1],
      ],
    );
    assert.ok(events.some((e) => e.type === 'warning' && e.code === 'contract_rework'));
    const artifacts = runWave(['artifacts', runIdOf(res.stdout), '-o', 'json'], dir);
    assert.match(artifacts.stdout, /final/);
  });

  test('a rework that never fixes it fails the step after max_retries rounds (exit code 4)', () => {
    const { res, status, step } = run('rework-exhausted', reworked('echo still-wrong >> /wave/out/report.md', 2));
    assert.equal(res.status, 4, res.stderr);
    assert.equal(status.status, 'failed');
    assert.match(step('draft')?.error ?? '', /still failed after 2 rework round\(s\)/);
    assert.deepEqual([step('fix')?.status, step('fix')?.attempts], ['failed', 2]);
    assert.equal(step('publish')?.status, 'skipped');
  });

  test('on_failure rejected ends the run rejected (exit 8) without a retry; an unasked rework step is skipped', () => {
    const steps = `  - id: judge
    exec: {type: command, script: "touch /wave/out/verdict.txt"}
    output_artifacts: [{name: verdict, path: verdict.txt}]
    retry: {max_attempts: 3}
    handover:
      contracts:
        - {type: non_empty_file, on_failure: rejected}
  - id: after
    dependencies: [judge]
    exec: {type: command, script: "true"}
  - id: never
    dependencies: [judge]
    exec: {type: command, script: "echo ok > /wave/out/o.md"}
    output_artifacts: [{name: o, path: o.md}]
    handover:
      contract: {type: non_empty_file, on_failure: rework, rework_step: spare}
  - id: spare
    rework_only: true
    exec: {type: command, script: "true"}
`;
    const { res, status, step, runId } = run('rejected', steps);
    assert.equal(res.status, 8, res.stderr);
    assert.equal(status.status, 'rejected');
    assert.match(status.error ?? '', /^rejected: /);
    assert.deepEqual([step('judge')?.status, step('judge')?.attempts], ['failed', 1]);
    assert.equal(step('after')?.status, 'skipped');
    assert.equal(step('spare')?.status, 'skipped');
    const listed = runWave(['list', 'runs', '--status', 'rejected', '-o', 'json'], dir);
    assert.match(listed.stdout, new RegExp(runId));
    assert.doesNotMatch(runWave(['list', 'runs', '--status', 'failed', '-o', 'json'], dir).stdout, new RegExp(runId));
  });
});
