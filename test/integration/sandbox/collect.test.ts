// Collection against what a hostile step really leaves in /wave/out: links out of the directory, hard links,
// fifos, oversize files; and declared paths that try to climb out. Links and special files are refused already
// while /wave/out is copied out of its volume (the result's outputRefused names the path; nothing reaches the
// host); limits and declared paths are WaveError('artifact_rejected') from collection, and nothing outside out/
// is read.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { collectOutputs } from '../../../src/sandbox/collect.js';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import { cleanup, makeWorkspace, sandboxTestEnv, stepSpec, uniqueRunId } from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('col');

async function stepWrites(script: string) {
  const ws = await makeWorkspace();
  const result = await new DockerSandbox({ docker: env.docker }).run(
    stepSpec(run, ws, ['sh', '-c', `set -e; cd /wave/out; ${script}`]),
  );
  assert.equal(result.exitCode, 0, result.stderrTail);
  return { ...ws, result };
}

/** The step ran fine, but what it left was refused on the way out: named, and nothing of it on the host. */
async function refusedOnTheWayOut(script: string, message: RegExp) {
  const ws = await stepWrites(`echo fine > fine.txt; ${script}`);
  assert.equal(ws.result.outputRefused?.kind, 'unsafe');
  assert.match(ws.result.outputRefused?.message ?? '', message);
  assert.deepEqual(await readdir(ws.out), []);
}

describe('collection of what a step wrote', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('accepts regular files and returns a manifest with sizes and sha256', async () => {
    const ws = await stepWrites('mkdir -p reports; printf hello > reports/a.txt; printf "" > empty');
    const manifest = await collectOutputs(ws.out, { declared: ['reports/a.txt', 'reports', 'missing.json'] });
    assert.deepEqual(manifest.files, [
      { path: 'empty', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      { path: 'reports/a.txt', size: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
    ]);
    assert.deepEqual(manifest.missing, ['missing.json']);
  });

  it('rejects a symlink to /etc/passwd', async () => {
    await refusedOnTheWayOut('ln -s /etc/passwd passwd', /"passwd".*symbolic link/);
  });

  it('rejects a symlinked directory pointing out of out/', async () => {
    await refusedOnTheWayOut('mkdir d; ln -s /etc d/etc', /"d\/etc".*symbolic link/);
  });

  it('rejects a hard link', async () => {
    await refusedOnTheWayOut('echo a > a; ln a b', /"(a|b)".*hard link/);
  });

  it('rejects a fifo (without blocking on it)', async () => {
    await refusedOnTheWayOut('mkfifo pipe', /"pipe".*fifo/);
  });

  it('rejects output over the size limit', async () => {
    const ws = await stepWrites('head -c 2m /dev/zero > big');
    await assert.rejects(collectOutputs(ws.out, { maxTotalBytes: 1024 * 1024 }), {
      code: 'artifact_rejected',
      message: /"big".*size limit/,
    });
  });

  it('rejects too many entries', async () => {
    const ws = await stepWrites('for i in $(seq 1 50); do : > f$i; done');
    await assert.rejects(collectOutputs(ws.out, { maxEntries: 20 }), {
      code: 'artifact_rejected',
      message: /too many entries/,
    });
  });

  it('rejects declared paths that traverse (../x, absolute, NUL)', async () => {
    const ws = await stepWrites('echo x > x');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'x\0y']) {
      await assert.rejects(collectOutputs(ws.out, { declared: [bad] }), { code: 'artifact_rejected' }, bad);
    }
  });
});
