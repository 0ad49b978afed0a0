// A task's verdict from what happened to it, as data: the run's end (the agent's work), then the evaluation's.
// 'resolved' and 'unresolved' are answers; 'error' is a task the infrastructure failed, by class, so a report
// never counts a timeout or a broken image as a wrong answer (nor as a right one).
import type { FailureClass, RunFinalStatus } from '../events/types.js';
import type { SandboxStatus } from '../sandbox/types.js';
import type { BenchVerdict, JsonObject } from '../state/index.js';
import type { TaskJudge } from './types.js';

export const INFRA_CLASSES = ['timeout', 'oom', 'image_build', 'provider_error', 'contract', 'infrastructure'] as const;
export type InfraClass = (typeof INFRA_CLASSES)[number];

export type Verdict = Pick<BenchVerdict, 'outcome' | 'failureClass' | 'reason' | 'reward' | 'tests'>;

export interface RunEnd {
  /** rejected (a contract's on_failure: rejected) counts as a contract failure. */
  status: RunFinalStatus;
  failureClass?: FailureClass | undefined;
  contractFailure: boolean;
  error?: string | undefined;
  /** The task's own agent time limit stopped the run (it ends as cancelled). */
  agentTimedOut?: boolean;
}

function error(failureClass: InfraClass, reason: string): Verdict {
  return { outcome: 'error', failureClass, reason, reward: null, tests: null };
}

function unresolved(reason: string, tests: JsonObject | null = null, reward: number | null = null): Verdict {
  return { outcome: 'unresolved', failureClass: null, reason, reward, tests };
}

/**
 * The verdict of a run that did not complete; undefined for one that did (its change is evaluated). A run that
 * failed because the agent gave up or broke its own step is a wrong answer; what the provider, the machine or a
 * limit did is an error of its class.
 */
export function verdictOfRun(run: RunEnd): Verdict | undefined {
  const reason = run.error ?? `run ${run.status}`;
  // The limit is the task's rule: a run that ends as it strikes (or finishes past it) did not make it in time.
  if (run.agentTimedOut) return error('timeout', `the task's agent time limit stopped the run: ${reason}`);
  if (run.status === 'completed') return undefined;
  if (run.status === 'cancelled') return error('infrastructure', reason);
  if (run.status === 'rejected' || run.contractFailure || run.failureClass === 'contract') {
    return error('contract', reason);
  }
  switch (run.failureClass) {
    case 'timeout':
    case 'stalled':
      return error('timeout', reason);
    case 'rate_limit':
    case 'provider_error':
    case 'auth':
      return error('provider_error', reason);
    case 'infrastructure':
    case 'internal':
    case 'quota':
      return error('infrastructure', reason);
    default:
      // An agent or command that exited non-zero: out of memory is the machine's limit, anything else the answer.
      if (/out of memory/i.test(reason)) return error('oom', reason);
      return unresolved(`the run failed: ${reason}`);
  }
}

export interface EvaluationEnd {
  status: SandboxStatus;
  exitCode: number | null;
  /** SWE-bench: each listed test's exit code, by its place in FAIL_TO_PASS then PASS_TO_PASS. */
  testExits: Map<number, number>;
  /** Harbor: the reward file's value, when the script wrote one. */
  reward?: number | undefined;
  outputTail: string;
}

/** The verdict of an evaluation that ran, as the task's format defines resolution. */
export function verdictOfEvaluation(judge: TaskJudge, end: EvaluationEnd, timeoutMs: number): Verdict {
  const tail = end.outputTail.trim().split('\n').slice(-3).join(' | ');
  if (end.status === 'timed_out' || end.status === 'stalled') {
    return error('timeout', `the evaluation timed out after ${Math.round(timeoutMs / 1000)} s`);
  }
  if (end.status === 'oom_killed') return error('oom', 'the evaluation ran out of memory');
  if (end.status === 'cancelled') return error('infrastructure', 'the evaluation was cancelled');
  if (judge.kind === 'script') {
    if (end.reward !== undefined) {
      const tests = { reward: end.reward, exitCode: end.exitCode };
      return end.reward >= 1 ? resolved(tests, end.reward) : unresolved(`reward ${end.reward}`, tests, end.reward);
    }
    const tests = { exitCode: end.exitCode };
    return end.exitCode === 0
      ? resolved(tests, 1)
      : unresolved(`tests/test.sh exited with ${end.exitCode}${tail ? `: ${tail}` : ''}`, tests, 0);
  }
  return verdictOfTests(judge, end, tail);
}

function resolved(tests: JsonObject, reward: number): Verdict {
  return { outcome: 'resolved', failureClass: null, reason: null, reward, tests };
}

function verdictOfTests(judge: Extract<TaskJudge, { kind: 'tests' }>, end: EvaluationEnd, tail: string): Verdict {
  const names = [...judge.failToPass, ...judge.passToPass];
  if (names.length === 0) {
    // No list: the test command as a whole decides, run once.
    const code = end.testExits.get(0) ?? end.exitCode;
    const tests = { exitCode: code };
    return code === 0 ? resolved(tests, 1) : unresolved(`test_cmd exited with ${code}: ${tail}`, tests, 0);
  }
  const status = (i: number) => {
    const code = end.testExits.get(i);
    return code === undefined ? 'not_run' : code === 0 ? 'passed' : 'failed';
  };
  const failToPass = Object.fromEntries(judge.failToPass.map((n, i) => [n, status(i)]));
  const passToPass = Object.fromEntries(judge.passToPass.map((n, i) => [n, status(judge.failToPass.length + i)]));
  const tests = { FAIL_TO_PASS: failToPass, PASS_TO_PASS: passToPass };
  const bad = names.filter((_, i) => status(i) !== 'passed');
  if (bad.length === 0) return resolved(tests, 1);
  if (names.every((_, i) => status(i) === 'not_run')) {
    // The script never reached a test: the environment or the command is broken, not the answer.
    return error('infrastructure', `no test ran (exit ${end.exitCode}): ${tail}`);
  }
  const shown = bad.slice(0, 3).join(', ') + (bad.length > 3 ? ` and ${bad.length - 3} more` : '');
  return unresolved(`${bad.length} of ${names.length} tests did not pass: ${shown}`, tests, 0);
}

export function imageBuildVerdict(message: string): Verdict {
  return error('image_build', message);
}

export function infrastructureVerdict(message: string): Verdict {
  return error('infrastructure', message);
}
