// test_suite: a shell command that must exit 0, run in a fresh sandbox after the step — never on the host (the
// original ran it as a host subprocess, split on spaces, without a timeout). The container gets the step's
// outputs at /wave/out and the source at /wave/src (and the step's other mounts), a time limit, and no network
// unless the contract declares one: then the same egress as a command step (allowlist proxy, every decision logged).
//
// The Sandbox interface mounts /wave/out read-write, so the command gets a private copy of the outputs: whatever it
// writes there is thrown away and the outputs the next step receives are exactly the ones that were checked.
import { cp, chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDuration, parseDuration } from '../config/units.js';
import { WaveError } from '../errors.js';
import { ContractConfigError } from './failure.js';
import { fenced } from './markdown-text.js';
import { StreamTails } from './output-tail.js';
import { expectString, expectStringList } from './spec-checks.js';
import { showValue } from '../config/problems.js';
import type {
  ContractCommandResult,
  ContractDefinition,
  ContractInput,
  ContractNetwork,
  TestSuiteSpec,
} from './types.js';

export const DEFAULT_TEST_TIMEOUT_MS = 10 * 60_000;
const NETWORKS: readonly string[] = ['none', 'allowlist', 'open'];

function timeoutOf(spec: ContractInput): number {
  if (spec.timeout === undefined) return DEFAULT_TEST_TIMEOUT_MS;
  const ms = typeof spec.timeout === 'string' ? parseDuration(spec.timeout) : undefined;
  if (ms === undefined || ms <= 0)
    throw new ContractConfigError(
      `test_suite: timeout '${showValue(spec.timeout)}' is not a duration such as "30s" or "5m"`,
    );
  return ms;
}

function outcome(result: ContractCommandResult, timeoutMs: number): string {
  switch (result.status) {
    case 'timed_out':
      return `timed out after ${formatDuration(timeoutMs)}`;
    case 'stalled':
      return 'was stopped: it printed nothing for too long';
    case 'oom_killed':
      return 'was killed: out of memory';
    default:
      return `exited with code ${result.exitCode ?? 'unknown'}`;
  }
}

/** A throwaway copy of the out folder that the container user can read. */
async function copyOutputs(outDir: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'wave-contract-'));
  await chmod(root, 0o755);
  const copy = path.join(root, 'out');
  // verbatimSymlinks: a link is copied as a link (resolved inside the container, never on the host).
  await cp(outDir, copy, { recursive: true, verbatimSymlinks: true, dereference: false });
  await chmod(copy, 0o755);
  return copy;
}

/** The network the contract declares, for the engine to open its egress; undefined: none. */
function networkOf(spec: TestSuiteSpec): ContractNetwork | undefined {
  if (spec.network === undefined && spec.allowed_domains === undefined) return undefined;
  return {
    ...(spec.network ? { network: spec.network } : {}),
    ...(spec.allowed_domains ? { allowed_domains: spec.allowed_domains } : {}),
  };
}

export const testSuiteContract: ContractDefinition<TestSuiteSpec> = {
  type: 'test_suite',

  validate(spec) {
    const problems = [
      ...expectString(spec, 'command', true),
      ...expectString(spec, 'image', false),
      ...expectStringList(spec, 'allowed_domains'),
    ];
    if (spec.network !== undefined && !NETWORKS.includes(showValue(spec.network))) {
      problems.push(`test_suite: network must be one of ${NETWORKS.join(', ')}`);
    }
    try {
      timeoutOf(spec);
    } catch (err) {
      problems.push((err as Error).message);
    }
    return problems;
  },

  async check(spec, ctx) {
    const timeoutMs = timeoutOf(spec);
    if (!ctx.runCommand) throw new ContractConfigError('test_suite: no sandbox was given to run the command in');
    const image = spec.image ?? ctx.image;
    if (!image) throw new ContractConfigError("test_suite: no image (set the contract's image or the step's)");
    const outCopy = await copyOutputs(ctx.outDir);
    const tail = new StreamTails();
    const network = networkOf(spec);
    try {
      const result = await ctx.runCommand({
        image,
        argv: ['sh', '-c', spec.command],
        outDir: outCopy,
        timeoutMs,
        ...(network ? { network } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onLine: (stream, text) => tail.push(stream, text),
      });
      if (result.status === 'cancelled') throw new WaveError('cancelled', 'test_suite: cancelled');
      const details = {
        command: spec.command,
        image,
        status: result.status,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        outputTail: tail.toString(),
      };
      if (result.status === 'exited' && result.exitCode === 0) return { errors: [], details };
      const output = tail.empty ? '(no output)' : `last output:\n${tail.toString()}`;
      return {
        errors: [{ path: '', message: `\`${spec.command}\` ${outcome(result, timeoutMs)}; ${output}` }],
        details,
      };
    } finally {
      await rm(path.dirname(outCopy), { recursive: true, force: true });
    }
  },

  async describe(spec, env) {
    void env;
    const image = spec.image ? ` (image \`${spec.image}\`)` : '';
    const network = spec.allowed_domains?.length
      ? `reaching only ${spec.allowed_domains.join(', ')} through a proxy`
      : spec.network === 'open'
        ? 'reaching public hosts through a proxy'
        : 'without network access';
    return [
      `This command must exit with status 0. It runs after you finish, in a fresh container${image} with a copy of ` +
        `your outputs at \`/wave/out\` and the source at \`/wave/src\`, ${network}, ` +
        `for at most ${formatDuration(timeoutOf(spec))}:`,
      '',
      fenced('sh', spec.command),
    ].join('\n');
  },
};
