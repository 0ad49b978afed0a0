// test_suite in a real container (the Docker sandbox, wave/base:latest): the command sees the step's outputs at
// /wave/out and the source at /wave/src, has no network, cannot change the outputs the next step receives, is
// stopped at its timeout, and a failing suite reports its exit code and the tail of its output.
// Skipped locally without a Docker engine or the image; fails under CI=true.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { nanoid } from 'nanoid';
import { runContracts, type ContractInput } from '../../../src/contracts/index.js';
import { contractCommandRunner } from '../../../src/engine/command-step.js';
import { DockerSandbox, LABELS } from '../../../src/sandbox/index.js';
import { dockerForTests, imageForTests, TEST_IMAGE } from '../../support/docker.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));
const runId = `test-contracts-${nanoid(6).replace(/[^a-zA-Z0-9]/g, 'x')}`;
const roots: string[] = [];

async function step(files: Record<string, string>) {
  const root = await mkdtemp(path.join(tmpdir(), 'wave-contract-it-'));
  roots.push(root);
  await chmod(root, 0o755);
  const src = path.join(root, 'src');
  const out = path.join(root, 'out');
  await mkdir(src, { mode: 0o755 });
  await mkdir(out, { mode: 0o755 });
  await writeFile(path.join(src, 'README.md'), 'source snapshot\n');
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(out, name), content);
  return { src, out };
}

async function check(
  command: string,
  extra: Partial<ContractInput> = {},
  files: Record<string, string> = { 'answer.txt': '42\n' },
) {
  const ws = await step(files);
  const run = await runContracts([{ type: 'test_suite', command, ...extra }], {
    outDir: ws.out,
    outputs: [],
    resolvePath: (p) => p,
    runCommand: contractCommandRunner({
      sandbox: new DockerSandbox({ docker }),
      srcDir: ws.src,
      labels: { run: runId, step: 'contracts', attempt: 1 },
    }),
    image: TEST_IMAGE,
  });
  const result = run.results[0];
  assert.ok(result);
  return { result, ...ws };
}

describe('test_suite in the Docker sandbox', { skip }, () => {
  after(async () => {
    const left = await docker
      .listContainers({ all: true, filters: { label: [`${LABELS.run}=${runId}`] } })
      .catch(() => []);
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
    assert.equal(left.length, 0, 'the sandbox removes every container it created');
  });

  it('passes when the command exits 0; it sees the outputs and the source', async () => {
    const { result } = await check(
      'test "$(cat /wave/out/answer.txt)" = 42 && grep -q snapshot /wave/src/README.md && echo ok',
    );
    assert.deepEqual(result.errors, []);
    assert.equal(result.ok, true);
    assert.equal(result.details.exitCode, 0);
    assert.equal(result.details.outputTail, 'ok');
  });

  it('a failing suite reports its exit code and the tail of its output (stdout and stderr)', async () => {
    const script =
      'for i in $(seq 1 80); do echo "test $i passed"; done; echo "FAIL: expected 42, got 41" >&2; echo "1 failed, 80 passed"; exit 3';
    const { result } = await check(script);
    assert.equal(result.ok, false);
    assert.equal(result.hard, true);
    assert.equal(result.details.exitCode, 3);
    const message = result.errors[0]?.message ?? '';
    // stdout (81 lines) and stderr (1 line) are shown apart: the engine keeps each stream's order, not the order
    // between them. stderr takes its line, stdout the other 49 of the 50.
    assert.match(
      message,
      /exited with code 3; last output:\n\[stdout\]\n… \(32 earlier lines omitted\)\ntest 33 passed\n/,
    );
    assert.match(message, /test 80 passed\n1 failed, 80 passed\n\[stderr\]\nFAIL: expected 42, got 41$/);
    assert.ok(!message.includes('test 32 passed'));
  });

  it('has no network and cannot change the outputs the next step receives', async () => {
    const { result, out } = await check(
      'test "$(ls /sys/class/net)" = lo && echo 41 > /wave/out/answer.txt && cat /wave/out/answer.txt',
    );
    assert.deepEqual(result.errors, []);
    assert.equal(result.details.outputTail, '41');
    assert.equal(await readFile(path.join(out, 'answer.txt'), 'utf8'), '42\n');
  });

  it('is stopped at its timeout', async () => {
    const { result } = await check('echo started; sleep 60', { timeout: '2s' });
    assert.equal(result.ok, false);
    assert.equal(result.details.status, 'timed_out');
    assert.match(result.errors[0]?.message ?? '', /timed out after 2s; last output:\nstarted$/);
    assert.ok((result.details.durationMs as number) < 30_000);
  });
});
