// A Wave process killed with SIGKILL cannot clean up: its container (which holds its own /wave/out) and the
// /wave/out volume must survive the kill (proving nothing else removed them) and the next Wave command's reaper must
// remove both — while never touching live owners' containers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import { findOrphans, reapOrphans } from '../../../src/sandbox/docker/reaper.js';
import { LABELS } from '../../../src/sandbox/docker/labels.js';
import {
  TEST_IMAGE,
  cleanup,
  containersOf,
  makeWorkspace,
  sandboxTestEnv,
  stepSpec,
  uniqueRunId,
  volumesOf,
} from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('orph');
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/orphan-child.ts', import.meta.url));

describe('docker sandbox: orphan reaper', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('kill -9 of Wave mid-step leaves a labelled container and volume; reapOrphans removes them', async () => {
    const ws = await makeWorkspace();
    const proc = spawn(process.execPath, ['--import', 'tsx', child, run, ws.src, ws.out, TEST_IMAGE], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = once(proc, 'exit');
    try {
      let containers: Awaited<ReturnType<typeof containersOf>> = [];
      for (let i = 0; i < 150 && containers.every((c) => c.State !== 'running'); i++) {
        await delay(100);
        containers = await containersOf(env.docker, run, 'step');
        if (proc.exitCode !== null) break;
      }
      assert.equal(containers.length, 1, `child did not start a container: ${stderr}`);
      const [container] = containers;
      assert.deepEqual(await containersOf(env.docker, run, 'out'), [], 'the step holds its own /wave/out');
      assert.equal((await volumesOf(env.docker, run)).length, 1);
      assert.equal(container?.Labels[LABELS.owner]?.endsWith(`:${proc.pid}`), true);
      assert.equal(container?.Labels[LABELS.managed], 'true');

      // Still owned by a live process: not an orphan.
      assert.deepEqual(await findOrphans(env.docker, { labels: { [LABELS.run]: run } }), []);

      proc.kill('SIGKILL');
      await exited; // reaped by Node: the pid is really gone (not a zombie)
      await delay(500);
      const survivors = await containersOf(env.docker, run, 'step');
      assert.equal(survivors.length, 1, 'the container must outlive its killed owner');
      assert.equal(survivors[0]?.State, 'running');
      assert.equal((await volumesOf(env.docker, run)).length, 1, 'and its /wave/out volume');

      // A run that is active elsewhere is kept.
      assert.deepEqual(
        await reapOrphans(env.docker, { labels: { [LABELS.run]: run }, isRunActive: (id) => id === run }),
        [],
      );
      assert.equal((await containersOf(env.docker, run)).length, 1);
      assert.equal((await volumesOf(env.docker, run)).length, 1);

      const removed = await reapOrphans(env.docker, { labels: { [LABELS.run]: run }, isRunActive: () => false });
      assert.deepEqual(removed, [container?.Id]);
      assert.deepEqual(await containersOf(env.docker, run), []);
      assert.deepEqual(await volumesOf(env.docker, run), []);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  });

  it('leaves containers of live owners and of other hosts alone', async () => {
    const ws = await makeWorkspace();
    // Another host's container: its owner pid is meaningless here.
    const otherHost = new DockerSandbox({ docker: env.docker, owner: { host: 'some-other-host', pid: 999_999 } });
    // This host, a pid that does not exist: a true orphan.
    const deadOwner = new DockerSandbox({
      docker: env.docker,
      owner: { host: (await import('node:os')).hostname(), pid: 2 ** 22 + 7 },
    });
    const controller = new AbortController();
    const runs = [
      otherHost.run(stepSpec(run, ws, ['sleep', '60'], { labels: { run, step: 'other-host', attempt: 1 } }), {
        signal: controller.signal,
      }),
      deadOwner.run(stepSpec(run, ws, ['sleep', '60'], { labels: { run, step: 'dead-owner', attempt: 1 } }), {
        signal: controller.signal,
      }),
      new DockerSandbox({ docker: env.docker }).run(
        stepSpec(run, ws, ['sleep', '60'], { labels: { run, step: 'live', attempt: 1 } }),
        { signal: controller.signal },
      ),
    ].map((running) => running.catch((err: unknown) => err)); // the reaped one fails (its container and /wave/out are gone)
    try {
      for (
        let i = 0;
        i < 100 && (await containersOf(env.docker, run, 'step')).filter((c) => c.State === 'running').length < 3;
        i++
      )
        await delay(100);
      const orphans = await findOrphans(env.docker, { labels: { [LABELS.run]: run } });
      assert.deepEqual(
        orphans.map((o) => o.step),
        ['dead-owner'],
        'the step, which holds its own /wave/out',
      );
      const removed = await reapOrphans(env.docker, { labels: { [LABELS.run]: run } });
      assert.equal(removed.length, 1);
      const left = (await containersOf(env.docker, run, 'step')).map((c) => c.Labels[LABELS.step]).sort();
      assert.deepEqual(left, ['live', 'other-host']);
      const volumeSteps = (await env.docker.listVolumes({ filters: { label: [`${LABELS.run}=${run}`] } })).Volumes.map(
        (v) => v.Labels[LABELS.step],
      ).sort();
      assert.deepEqual(volumeSteps, ['live', 'other-host'], "the dead owner's volume went with its containers");
    } finally {
      controller.abort();
      await Promise.allSettled(runs);
    }
  });
});
