// Attacks on privilege: no capabilities, no root, no privilege gain, no network but loopback, no device nodes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import { cleanup, lineCollector, makeWorkspace, sandboxTestEnv, stepSpec, uniqueRunId } from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('sec');

describe('docker sandbox: privileges and network', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('CapEff/CapPrm/CapBnd are 0, NoNewPrivs is set, uid is not 0, PID 1 is an init', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, [
        'sh',
        '-c',
        'grep -E "^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; echo "uid=$(id -u)"; echo "pid1=$(cat /proc/1/comm)"',
      ]),
      { onLine: lines.onLine },
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    const status = Object.fromEntries(lines.stdout.map((l) => l.split(/[:=]\s*/) as [string, string]));
    assert.equal(BigInt(`0x${status.CapEff}`), 0n);
    assert.equal(BigInt(`0x${status.CapPrm}`), 0n);
    assert.equal(BigInt(`0x${status.CapBnd}`), 0n);
    assert.equal(status.NoNewPrivs, '1');
    assert.notEqual(status.uid, '0');
    assert.equal(status.pid1, 'docker-init');
  });

  it('only the loopback interface exists', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    await new DockerSandbox({ docker: env.docker }).run(stepSpec(run, ws, ['ls', '/sys/class/net']), {
      onLine: lines.onLine,
    });
    assert.deepEqual(lines.stdout, ['lo']);
  });

  it('cannot create device nodes, mount, or become root', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    const script = [
      'mknod /tmp/sda b 8 0 2>/dev/null && echo mknod-ok || echo mknod-denied',
      'mount -t tmpfs x /tmp 2>/dev/null && echo mount-ok || echo mount-denied',
      'su -c id root </dev/null 2>/dev/null && echo su-ok || echo su-denied',
    ].join('; ');
    await new DockerSandbox({ docker: env.docker }).run(stepSpec(run, ws, ['sh', '-c', script]), {
      onLine: lines.onLine,
    });
    assert.deepEqual(lines.stdout, ['mknod-denied', 'mount-denied', 'su-denied']);
  });
});
