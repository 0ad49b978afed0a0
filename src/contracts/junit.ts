// `wave run --junit FILE`: a JUnit XML report with one testsuite per step (its last attempt) and one testcase per
// contract, so CI systems show contract failures like test failures. Mapping: a hard failure is <failure>; a
// contract that failed under on_failure skip, and the contracts not run after it, are <skipped>; a warning passes
// and carries its errors in <system-out>.
import type { ContractRunResult } from './run.js';
import { attrs, xmlText } from './xml.js';

export interface JUnitStep {
  stepId: string;
  attempt: number;
  durationMs?: number;
  results: readonly ContractRunResult[];
  /** Contracts not evaluated because an earlier one failed with on_failure: skip. */
  notRun?: readonly { index: number; type: string }[];
  /** A gate step's answers (one testcase per round): a rejection or a timeout without default is a failure. */
  gates?: readonly JUnitGate[];
}

export interface JUnitGate {
  name: string;
  /** Set when the answer failed the run. */
  failure?: string;
  /** Who answered, when, how, with what. */
  out: string;
}

export interface JUnitRun {
  id: string;
  pipeline: string;
  steps: readonly JUnitStep[];
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function caseName(index: number, type: string, source: unknown): string {
  return `contract ${index + 1}: ${type}${typeof source === 'string' ? ` (${source})` : ''}`;
}

function errorLines(r: ContractRunResult): string {
  return r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('\n');
}

function summary(r: ContractRunResult): string {
  const first = r.errors[0];
  const line = first
    ? ((first.path ? `${first.path}: ${first.message}` : first.message).split('\n')[0] ?? '')
    : 'failed';
  return r.errors.length > 1 ? `${r.errors.length} errors; first: ${line}` : line;
}

function testcase(classname: string, r: ContractRunResult): string {
  const open = `    <testcase${attrs({ name: caseName(r.index, r.type, r.details.source), classname, time: seconds(r.durationMs) })}`;
  switch (r.outcome) {
    case 'passed':
      return `${open}/>`;
    case 'failed':
    case 'rejected':
    case 'rework':
      return `${open}>\n      <failure${attrs({ message: summary(r), type: r.type })}>${xmlText(errorLines(r))}</failure>\n    </testcase>`;
    case 'warned':
      return `${open}>\n      <system-out>${xmlText(`warning (on_failure: warn):\n${errorLines(r)}`)}</system-out>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped${attrs({ message: `failed with on_failure: skip; the contracts after it were not run. ${summary(r)}` })}/>\n      <system-out>${xmlText(errorLines(r))}</system-out>\n    </testcase>`;
  }
}

function gateCase(classname: string, gate: JUnitGate): string {
  const failure = gate.failure
    ? `\n      <failure${attrs({ message: gate.failure, type: 'gate' })}>${xmlText(gate.failure)}</failure>`
    : '';
  return (
    `    <testcase${attrs({ name: gate.name, classname, time: seconds(0) })}>${failure}\n` +
    `      <system-out>${xmlText(gate.out)}</system-out>\n    </testcase>`
  );
}

export function toJUnitXml(run: JUnitRun): string {
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  let totalMs = 0;
  const suites = run.steps.map((step) => {
    const classname = `${run.pipeline}.${step.stepId}`;
    const notRun = step.notRun ?? [];
    const gates = step.gates ?? [];
    const stepFailures = step.results.filter((r) => r.hard).length + gates.filter((g) => g.failure).length;
    const stepSkipped = step.results.filter((r) => r.outcome === 'skipped').length + notRun.length;
    const stepTests = step.results.length + notRun.length + gates.length;
    const ms = step.durationMs ?? step.results.reduce((sum, r) => sum + r.durationMs, 0);
    tests += stepTests;
    failures += stepFailures;
    skipped += stepSkipped;
    totalMs += ms;
    const cases = [
      ...step.results.map((r) => testcase(classname, r)),
      ...notRun.map(
        (n) =>
          `    <testcase${attrs({ name: caseName(n.index, n.type, undefined), classname, time: seconds(0) })}>\n      <skipped message="not run: an earlier contract failed with on_failure: skip"/>\n    </testcase>`,
      ),
      ...gates.map((g) => gateCase(classname, g)),
    ];
    const properties = [
      ['wave.run', run.id],
      ['wave.step', step.stepId],
      ['wave.attempt', String(step.attempt)],
    ]
      .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
      .join('\n');
    return [
      `  <testsuite${attrs({ name: classname, tests: stepTests, failures: stepFailures, errors: 0, skipped: stepSkipped, time: seconds(ms) })}>`,
      `    <properties>\n${properties}\n    </properties>`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `wave run ${run.id} (${run.pipeline})`, tests, failures, errors: 0, skipped, time: seconds(totalMs) })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
