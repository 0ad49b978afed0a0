// The step container piece (src/sandbox/docker/step-container.ts) against a fake engine: a create that finds no
// image is image_missing (and the image cache is told), other create failures are sandbox_failed naming the step;
// the exit code comes from the wait answer, else from the inspect, which also says whether the kernel OOM-killed it;
// output attached before the start reaches its sinks; the command's end is wave-hold's marker (taken out of stderr)
// or the container's stop; a stop's SIGKILL and the release are signals to wave-hold; a removal the engine refuses is
// a warning, a 404 is fine.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { isWaveError } from '../../../src/errors.js';
import { StepContainer } from '../../../src/sandbox/docker/step-container.js';
import { CommandOutput } from '../../../src/sandbox/output.js';

const status = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

/** A docker frame: type 1 stdout, 2 stderr. */
function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

interface FakeOptions {
  wait?: object;
  /** The wait answer comes only once this settles. */
  stopped?: Promise<void>;
  state?: object;
  removeError?: Error;
  startError?: Error;
  signals?: string[];
}

const NONCE = '0123456789abcdef0123456789abcdef';
const marker = (nonce: string, empty: boolean) => `\x1ewave-hold:${nonce}:${empty ? 1 : 0}\n`;

function fakeContainer(o: FakeOptions): { container: Docker.Container; stream: PassThrough } {
  const stream = new PassThrough();
  const container = {
    id: 'c1',
    attach: async () => stream,
    start: async () => {
      if (o.startError) throw o.startError;
    },
    kill: async ({ signal }: { signal: string }) => void o.signals?.push(signal),
    wait: async () => {
      await o.stopped;
      return o.wait ?? {};
    },
    inspect: async () => ({ State: { ExitCode: 0, OOMKilled: false, ...o.state } }),
    remove: async () => {
      if (o.removeError) throw o.removeError;
    },
  } as unknown as Docker.Container;
  return { container, stream };
}

const dockerCreating = (result: Docker.Container | Error) =>
  ({
    createContainer: async () => {
      if (result instanceof Error) throw result;
      return result;
    },
  }) as unknown as Docker;

const ctx = (onNoSuchImage: () => void = () => undefined) => ({
  step: 'build',
  image: 'wave/claude:latest',
  onNoSuchImage,
});

