// Lifecycle cost of one sandboxed step: DockerSandbox.run(['true']) — create → attach → start → wait → inspect →
// remove, through the Engine API — against `docker run --rm IMAGE true` measured in the same run (the docker CLI is
// only the baseline here; Wave itself never shells out to it). Also a CLI baseline with the same hardening flags,
// since a network-less, read-only container is cheaper to set up than a default one, and the engine alone: the
// same create options through the Engine API with nothing else (create → start → wait → remove, engine-baseline.ts),
// which is what the sandbox's own work is read against. Goal: ratio <= 1.0.
// Run: node --import tsx test/bench/sandbox-lifecycle.ts   (BENCH_RUNS=N to change N; figures only, no asserts)
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerSandbox } from '../../src/sandbox/docker/sandbox.js';
import { connectDocker } from '../../src/sandbox/docker/engine.js';
import { engineBaselineStep } from './engine-baseline.js';
import { median, report, timeRuns } from './support.js';

const image = process.env.WAVE_TEST_IMAGE ?? 'wave/base:latest';
const runs = Number(process.env.BENCH_RUNS ?? 10);
const root = await mkdtemp(join(tmpdir(), 'wave-bench-'));
const src = join(root, 'src');
const out = join(root, 'out');
await mkdir(src, { mode: 0o755 });
await mkdir(out);

try {
  const { docker } = await connectDocker();
  const sandbox = new DockerSandbox({ docker });
  const step = () =>
    sandbox
      .run({ image, argv: ['true'], mounts: { src, out }, labels: { run: 'bench', step: 'true', attempt: 1 } })
      .then((r) => {
        if (r.exitCode !== 0) throw new Error(`sandbox run failed: ${JSON.stringify(r)}`);
      });
  const cli = (args: string[]) => () =>
    execFileSync('docker', ['run', '--rm', ...args, image, 'true'], { stdio: 'ignore' });
  const engine = await engineBaselineStep({ docker, image, argv: ['true'], dir: join(root, 'engine') });
  const hardened = [
    '--read-only',
    '--network',
    'none',
    '--init',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    '10001:10001',
    '--pids-limit',
    '1024',
    '--memory',
    '4g',
    '--log-driver',
    'none',
    '--entrypoint',
    '',
  ];

  // Warm-up: page cache, engine caches, the JIT for our code.
  await timeRuns(2, step);
  await timeRuns(2, cli([]));
  await timeRuns(2, cli(hardened));
  await timeRuns(2, engine);

  // Interleaved, so a load change on the machine hits all three alike.
  const times: Record<'sandbox' | 'cli' | 'hardened' | 'engine', number[]> = {
    sandbox: [],
    cli: [],
    hardened: [],
    engine: [],
  };
  for (let i = 0; i < runs; i++) {
    times.sandbox.push(...(await timeRuns(1, step)));
    times.cli.push(...(await timeRuns(1, cli([]))));
    times.hardened.push(...(await timeRuns(1, cli(hardened))));
    times.engine.push(...(await timeRuns(1, engine)));
  }
  const sandboxMs = median(times.sandbox);
  const cliMs = median(times.cli);
  const cliHardenedMs = median(times.hardened);
  const engineMs = median(times.engine);
  report('sandbox-lifecycle', {
    runs,
    'sandbox median ms': sandboxMs,
    'docker run --rm median ms': cliMs,
    'docker run --rm (same hardening) median ms': cliHardenedMs,
    ratio: sandboxMs / cliMs,
    'ratio vs hardened': sandboxMs / cliHardenedMs,
    'engine api only (same create options) median ms': engineMs,
    'sandbox over engine api only ms': sandboxMs - engineMs,
    goal: sandboxMs / cliMs <= 1.0 ? 'met (<=1.0)' : 'MISSED (>1.0)',
  });
} finally {
  await rm(root, { recursive: true, force: true });
}
