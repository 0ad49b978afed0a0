// Attacks on the filesystem boundary: the source and the root filesystem are read-only, /wave/out is the only
// persistent place a step can write, and what it writes belongs to the invoking user on the host.
import assert from 'node:assert/strict';
import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import { cleanup, lineCollector, makeWorkspace, sandboxTestEnv, stepSpec, uniqueRunId } from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('fs');

describe('docker sandbox: filesystem boundary', { skip: env.skip }, () => {
  let sandbox: DockerSandbox;
  before(() => {
    sandbox = new DockerSandbox({ docker: env.docker });
  });
  after(() => cleanup(env.docker, run));

  it('cannot write to /wave/src, and the host source is untouched', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    const result = await sandbox.run(
      stepSpec(run, ws, ['sh', '-c', 'echo evil > /wave/src/README.md; echo $?; touch /wave/src/new; echo $?; pwd']),
      { onLine: lines.onLine },
    );
    assert.equal(result.status, 'exited');
    assert.deepEqual(lines.stdout, ['2', '1', '/wave/src']);
    assert.match(lines.stderr.join('\n'), /Read-only file system/);
    assert.equal(await readFile(join(ws.src, 'README.md'), 'utf8'), 'source snapshot\n');
  });

  it('cannot write to the root filesystem or /wave/in; /tmp and HOME are writable tmpfs', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    const script = [
      'for p in /etc/evil /usr/bin/evil /evil /wave/evil /wave/in/evil; do if touch $p 2>/dev/null; then echo "wrote $p"; else echo "denied $p"; fi; done',
      'touch /tmp/ok && echo tmp-ok',
      'touch "$HOME/ok" && echo home-ok',
      'echo "home=$HOME"',
    ].join('; ');
    const result = await sandbox.run(stepSpec(run, ws, ['sh', '-c', script]), { onLine: lines.onLine });
    assert.equal(result.exitCode, 0);
    assert.deepEqual(lines.stdout, [
      'denied /etc/evil',
      'denied /usr/bin/evil',
      'denied /evil',
      'denied /wave/evil',
      'denied /wave/in/evil',
      'tmp-ok',
      'home-ok',
      'home=/home/wave',
    ]);
  });

  it('tmpfs sizes are capped by the profile/spec', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    await sandbox.run(
      stepSpec(run, ws, ['sh', '-c', 'head -c 3m /dev/zero > /tmp/big; echo rc=$?'], {
        resources: { tmpBytes: 2 * 1024 * 1024 },
      }),
      { onLine: lines.onLine },
    );
    assert.deepEqual(lines.stdout, ['rc=1']);
    assert.match(lines.stderr.join('\n'), /No space left on device/);
  });

  it('writes to /wave/out reach the host, owned by the invoking user (root → 0:0)', async () => {
    const ws = await makeWorkspace();
    const result = await sandbox.run(
      stepSpec(run, ws, ['sh', '-c', 'mkdir /wave/out/d && echo hello > /wave/out/d/result.txt && id -u']),
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(await readFile(join(ws.out, 'd', 'result.txt'), 'utf8'), 'hello\n');
    const uid = process.getuid?.() ?? 0;
    for (const p of [ws.out, join(ws.out, 'd'), join(ws.out, 'd', 'result.txt')]) {
      const st = await stat(p);
      assert.equal(st.uid, uid, `${p} owner`);
    }
  });

  it('a non-root invoking user runs as itself: /wave/out is its own, and the host copy belongs to Wave', async () => {
    const ws = await makeWorkspace();
    await chown(ws.out, 1000, 1000); // the user's own workspace
    const asUser = new DockerSandbox({ docker: env.docker, host: { uid: 1000, gid: 1000 } });
    const lines = lineCollector();
    const result = await asUser.run(
      stepSpec(run, ws, ['sh', '-c', 'id -u; id -g; echo x > /wave/out/f; stat -c %u:%g /wave/out /wave/out/f']),
      { onLine: lines.onLine },
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.deepEqual(lines.stdout, ['1000', '1000', '1000:1000', '1000:1000']);
    // Copied out by the Wave process itself (here root, pretending to be 1000): its files, whoever Wave is.
    const st = await stat(join(ws.out, 'f'));
    assert.equal(st.uid, process.getuid?.() ?? 0);
  });

  it('setuid bits written by a step are stripped on the host', async () => {
    const ws = await makeWorkspace();
    const result = await sandbox.run(
      stepSpec(run, ws, ['sh', '-c', 'cp /bin/true /wave/out/t && chmod 6755 /wave/out/t && stat -c %a /wave/out/t']),
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(result.stdoutTail.trim(), '6755');
    const st = await stat(join(ws.out, 't'));
    assert.equal(st.mode & 0o6000, 0);
    assert.equal(st.uid, process.getuid?.() ?? 0);
  });

  it('refuses a source the container user could not read, and a missing out/, before creating anything', async () => {
    const ws = await makeWorkspace();
    await chmod(ws.src, 0o700);
    await assert.rejects(sandbox.run(stepSpec(run, ws, ['ls'])), {
      code: 'sandbox_failed',
      message: /mounts.src: .* is not readable by the container user 10001:10001/,
    });
    await chmod(ws.src, 0o755);
    await assert.rejects(sandbox.run(stepSpec(run, { ...ws, out: `${ws.out}-missing` }, ['true'])), {
      code: 'sandbox_failed',
      message: /mounts.out: .* is not a directory/,
    });
  });
});
