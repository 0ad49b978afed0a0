// The evaluation of one task: its tests, in its environment image, against the changed tree, in a sandbox like
// any step's (no network unless the task declares one). The script is given on stdin so the code under test does
// not find it on a command line; each SWE-bench test's result is a line marked with a nonce of this evaluation.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandEgress } from '../engine/command-step.js';
import { shellQuote } from '../plan/shell-context.js';
import type { Sandbox, SandboxLabels } from '../sandbox/types.js';
import type { EvaluationEnd } from './outcome.js';
import type { BenchTask } from './types.js';

export const TESTS_MOUNT = '/tests';
export const VERIFIER_MOUNT = '/logs/verifier';

export interface EvaluationRequest {
  task: BenchTask;
  image: string;
  /** The changed tree (a private copy: the tests may write into it). */
  tree: string;
  /** Host folders for /wave/out and for Harbor's /logs/verifier. */
  outDir: string;
  verifierDir: string;
  sandbox: Sandbox;
  labels: SandboxLabels;
  signal: AbortSignal;
  /** Opens the declared network (allow_internet); never called for a task without one. */
  openNetwork: () => Promise<CommandEgress | undefined>;
}

export async function runEvaluation(req: EvaluationRequest): Promise<EvaluationEnd> {
  const { task } = req;
  const nonce = randomBytes(8).toString('hex');
  const net = task.allowInternet ? await req.openNetwork() : undefined;
  const marked: string[] = [];
  try {
    const result = await req.sandbox.run(
      {
        image: req.image,
        argv: ['sh', '-s'],
        stdin: evaluationScript(task, nonce),
        mounts: { src: req.tree, out: req.outDir, srcWritable: true },
        ...(task.judge.kind === 'script'
          ? {
              extraMounts: [
                { host: task.judge.testsDir, container: TESTS_MOUNT, readOnly: true },
                { host: req.verifierDir, container: VERIFIER_MOUNT, readOnly: false },
              ],
            }
          : {}),
        labels: req.labels,
        network: net?.network ?? 'none',
        ...(net?.egress ? { egress: net.egress } : {}),
        timeoutMs: task.evalTimeoutMs,
        resources: {
          ...(task.memoryBytes ? { memoryBytes: task.memoryBytes } : {}),
          ...(task.cpus ? { cpus: task.cpus } : {}),
        },
      },
      {
        signal: req.signal,
        // Every marked line, however much the tests print (the result's tails keep only the last 64 KiB).
        onLine: (line) => {
          if (line.stream === 'stdout' && line.text.includes(nonce)) marked.push(line.text);
        },
      },
    );
    const output = `${result.stdoutTail}\n${result.stderrTail}`;
    return {
      status: result.status,
      exitCode: result.exitCode,
      testExits: testExits(marked.join('\n'), nonce),
      reward: task.judge.kind === 'script' ? await readReward(req.verifierDir) : undefined,
      outputTail: output
        .split('\n')
        .filter((l) => !l.includes(nonce))
        .join('\n'),
    };
  } finally {
    await net?.close();
  }
}

/** The shell script the evaluation container reads on stdin. */
export function evaluationScript(task: BenchTask, nonce: string): string {
  if (task.judge.kind === 'script') {
    const test = `${TESTS_MOUNT}/test.sh`;
    return [
      'cd /wave/src || exit 125',
      `if command -v bash >/dev/null 2>&1; then bash ${test} </dev/null; else sh ${test} </dev/null; fi`,
      'exit $?',
      '',
    ].join('\n');
  }
  const names = [...task.judge.failToPass, ...task.judge.passToPass];
  const lines = [
    'cd /wave/src || exit 125',
    `WAVE_BENCH_TEST_CMD=${shellQuote(task.judge.testCmd)}`,
    // Each test in a subshell of its own, its name as $1; its exit code is the line after it.
    `t() { (sh -c "$WAVE_BENCH_TEST_CMD" wave-test "$2") </dev/null; echo "WAVE_BENCH_${nonce} $1 $?"; }`,
  ];
  if (names.length === 0) {
    lines.push(`(sh -c "$WAVE_BENCH_TEST_CMD" wave-test) </dev/null; echo "WAVE_BENCH_${nonce} 0 $?"`);
  } else {
    names.forEach((name, i) => lines.push(`t ${i} ${shellQuote(name)}`));
  }
  return `${lines.join('\n')}\nexit 0\n`;
}

/** The exit code of each test from the marked lines (a test printing a marker itself cannot know the nonce). */
export function testExits(stdout: string, nonce: string): Map<number, number> {
  const exits = new Map<number, number>();
  const marker = new RegExp(`^WAVE_BENCH_${nonce} (\\d+) (\\d+)$`);
  for (const line of stdout.split('\n')) {
    const match = marker.exec(line.trim());
    if (match) exits.set(Number(match[1]), Number(match[2]));
  }
  return exits;
}

/** Harbor's reward: reward.txt (a number) or reward.json ({"reward": n}); undefined when neither is there. */
export async function readReward(dir: string): Promise<number | undefined> {
  const txt = await fs.readFile(path.join(dir, 'reward.txt'), 'utf8').catch(() => undefined);
  if (txt !== undefined && txt.trim() !== '' && Number.isFinite(Number(txt.trim()))) return Number(txt.trim());
  const json = await fs.readFile(path.join(dir, 'reward.json'), 'utf8').catch(() => undefined);
  if (json === undefined) return undefined;
  try {
    const value = (JSON.parse(json) as { reward?: unknown }).reward;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
