// Attacks on resources: a fork bomb hits the pids limit, memory past the limit is an OOM kill (no swap escape),
// and a step that runs too long is stopped and removed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import {
  cleanup,
  containersOf,
  lineCollector,
  makeWorkspace,
  sandboxTestEnv,
  stepSpec,
  uniqueRunId,
} from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('lim');

async function gone(id: string | null): Promise<boolean> {
  assert.ok(id);
  return env.docker
    .getContainer(id)
    .inspect()
    .then(
      () => false,
      (err: { statusCode?: number }) => err.statusCode === 404,
    );
}

describe('docker sandbox: resource limits', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('a fork bomb is stopped by the pids limit; the container ends and the host is fine', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    // The bomb saturates the limit; the main shell then fails to fork `sleep` and exits, and with it PID 1 and
    // every bomb process. The timeout is only a safety net.
    const script =
      'bomb() { bomb | bomb & }; bomb; sleep 3; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; echo end';
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, ['sh', '-c', script], { resources: { pids: 64 }, timeoutMs: 20_000, killGraceMs: 1000 }),
      { onLine: lines.onLine },
    );
    assert.notEqual(result.status, 'timed_out', 'the bomb outlived the safety timeout');
    assert.match(lines.stderr.join('\n'), /fork|Resource temporarily unavailable/i);
    assert.ok(await gone(result.containerId));
    assert.equal(execFileSync('sh', ['-c', 'echo host-ok']).toString().trim(), 'host-ok');
  });

  it('allocating past the memory limit is reported as oom_killed', async () => {
    const ws = await makeWorkspace();
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, ['sh', '-c', 'head -c 300m /dev/zero | tail; echo survived'], {
        resources: { memoryBytes: 64 * 1024 * 1024 },
        timeoutMs: 30_000,
      }),
    );
    assert.equal(result.status, 'oom_killed', JSON.stringify(result));
    assert.ok(await gone(result.containerId));
  });

  // A kill that did not work would leave the step sleeping: the test's own timeout fails it.
  it(
    'sleep 1000 with a 2 s timeout ends as timed_out by SIGTERM, and the container is gone',
    { timeout: 60_000 },
    async () => {
      const ws = await makeWorkspace();
      const result = await new DockerSandbox({ docker: env.docker }).run(
        stepSpec(run, ws, ['sleep', '1000'], { timeoutMs: 2000 }),
      );
      assert.equal(result.status, 'timed_out');
      assert.equal(result.exitCode, 143); // SIGTERM was enough
      assert.ok(await gone(result.containerId));
      assert.deepEqual(
        (await containersOf(env.docker, run)).map((c) => c.Id),
        [],
      );
    },
  );

  it('a step that ignores SIGTERM is SIGKILLed after the grace', { timeout: 60_000 }, async () => {
    const ws = await makeWorkspace();
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'], {
        timeoutMs: 1000,
        killGraceMs: 1000,
      }),
    );
    assert.equal(result.status, 'timed_out');
    assert.equal(result.exitCode, 137);
    assert.ok(await gone(result.containerId));
  });

  it('limits land in the engine as configured (memory = swap, NanoCpus, pids)', async () => {
    const ws = await makeWorkspace();
    let host: unknown;
    await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, ['true'], { resources: { cpus: 0.5, pids: 77, memoryBytes: 128 * 1024 * 1024 } }),
      {
        onCreated: (id) => {
          host = env.docker
            .getContainer(id)
            .inspect()
            .then((i) => i.HostConfig);
        },
      },
    );
    const hc = (await host) as Record<string, unknown>;
    assert.equal(hc.Memory, 128 * 1024 * 1024);
    assert.equal(hc.MemorySwap, 128 * 1024 * 1024);
    assert.equal(hc.NanoCpus, 500_000_000);
    assert.equal(hc.PidsLimit, 77);
    assert.equal(hc.ReadonlyRootfs, true);
    assert.equal(hc.Init, true);
    assert.equal(hc.NetworkMode, 'none');
  });
});
