// Issue 13, finding 5 (/wave/out unbounded, kept across retries), through `wave run` with real containers: with
// runtime.sandbox.resources {out_size: 8m, out_files: 100}, a step that writes 200 MiB fails every attempt with
// the quota error (class `quota`, in the step_retrying and step_failed events) while an independent step
// completes; a step that writes 6 MiB and fails three times leaves one attempt's outputs on the host, not three;
// and no /wave/out volume of the run is left on the engine.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, ndjsonEvents, runIdOf, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));
const MiB = 1024 * 1024;

/** Apparent bytes of every file below dir. */
function bytesBelow(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? bytesBelow(p) : statSync(p).size;
  }
  return total;
}

type Event = { type: string; stepId?: string; failureClass?: string; reason?: string };

describe('wave run: /wave/out quotas per step, retries start empty (issue 13 #5)', { skip }, () => {
  let dir: string;
  let runId: string;
  let status: number | null;
  let events: Event[];
  let pilesRunId: string;
  let pilesEvents: Event[];

  before(() => {
    dir = createCommandProject('wave-out-quota-');
    writeFileSync(
      path.join(dir, 'wave.yaml'),
      'apiVersion: v1\nkind: WaveManifest\nmetadata: {name: quota}\nruntime:\n  sandbox:\n    resources: {out_size: 8m, out_files: 100}\n',
    );
    writePipeline(
      dir,
      'quota',
      `  - id: flood
    exec: {type: command, script: "dd if=/dev/zero of=/wave/out/big bs=1M count=200 || true"}
    retry: {max_attempts: 2, backoff: fixed, base_delay: 100ms}
  - id: innocent
    exec: {type: command, script: "echo ok > /wave/out/ok.txt"}
    output_artifacts: [{name: ok, path: ok.txt}]
`,
    );
    // Its own run: the first failure of `quota` halts that run's retries.
    writePipeline(
      dir,
      'piles',
      `  - id: piles
    exec: {type: command, script: "head -c 6291456 /dev/urandom > /wave/out/part-$WAVE_ATTEMPT; exit 1"}
    retry: {max_attempts: 3, backoff: fixed, base_delay: 100ms}
`,
    );
    const res = runWave(['run', 'quota', '-o', 'json'], dir);
    status = res.status;
    runId = runIdOf(res.stdout);
    events = ndjsonEvents<Event>(res.stdout);
    const piles = runWave(['run', 'piles', '-o', 'json'], dir);
    pilesRunId = runIdOf(piles.stdout);
    pilesEvents = ndjsonEvents<Event>(piles.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const stepDir = (step: string, run = runId) => path.join(dir, '.wave', 'workspaces', run, step);

  test('the step over its quota fails with the quota named, on every attempt, and the run fails', () => {
    assert.equal(status, 3);
    const retrying = events.filter((e) => e.type === 'step_retrying' && e.stepId === 'flood');
    const failed = events.find((e) => e.type === 'step_failed' && e.stepId === 'flood');
    assert.equal(retrying.length, 1);
    for (const e of [...retrying, failed]) {
      assert.equal(e?.failureClass, 'quota');
      assert.match(e?.reason ?? '', /output quota of 8 MiB \(resources\.out_size\).*raise resources\.out_size/);
    }
    assert.ok(bytesBelow(stepDir('flood')) <= 8 * MiB, `flood left ${bytesBelow(stepDir('flood'))} bytes on the host`);
  });

  test('it fails alone: an independent step completes with its output', () => {
    assert.ok(events.some((e) => e.type === 'step_completed' && e.stepId === 'innocent'));
  });

  test('a retried step starts with an empty /wave/out and the host keeps one attempt, not three', () => {
    assert.equal(pilesEvents.filter((e) => e.type === 'step_retrying' && e.stepId === 'piles').length, 2);
    assert.ok(pilesEvents.some((e) => e.type === 'step_failed' && e.stepId === 'piles'));
    const left = bytesBelow(stepDir('piles', pilesRunId));
    assert.ok(left <= 6 * MiB + 64 * 1024, `piles left ${left} bytes on the host after 3 attempts of 6 MiB`);
    assert.deepEqual(readdirSync(path.join(stepDir('piles', pilesRunId), 'out')), ['part-3']);
  });

  test('no /wave/out volume or container of the run is left', async () => {
    for (const run of [runId, pilesRunId]) {
      const { Volumes } = await docker.listVolumes({ filters: { label: [`wave.run=${run}`] } });
      assert.deepEqual(Volumes ?? [], []);
      assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`wave.run=${run}`] } }), []);
    }
  });
});