describe('StepContainer', () => {
  it('create: no such image is image_missing with the build hint; the cache is told to forget it', async () => {
    let forgot = false;
    const docker = dockerCreating(status(404, 'No such image: wave/claude:latest'));
    const created = StepContainer.create(
      docker,
      {},
      ctx(() => (forgot = true)),
    );
    await assert.rejects(created, (err: unknown) => {
      assert.ok(isWaveError(err));
      assert.equal(err.code, 'image_missing');
      assert.match(err.hint ?? '', /wave images build claude/);
      return true;
    });
    assert.equal(forgot, true);
  });

  it('create: any other failure is sandbox_failed naming the step and the engine’s message', async () => {
    const err = Object.assign(status(500, '(HTTP code 500) server error'), { json: { message: 'out of space' } });
    await assert.rejects(StepContainer.create(dockerCreating(err), {}, ctx()), {
      code: 'sandbox_failed',
      message: 'cannot create the container for step build: out of space',
    });
  });

  it('output attached before the start reaches the sinks; the exit code is the wait answer’s', async () => {
    const { container, stream } = fakeContainer({ wait: { StatusCode: 3 }, state: { ExitCode: 99 } });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    const output = new CommandOutput(1024);
    await step.attach(output, false, NONCE);
    await step.start();
    stream.end(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]));
    assert.deepEqual(await step.exit(1000), { exitCode: 3, oomKilled: false });
    assert.deepEqual(output.tails(), { stdoutTail: 'out\n', stderrTail: 'err\n' });
  });

  it('without a status in the wait answer, the inspect gives the exit code and the OOM kill', async () => {
    const { container, stream } = fakeContainer({ state: { ExitCode: 137, OOMKilled: true } });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    await step.attach(new CommandOutput(1024), false, NONCE);
    stream.end();
    assert.deepEqual(await step.exit(1000), { exitCode: 137, oomKilled: true });
  });

  it('a start the engine refuses is sandbox_failed naming the step, and the stream is let go', async () => {
    const { container, stream } = fakeContainer({ startError: status(500, 'no') });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    await step.attach(new CommandOutput(1024), false, NONCE);
    await assert.rejects(step.start(), {
      code: 'sandbox_failed',
      message: /cannot start the container for step build/,
    });
    assert.equal(stream.destroyed, true);
  });

  it('an image without /bin/sh: the start fails with the hint that wave-hold needs sh and sleep', async () => {
    const err = Object.assign(status(400, 'bad'), {
      json: { message: 'OCI runtime create failed: exec: "/bin/sh": stat /bin/sh: no such file or directory' },
    });
    const { container } = fakeContainer({ startError: err });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    await step.attach(new CommandOutput(1024), false, NONCE);
    await assert.rejects(step.start(), { code: 'sandbox_failed', hint: /needs \/bin\/sh and sleep/ });
  });

  it('the end is the marker (out of stderr) while the container runs; then the release, then the exit', async () => {
    let stop = () => undefined as void;
    const signals: string[] = [];
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const { container, stream } = fakeContainer({ stopped, signals, wait: { StatusCode: 4 } });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    const output = new CommandOutput(1024);
    await step.attach(output, false, NONCE);
    await step.start();
    // A marker split over frames, and one with another nonce (kept: it is the step's own text).
    const text = `partial${marker(NONCE, false)}`;
    stream.write(frame(2, `other ${marker('f'.repeat(32), true)}`));
    stream.write(frame(2, text.slice(0, 12)));
    stream.write(frame(2, text.slice(12)));
    assert.deepEqual(await step.ended(1000), { empty: false });
    await step.release();
    assert.deepEqual(signals, ['SIGUSR1']);
    stop();
    stream.end();
    assert.deepEqual(await step.exit(1000), { exitCode: 4, oomKilled: false });
    assert.equal(output.tails().stderrTail, `other ${marker('f'.repeat(32), true)}partial\n`);
  });

  it('text that only begins like a marker is held back until it is clear, and never lost', async () => {
    const { container, stream } = fakeContainer({});
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    const output = new CommandOutput(1024);
    await step.attach(output, false, NONCE);
    await step.start();
    stream.write(frame(2, 'a\x1ewave-ho'));
    stream.write(frame(2, 'ld is text\n\x1ewave-hold:'));
    stream.end();
    await step.exit(1000);
    assert.equal(output.tails().stderrTail, 'a\x1ewave-hold is text\n\x1ewave-hold:\n');
  });

  it('a container that stops without a marker has ended with no outputs to copy', async () => {
    const { container, stream } = fakeContainer({ wait: { StatusCode: 137 } });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    await step.attach(new CommandOutput(1024), false, NONCE);
    await step.start();
    stream.end();
    assert.equal(await step.ended(1000), undefined);
    assert.deepEqual(await step.exit(1000), { exitCode: 137, oomKilled: false });
  });

  it('stopped first: an "empty" marker still in the output counts, "copy now" is a lost /wave/out', async () => {
    for (const empty of [true, false]) {
      const { container, stream } = fakeContainer({});
      const step = await StepContainer.create(dockerCreating(container), {}, ctx());
      await step.attach(new CommandOutput(1024), false, NONCE);
      await step.start();
      const ended = step.ended(60_000);
      await new Promise((resolve) => setImmediate(resolve)); // the stop is seen before the marker is read
      stream.end(frame(2, marker(NONCE, empty)));
      assert.deepEqual(await ended, empty ? { empty: true } : undefined);
      await step.exit(1000);
    }
  });

  it('stopped first, the output never ending: the wait for a late marker is bounded', async () => {
    const { container } = fakeContainer({});
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    await step.attach(new CommandOutput(1024), false, NONCE);
    await step.start();
    assert.equal(await step.ended(20), undefined);
    await step.exit(20);
  });

  it('a stop: SIGTERM goes to the command, SIGKILL becomes wave-hold’s kill of everything but itself', async () => {
    const signals: string[] = [];
    const { container, stream } = fakeContainer({ signals });
    const step = await StepContainer.create(dockerCreating(container), {}, ctx());
    await step.attach(new CommandOutput(1024), false, NONCE);
    await step.start();
    await step.signal('SIGTERM');
    await step.signal('SIGKILL');
    assert.deepEqual(signals, ['SIGTERM', 'SIGUSR2']);
    stream.end();
    await step.exit(1000);
  });

  it('remove: gone already is fine; anything else is a warning, never an exception', async () => {
    const warnings: string[] = [];
    const errors = [status(404, 'no such container'), status(409, 'removal in progress'), status(500, 'busy')];
    for (const removeError of errors) {
      const step = await StepContainer.create(dockerCreating(fakeContainer({ removeError }).container), {}, ctx());
      await step.remove((w) => warnings.push(w));
    }
    assert.deepEqual(warnings, ['busy']);
  });
});
