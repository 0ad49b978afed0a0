// Attacks on the environment boundary: a step sees exactly the variables it was given (plus the runtime's fixed
// few), nothing of Wave's own environment, and a secret passed in the env shows up nowhere but Config.Env —
// not in the engine's view of the container, not in labels, not on any argv, not in what the sandbox logs.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import {
  TEST_IMAGE,
  cleanup,
  lineCollector,
  makeWorkspace,
  recordingLogger,
  sandboxTestEnv,
  stepSpec,
  uniqueRunId,
} from './support.js';

const env = await sandboxTestEnv();
const run = uniqueRunId('env');

describe('docker sandbox: environment boundary', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('env inside is exactly: declared + image ENV + HOME, HOSTNAME, WAVE_* (+ PWD from the entrypoint shell)', async () => {
    process.env.WAVE_TEST_HOST_ONLY = 'host-secret-must-not-leak';
    try {
      const ws = await makeWorkspace();
      const sandbox = new DockerSandbox({ docker: env.docker });
      const lines = lineCollector();
      const result = await sandbox.run(
        stepSpec(run, ws, ['env'], { env: { FOO: 'bar', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' } }),
        { onLine: lines.onLine },
      );
      assert.equal(result.exitCode, 0);
      const seen = Object.fromEntries(
        lines.stdout.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const imageEnv = ((await env.docker.getImage(TEST_IMAGE).inspect()).Config.Env ?? []).map((e) =>
        e.slice(0, e.indexOf('=')),
      );
      // PWD: the image's entrypoint is a shell script, and a shell exports the working directory it starts in.
      const expected = new Set([
        'FOO',
        'ANTHROPIC_BASE_URL',
        'PATH',
        'HOME',
        'HOSTNAME',
        'PWD',
        'WAVE_SRC',
        'WAVE_IN',
        'WAVE_OUT',
        ...imageEnv,
      ]);
      assert.deepEqual(Object.keys(seen).sort(), [...expected].sort());
      assert.equal(seen.FOO, 'bar');
      assert.equal(seen.HOME, '/home/wave');
      assert.equal(seen.WAVE_SRC, '/wave/src');
      assert.equal(seen.WAVE_IN, '/wave/in');
      assert.equal(seen.WAVE_OUT, '/wave/out');
      assert.ok(!lines.stdout.join('\n').includes('host-secret-must-not-leak'));
    } finally {
      delete process.env.WAVE_TEST_HOST_ONLY;
    }
  });

  it('the spec cannot override the runtime variables', async () => {
    const ws = await makeWorkspace();
    const sandbox = new DockerSandbox({ docker: env.docker });
    await assert.rejects(sandbox.run(stepSpec(run, ws, ['env'], { env: { WAVE_OUT: '/etc' } })), {
      code: 'sandbox_failed',
    });
    await assert.rejects(sandbox.run(stepSpec(run, ws, ['env'], { env: { 'BAD NAME': 'x' } })), {
      code: 'sandbox_failed',
    });
  });

  it('a canary secret appears only in Config.Env: not in inspect, labels, argv, or the sandbox log', async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}-secret`;
    const ws = await makeWorkspace();
    const logger = recordingLogger();
    const sandbox = new DockerSandbox({ docker: env.docker, logger });
    let inspected: Promise<unknown> | undefined;
    const lines = lineCollector();
    const result = await sandbox.run(
      // The step itself proves it got the value, without printing it.
      stepSpec(
        run,
        ws,
        ['sh', '-c', 'printf %s "$API_KEY" | wc -c; for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < $f; echo; done'],
        {
          env: { API_KEY: canary },
        },
      ),
      {
        onLine: lines.onLine,
        onCreated: (id) => {
          inspected = env.docker.getContainer(id).inspect();
        },
      },
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    assert.equal(lines.stdout[0], String(canary.length));
    // argv of every process inside the container
    assert.ok(
      lines.stdout.some((l) => l.includes('docker-init')),
      'process list was read',
    );
    assert.ok(!lines.stdout.join('\n').includes(canary), 'canary on a process argv inside');
    const info = (await inspected) as { Config: { Env: string[] } & Record<string, unknown> } & Record<string, unknown>;
    assert.ok(info.Config.Env.includes(`API_KEY=${canary}`), 'canary passed via Config.Env');
    const withoutEnv = { ...info, Config: { ...info.Config, Env: undefined } };
    assert.ok(!JSON.stringify(withoutEnv).includes(canary), 'canary outside Config.Env in inspect');
    assert.ok(logger.records.length > 0, 'the sandbox logged something');
    assert.ok(!logger.records.join('\n').includes(canary), 'canary in the sandbox log');
    assert.ok(!JSON.stringify(result).includes(canary), 'canary in the result');
  });

  it('no process on the host has the canary on its argv while the step runs', async () => {
    const canary = `hostargv-${Math.random().toString(36).slice(2)}`;
    const ws = await makeWorkspace();
    const sandbox = new DockerSandbox({ docker: env.docker });
    const { readdir, readFile } = await import('node:fs/promises');
    const found: string[] = [];
    let scanned = false;
    let scan: Promise<void> = Promise.resolve();
    const scanProcesses = async () => {
      for (const pid of await readdir('/proc').catch(() => [])) {
        if (!/^\d+$/.test(pid)) continue;
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmd.includes(canary)) found.push(pid);
      }
      scanned = true;
    };
    await sandbox.run(stepSpec(run, ws, ['sleep', '1'], { env: { TOKEN: canary } }), {
      onCreated: () => {
        scan = new Promise<void>((resolve) => setTimeout(resolve, 300)).then(scanProcesses);
      },
    });
    await scan;
    assert.ok(scanned, 'the host processes were scanned while the step ran');
    assert.deepEqual(found, []);
  });
});
