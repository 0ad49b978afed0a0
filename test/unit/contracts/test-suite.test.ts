// test_suite against an in-memory sandbox: what the contract asks the sandbox for (sh -c, the image, network none,
// the timeout, a private copy of the outputs at /wave/out, the source at /wave/src), and how a failure reads.
// The real container is exercised in test/integration/contracts/test-suite.test.ts.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TEST_TIMEOUT_MS, runContracts } from '../../../src/contracts/index.js';
import { OutputTail, StreamTails } from '../../../src/contracts/output-tail.js';
import { contractCommandRunner } from '../../../src/engine/command-step.js';
import type { OutputLine, Sandbox, SandboxResult, SandboxRunOptions, SandboxSpec } from '../../../src/sandbox/types.js';
import { context, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

class FakeSandbox implements Sandbox {
  readonly kind = 'host' as const;
  specs: SandboxSpec[] = [];
  seenOutput: string | undefined;
  constructor(
    private readonly lines: string[],
    private readonly result: Partial<SandboxResult>,
  ) {}
  async run(spec: SandboxSpec, options: SandboxRunOptions = {}): Promise<SandboxResult> {
    this.specs.push(spec);
    this.seenOutput = await readFile(path.join(spec.mounts.out, 'answer.txt'), 'utf8');
    await writeFile(path.join(spec.mounts.out, 'answer.txt'), 'overwritten by the test command');
    for (const text of this.lines) {
      const line: OutputLine = { stream: text.startsWith('E:') ? 'stderr' : 'stdout', text, truncatedBytes: 0 };
      await options.onLine?.(line);
    }
    return {
      status: 'exited',
      exitCode: 0,
      durationMs: 12,
      containerId: 'fake',
      stdoutTail: '',
      stderrTail: '',
      ...this.result,
    };
  }
}

async function runWith(sandbox: Sandbox, spec: Record<string, unknown>) {
  const out = await outFolder({ 'answer.txt': '42' });
  const src = await outFolder({ 'README.md': 'src' });
  const run = await runContracts(
    [{ type: 'test_suite', command: 'test "$(cat /wave/out/answer.txt)" = 42', ...spec }],
    context(out, [], {
      runCommand: contractCommandRunner({ sandbox, srcDir: src, labels: { run: 'r1', step: 's1', attempt: 2 } }),
      image: 'step/image:1',
    }),
  );
  return { run, out, src };
}

describe('test_suite (fake sandbox)', () => {
  it('runs sh -c in the step image, no network, default timeout, on a copy of the outputs', async () => {
    const sandbox = new FakeSandbox(['ok'], {});
    const { run, out, src } = await runWith(sandbox, {});
    assert.equal(run.passed, true);
    const spec = sandbox.specs[0];
    assert.ok(spec);
    assert.deepEqual(spec.argv, ['sh', '-c', 'test "$(cat /wave/out/answer.txt)" = 42']);
    assert.equal(spec.image, 'step/image:1');
    assert.equal(spec.network, 'none');
    assert.equal(spec.timeoutMs, DEFAULT_TEST_TIMEOUT_MS);
    assert.deepEqual(spec.labels, { run: 'r1', step: 's1', attempt: 2 });
    assert.equal(spec.mounts.src, src);
    assert.notEqual(spec.mounts.out, out, 'the command gets a copy of the outputs');
    assert.equal(sandbox.seenOutput, '42');
    // What the command wrote went to the copy, which is gone; the step's outputs are as they were checked.
    assert.equal(await readFile(path.join(out, 'answer.txt'), 'utf8'), '42');
    await assert.rejects(stat(spec.mounts.out));
  });

  it("uses the contract's image and timeout when given", async () => {
    const sandbox = new FakeSandbox([], {});
    await runWith(sandbox, { image: 'node:20', timeout: '1m30s' });
    assert.equal(sandbox.specs[0]?.image, 'node:20');
    assert.equal(sandbox.specs[0]?.timeoutMs, 90_000);
  });

  it('a non-zero exit fails with the code and the tail of the output', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => `line ${i + 1}`);
    const { run } = await runWith(new FakeSandbox(lines, { exitCode: 3 }), {});
    const r = run.results[0];
    assert.equal(r?.ok, false);
    assert.equal(r?.hard, true);
    const message = r?.errors[0]?.message ?? '';
    assert.match(
      message,
      /^`test "\$\(cat \/wave\/out\/answer.txt\)" = 42` exited with code 3; last output:\n… \(30 earlier lines omitted\)\nline 31\n/,
    );
    assert.match(message, /line 80$/);
    assert.ok(!message.includes('line 30\n'));
    assert.equal(r?.details.exitCode, 3);
  });

  it('a timeout and an OOM kill say so', async () => {
    const t = (await runWith(new FakeSandbox([], { status: 'timed_out', exitCode: 143 }), { timeout: '30s' })).run
      .results[0];
    assert.match(t?.errors[0]?.message ?? '', /timed out after 30s; \(no output\)$/);
    const o = (await runWith(new FakeSandbox(['Killed'], { status: 'oom_killed', exitCode: 137 }), {})).run.results[0];
    assert.match(o?.errors[0]?.message ?? '', /was killed: out of memory; last output:\nKilled$/);
  });

  it('a cancelled sandbox run cancels the evaluation', async () => {
    await assert.rejects(runWith(new FakeSandbox([], { status: 'cancelled', exitCode: null }), {}), {
      code: 'cancelled',
    });
  });

  it('without a sandbox it is a hard configuration error, never a pass', async () => {
    const out = await outFolder();
    const r = (await runContracts([{ type: 'test_suite', command: 'true', on_failure: 'warn' }], context(out)))
      .results[0];
    assert.equal(r?.hard, true);
    assert.match(r?.errors[0]?.message ?? '', /no sandbox/);
  });
});

describe('StreamTails', () => {
  it('shows stdout and stderr apart, sharing 50 lines', () => {
    const tails = new StreamTails();
    for (let i = 1; i <= 60; i++) tails.push('stdout', `out ${i}`);
    for (let i = 1; i <= 30; i++) tails.push('stderr', `err ${i}`);
    const text = tails.toString();
    assert.match(text, /^\[stdout\]\n… \(35 earlier lines omitted\)\nout 36\n/);
    assert.match(text, /out 60\n\[stderr\]\n… \(5 earlier lines omitted\)\nerr 6\n/);
    assert.match(text, /err 30$/);
  });

  it('gives the whole budget to the only stream that printed', () => {
    const tails = new StreamTails();
    for (let i = 1; i <= 60; i++) tails.push('stderr', `err ${i}`);
    assert.match(tails.toString(), /^… \(10 earlier lines omitted\)\nerr 11\n/);
  });
});

describe('OutputTail', () => {
  it('keeps at most 8 KiB, cutting the start of an enormous line', () => {
    const tail = new OutputTail();
    tail.push('first');
    tail.push('x'.repeat(20_000) + 'END');
    const text = tail.toString();
    assert.ok(Buffer.byteLength(text) <= 8 * 1024 + 64, String(Buffer.byteLength(text)));
    assert.match(text, /END$/);
    assert.match(text, /^… \(1 earlier lines omitted\)\n…x/);
  });
});
