// The process boundary as the engine sees it: exit codes kept, stdin carries the prompt, stdout and stderr arrive
// separately and in order, long lines intact, over-long lines truncated with a marker, cancel stops the step.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DockerSandbox } from '../../../src/sandbox/docker/sandbox.js';
import { loadSandboxProfile } from '../../../src/sandbox/profile.js';
import type { OutputLine } from '../../../src/sandbox/types.js';
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
const run = uniqueRunId('io');

describe('docker sandbox: streams, exit codes, cancellation', { skip: env.skip }, () => {
  after(() => cleanup(env.docker, run));

  it('keeps exit codes (including 127 for a missing command)', async () => {
    const ws = await makeWorkspace();
    const sandbox = new DockerSandbox({ docker: env.docker });
    const [a, b, c] = await Promise.all([
      sandbox.run(stepSpec(run, ws, ['sh', '-c', 'exit 42'])),
      sandbox.run(stepSpec(run, ws, ['true'])),
      sandbox.run(stepSpec(run, ws, ['/no/such/command'])),
    ]);
    assert.deepEqual([a.status, a.exitCode], ['exited', 42]);
    assert.deepEqual([b.status, b.exitCode], ['exited', 0]);
    assert.equal(b.stderrTail, '', 'nothing on stderr (no second init complaining it is not PID 1)');
    assert.equal(c.status, 'exited');
    assert.equal(c.exitCode, 127);
  });

  it('stdin delivers the prompt (multi-line, UTF-8, 1 MiB) and is closed after it', async () => {
    const ws = await makeWorkspace();
    const prompt = `Summarize: héllo wörld ✓\nsecond line\n${'x'.repeat(1024 * 1024)}\nend`;
    const lines = lineCollector();
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, ['sh', '-c', 'head -n 2; wc -c; echo eof'], { stdin: prompt }),
      { onLine: lines.onLine },
    );
    assert.equal(result.exitCode, 0, result.stderrTail);
    const rest = Buffer.byteLength(prompt) - Buffer.byteLength('Summarize: héllo wörld ✓\nsecond line\n');
    // `head` may read ahead past its two lines; what matters is that the prompt arrives and EOF follows.
    assert.deepEqual(lines.stdout.slice(0, 2), ['Summarize: héllo wörld ✓', 'second line']);
    assert.ok(Number(lines.stdout[2]) <= rest);
    assert.equal(lines.stdout[3], 'eof');
  });

  it('stdin round-trips exactly through cat', async () => {
    const ws = await makeWorkspace();
    const prompt = 'line one\nline two ✓\n';
    const lines = lineCollector();
    await new DockerSandbox({ docker: env.docker }).run(stepSpec(run, ws, ['cat'], { stdin: prompt }), {
      onLine: lines.onLine,
    });
    assert.deepEqual(lines.stdout, ['line one', 'line two ✓']);
  });

  it('demultiplexes stderr from stdout, in order per stream', async () => {
    const ws = await makeWorkspace();
    const lines = lineCollector();
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, [
        'sh',
        '-c',
        'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; printf tail-without-newline',
      ]),
      { onLine: lines.onLine },
    );
    assert.deepEqual(lines.stdout, ['out1', 'out2', 'out3', 'out4', 'out5', 'tail-without-newline']);
    assert.deepEqual(lines.stderr, ['err1', 'err2', 'err3', 'err4', 'err5']);
    assert.equal(result.stderrTail, 'err1\nerr2\nerr3\nerr4\nerr5\n');
  });

  it('a 5 MB single line comes through intact, with backpressure from a slow consumer', async () => {
    const ws = await makeWorkspace();
    const got: OutputLine[] = [];
    const result = await new DockerSandbox({ docker: env.docker }).run(
      stepSpec(run, ws, ['sh', '-c', "head -c 5000000 /dev/zero | tr '\\0' a; echo; echo after"]),
      {
        onLine: async (l) => {
          got.push(l);
          await delay(20); // slow consumer
        },
      },
    );
    assert.equal(result.exitCode, 0);
    assert.equal(got.length, 2);
    assert.equal(got[0]?.text.length, 5_000_000);
    assert.ok(/^a+$/.test(got[0]?.text ?? ''));
    assert.equal(got[0]?.truncatedBytes, 0);
    assert.equal(got[1]?.text, 'after');
  });

  it('a line over the limit is truncated with the dropped byte count, and the next line is intact', async () => {
    const ws = await makeWorkspace();
    const profile = { ...loadSandboxProfile(), maxLineBytes: 1024 * 1024 };
    const got: OutputLine[] = [];
    await new DockerSandbox({ docker: env.docker, profile }).run(
      stepSpec(run, ws, ['sh', '-c', "head -c 3000000 /dev/zero | tr '\\0' b; echo; echo next"]),
      { onLine: (l) => void got.push(l) },
    );
    assert.equal(got.length, 2);
    assert.equal(got[0]?.text.length, 1024 * 1024);
    assert.equal(got[0]?.truncatedBytes, 3_000_000 - 1024 * 1024);
    assert.deepEqual([got[1]?.text, got[1]?.truncatedBytes], ['next', 0]);
  });

  it('AbortSignal cancels a running step: status cancelled, container removed', { timeout: 60_000 }, async () => {
    const ws = await makeWorkspace();
    const controller = new AbortController();
    const pending = new DockerSandbox({ docker: env.docker }).run(stepSpec(run, ws, ['sleep', '1000']), {
      signal: controller.signal,
      onCreated: () => setTimeout(() => controller.abort(), 700),
    });
    const result = await pending;
    assert.equal(result.status, 'cancelled');
    assert.ok(result.containerId);
    await assert.rejects(env.docker.getContainer(result.containerId).inspect(), { statusCode: 404 });
  });

  it('an already aborted signal creates nothing', async () => {
    const ws = await makeWorkspace();
    const before = (await containersOf(env.docker, run)).length;
    const result = await new DockerSandbox({ docker: env.docker }).run(stepSpec(run, ws, ['true']), {
      signal: AbortSignal.abort(),
    });
    assert.deepEqual([result.status, result.containerId], ['cancelled', null]);
    assert.equal((await containersOf(env.docker, run)).length, before);
  });

  it('a throwing line consumer stops the step and the error surfaces; nothing is left behind', async () => {
    const ws = await makeWorkspace();
    await assert.rejects(
      new DockerSandbox({ docker: env.docker }).run(stepSpec(run, ws, ['sh', '-c', 'echo first; sleep 1000']), {
        onLine: () => {
          throw new Error('parser exploded');
        },
      }),
      /parser exploded/,
    );
    assert.deepEqual(await containersOf(env.docker, run), []);
  });

  it('a missing image is image_missing with the build command as hint; network other than none is refused', async () => {
    const ws = await makeWorkspace();
    const sandbox = new DockerSandbox({ docker: env.docker });
    await assert.rejects(sandbox.run({ ...stepSpec(run, ws, ['true']), image: 'wave/definitely-missing:latest' }), {
      code: 'image_missing',
      hint: 'build it with: wave images build definitely-missing',
    });
    await assert.rejects(sandbox.run({ ...stepSpec(run, ws, ['true']), network: 'bridge' as 'none' }), {
      code: 'sandbox_failed',
      message: /network "bridge" is not supported/,
    });
  });
});
