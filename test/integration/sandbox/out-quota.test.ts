// Issue 13, finding 5 (/wave/out unbounded), attacked from inside a real container: a step that writes far past
// its byte quota as fast as it can (several writers at once), one that makes more files than its file quota, a
// sparse file that claims 100 GiB. Each is refused with the quota named, the host's out/ never holds more than
// the quota, and the step's /wave/out volume and its holder are gone afterwards. A step within its quota keeps
// every byte; what out/ held before the step is what /wave/out starts with.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import type { SandboxResources } from '../../../src/sandbox/types.js';
import { cleanup, containersOf, makeWorkspace, sandboxTestEnv, stepSpec, uniqueRunId, volumesOf } from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('quota');
const MiB = 1024 * 1024;
const QUOTA = { outBytes: 8 * MiB, outFiles: 50 };

/** Bytes of every file below dir (apparent sizes) and the number of entries. */
async function usage(dir: string): Promise<{ bytes: number; entries: number }> {
  let bytes = 0;
  let entries = 0;
  for (const name of await readdir(dir)) {
    const st = await stat(join(dir, name));
    entries++;
    if (st.isDirectory()) {
      const inner = await usage(join(dir, name));
      bytes += inner.bytes;
      entries += inner.entries;
    } else {
      bytes += st.size;
    }
  }
  return { bytes, entries };
}

async function attack(step: string, script: string, resources: SandboxResources = QUOTA) {
  const ws = await makeWorkspace();
  const result = await new DockerSandbox({ docker: env.docker }).run(
    stepSpec(run, ws, ['sh', '-c', script], { labels: { run, step, attempt: 1 }, resources }),
  );
  // Gone on the way out: nothing of this step is left on the engine.
  assert.deepEqual(
    (await containersOf(env.docker, run)).filter((c) => c.Labels['wave.step'] === step),
    [],
  );
  assert.deepEqual(
    (await volumesOf(env.docker, run)).filter((v) => v.includes(`-${step}-`)),
    [],
  );
  return { ws, result, usage: await usage(ws.out) };
}

describe('docker sandbox: /wave/out quotas (issue 13 #5)', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('writing 1 GiB as fast as it can (8 writers) against an 8 MiB quota: ENOSPC inside, refused, host bounded', async () => {
    const { result, usage: used } = await attack(
      'flood',
      'cd /wave/out; for i in 1 2 3 4 5 6 7 8; do dd if=/dev/zero of=big$i bs=1M count=128 2>/dev/null & done; wait; ls -l >&2; echo wrote',
    );
    assert.equal(result.status, 'exited');
    assert.match(result.stderrTail, /No space left on device|big/);
    assert.equal(result.outputRefused?.kind, 'quota');
    assert.match(result.outputRefused?.message ?? '', /output quota of 8 MiB \(resources\.out_size\)/);
    assert.match(result.outputRefused?.hint ?? '', /raise resources\.out_size/);
    assert.ok(used.bytes <= QUOTA.outBytes, `host out/ holds ${used.bytes} bytes`);
  });

  it('more files than the file quota: refused naming resources.out_files, host bounded', async () => {
    const { result, usage: used } = await attack(
      'many',
      'cd /wave/out; mkdir d; i=0; while [ $i -lt 500 ]; do : > d/f$i 2>/dev/null; i=$((i+1)); done; ls d | wc -l',
    );
    assert.ok(
      Number(result.stdoutTail.trim()) < 500,
      `the kernel let the step create ${result.stdoutTail.trim()} files`,
    );
    assert.equal(result.outputRefused?.kind, 'quota');
    assert.match(result.outputRefused?.message ?? '', /quota of 50 files and directories \(resources\.out_files\)/);
    assert.ok(used.entries <= QUOTA.outFiles, `host out/ holds ${used.entries} entries`);
  });

  it('a sparse file claiming 100 GiB is refused without reading it', async () => {
    const { result, usage: used } = await attack('sparse', 'truncate -s 100G /wave/out/sparse && echo made');
    assert.equal(result.stdoutTail.trim(), 'made', result.stderrTail);
    assert.equal(result.outputRefused?.kind, 'quota');
    assert.deepEqual(used, { bytes: 0, entries: 0 });
  });

  it('right at the quota everything is kept, bytes intact', async () => {
    // 49 small files, one directory, and one file filling the byte quota to the last byte.
    const script = `cd /wave/out; mkdir d; for i in $(seq 1 48); do echo $i > d/f$i; done; head -c $((${QUOTA.outBytes} - $(cat d/* | wc -c))) /dev/urandom > big; ls -R | wc -l`;
    const { result, ws, usage: used } = await attack('fits', script);
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(result.outputRefused, undefined, result.outputRefused?.message);
    assert.deepEqual(used, { bytes: QUOTA.outBytes, entries: 50 });
    assert.equal(await readFile(join(ws.out, 'd', 'f7'), 'utf8'), '7\n');
  });

  it('/wave/out starts with what out/ held, writable by the step; out/ ends with /wave/out', async () => {
    const ws = await makeWorkspace();
    await writeFile(join(ws.out, 'given.txt'), 'given\n');
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(
        run,
        ws,
        [
          'sh',
          '-c',
          'cat /wave/out/given.txt && echo more >> /wave/out/given.txt && rm -f /wave/out/gone && echo new > /wave/out/new.txt',
        ],
        {
          labels: { run, step: 'seeded', attempt: 1 },
          resources: QUOTA,
        },
      ),
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(result.stdoutTail.trim(), 'given');
    assert.deepEqual((await readdir(ws.out)).sort(), ['given.txt', 'new.txt']);
    assert.equal(await readFile(join(ws.out, 'given.txt'), 'utf8'), 'given\nmore\n');
  });

  it('refuses a quota larger than the memory limit before creating anything', async () => {
    const ws = await makeWorkspace();
    await assert.rejects(
      new DockerSandbox({ docker: env.docker }).run(
        stepSpec(run, ws, ['true'], {
          labels: { run, step: 'toolarge', attempt: 1 },
          resources: { outBytes: 64 * MiB, memoryBytes: 32 * MiB },
        }),
      ),
      { code: 'sandbox_failed', message: /quota .* is larger than the memory limit/ },
    );
    assert.deepEqual(
      (await volumesOf(env.docker, run)).filter((v) => v.includes('-toolarge-')),
      [],
    );
  });
});
