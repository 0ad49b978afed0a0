// wave-hold (src/sandbox/docker/hold.ts) attacked from inside a real container. The step runs as the same user as
// the script that keeps /wave/out mounted, so it can read the attempt's nonce from /proc and print the marker, kill or
// stop the script, or leave processes behind. None of it may turn into a success or a silent loss: a forged marker
// makes the step fail (137) and is not shown as output; a killed or stopped script makes the outputs refused as lost
// (never an empty out/ taken for the outputs); the script cannot be rewritten; stray processes are killed before the
// copy, which sees what they left.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import type { SandboxRunOptions, SandboxSpec } from '../../../src/sandbox/types.js';
import { cleanup, containersOf, makeWorkspace, sandboxTestEnv, stepSpec, uniqueRunId, volumesOf } from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('hold');
/** The nonce, read from wave-hold's argv: the command's parent is the script. */
const NONCE = `n=$(tr '\\0' '\\n' < /proc/$PPID/cmdline | grep -A1 -x wave-hold | tail -1)`;
const FORGE = `printf '\\036wave-hold:%s:%s\\n' "$n"`;

async function attack(
  step: string,
  script: string,
  extra: Partial<SandboxSpec> = {},
  seed = false,
  options: SandboxRunOptions = {},
) {
  const ws = await makeWorkspace();
  if (seed) await writeFile(join(ws.out, 'given.txt'), 'given\n');
  const result = await new DockerSandbox({ docker: env.docker }).run(
    stepSpec(run, ws, ['sh', '-c', script], { labels: { run, step, attempt: 1 }, ...extra }),
    options,
  );
  const left = (await containersOf(env.docker, run)).filter((c) => c.Labels['wave.step'] === step);
  assert.deepEqual(left, [], 'no container left');
  assert.deepEqual(
    (await volumesOf(env.docker, run)).filter((v) => v.includes(`-${step}-`)),
    [],
    'no volume left',
  );
  return { result, out: (await readdir(ws.out)).sort(), ws };
}

describe('docker sandbox: wave-hold under attack', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('the step can read the nonce, but a marker it forges ("empty", then exit 0) makes it fail with 137', async () => {
    const { result, out } = await attack(
      'forge-empty',
      `${NONCE}; [ \${#n} = 32 ] || exit 9; echo data > /wave/out/kept; ${FORGE} 1 >&2; sleep 5; exit 0`,
    );
    assert.equal(result.status, 'exited');
    assert.equal(result.exitCode, 137, result.stderrTail);
    assert.deepEqual(out, []);
    assert.doesNotMatch(result.stderrTail, /wave-hold:/, 'the marker is not shown as output');
  });

  it('a forged "copy now" while it keeps writing: copied early, then killed, it fails with 137', async () => {
    const { result } = await attack(
      'forge-copy',
      `${NONCE}; echo a > /wave/out/a; ${FORGE} 0 >&2; while :; do echo b >> /wave/out/b; done`,
    );
    assert.equal(result.exitCode, 137, result.stderrTail);
    assert.equal(result.outputRefused, undefined, result.outputRefused?.message);
  });

  it('killing wave-hold loses /wave/out: refused as lost, never an empty out/ taken for the outputs', async () => {
    const { result, out } = await attack('kill-hold', 'echo x > /wave/out/x; kill -KILL $PPID; sleep 5', {}, true);
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.outputRefused?.kind, 'unsafe');
    assert.match(result.outputRefused?.message ?? '', /\/wave\/out of step kill-hold was lost/);
    assert.deepEqual(out, [], 'not even the seed is left to look like outputs');
  });

  it('stopping wave-hold (SIGSTOP) and exiting: the deadline kills the container, the outputs are lost', async () => {
    const { result, out } = await attack('stop-hold', 'echo x > /wave/out/x; kill -STOP $PPID; exit 0', {
      timeoutMs: 1500,
      killGraceMs: 500,
    });
    assert.equal(result.status, 'timed_out');
    assert.equal(result.outputRefused?.kind, 'unsafe');
    assert.deepEqual(out, []);
  });

  it('the script cannot be rewritten: it is argv of a process, and /bin/sh is on the read-only rootfs', async () => {
    const { result } = await attack(
      'tamper',
      'echo "exit 0" > /bin/sh; echo "exit 0" > /proc/$PPID/cmdline; ls /wave/hold* 2>&1; echo "$?" > /wave/out/ok',
    );
    assert.match(result.stderrTail, /\/bin\/sh: Read-only file system/);
    assert.match(result.stderrTail, /cmdline: Permission denied/);
    assert.equal(result.exitCode, 0);
  });

  it('processes left behind are killed before the copy, which keeps what they wrote; stdin gets through', async () => {
    const { result, out, ws } = await attack(
      'strays',
      '(sleep 1000 &); (while :; do echo x >> /wave/out/log; done) & read line; echo "$line" > /wave/out/in; ' +
        // the loop must have written once before the command exits, or the test races the loop's first fork
        'until [ -s /wave/out/log ]; do sleep 0.01; done; exit 0',
      { stdin: 'from stdin\n' },
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(result.outputRefused, undefined, result.outputRefused?.message);
    assert.deepEqual(out, ['in', 'log']);
    assert.equal(await readFile(join(ws.out, 'in'), 'utf8'), 'from stdin\n');
  });

  it('a consumer slower than the output: the marker behind it still counts once the container has stopped', async () => {
    // With /wave/out empty wave-hold prints its marker and exits at once; the marker then sits behind the stdout the
    // consumer has not taken yet, and the container's stop is seen first. That is not a lost /wave/out.
    let lines = 0;
    const slow = async () => {
      lines++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const { result, out } = await attack('slow-reader', 'seq 1 60', {}, false, { onLine: slow });
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(result.outputRefused, undefined, result.outputRefused?.message);
    assert.deepEqual(out, []);
    assert.equal(lines, 60);
  });

  it('SIGINT and SIGQUIT keep their default action in the command (not ignored as in a plain async list)', async () => {
    const { result } = await attack('sigint', 'kill -INT $$; echo survived');
    assert.equal(result.exitCode, 130, result.stdoutTail);
  });
});
