// `wave run --junit FILE`: the run's final contract results as a JUnit report for CI systems. The path is checked
// before the run starts, so a typo in the flag never costs a whole run.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadPipeline } from '../config/index.js';
import { toJUnitXml, type ContractRunResult } from '../contracts/index.js';
import { WaveError } from '../errors.js';
import type { GateRecord, Store } from '../state/index.js';
import type { JUnitGate } from '../contracts/junit.js';
import { FAIL_TARGET } from '../config/pipeline-gate.js';

/** The report can be written: its folder exists or can be made, and the path is not a folder. */
export async function checkReportPath(file: string, flag = '--junit'): Promise<void> {
  const target = path.resolve(file);
  const fail = (why: string): never => {
    throw new WaveError('usage', `${flag} ${file}: ${why}`, {
      hint: 'give a file path whose folder can be created, e.g. reports/junit.xml',
    });
  };
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat?.isDirectory()) fail('is a folder');
  // The nearest existing ancestor must be a writable folder (the report's folders are made after the run).
  let dir = path.dirname(target);
  for (;;) {
    const s = await fs.stat(dir).catch(() => undefined);
    if (s) {
      if (!s.isDirectory()) fail(`${dir} is a file, not a folder`);
      await fs.access(dir, constants.W_OK).catch(() => fail(`${dir} is not writable`));
      return;
    }
    dir = path.dirname(dir);
  }
}

/** Writes the report of the steps' last attempts. Contract names carry their source when the pipeline still loads. */
export async function writeJUnitReport(store: Store, runId: string, file: string, projectDir: string): Promise<void> {
  const run = store.runs.require(runId);
  const sources = await contractSources(run.pipelinePath, projectDir);
  const results = store.contractResults.list(runId);
  const gates = store.gates.list(runId);
  const steps = store.steps.list(runId).map((s) => ({
    stepId: s.stepId,
    attempt: s.attempts,
    results: results
      .filter((r) => r.stepId === s.stepId && r.attempt === s.attempts)
      .map((r): ContractRunResult => {
        const source = sources.get(`${s.stepId}/${r.index}`);
        return {
          index: r.index,
          type: r.contractType,
          ok: r.ok,
          hard: r.hard,
          errors: r.errors.map((message) => ({ path: '', message })),
          details: source === undefined ? {} : { source },
          onFailure: r.hard ? 'fail' : 'warn',
          outcome: r.ok ? 'passed' : r.hard ? 'failed' : 'warned',
          durationMs: 0,
        };
      }),
    ...(gates.some((g) => g.stepId === s.stepId)
      ? { gates: gates.filter((g) => g.stepId === s.stepId).map(gateCase) }
      : {}),
  }));
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, toJUnitXml({ id: run.id, pipeline: run.pipeline, steps }));
}

/** A gate's round as a testcase: its answer in system-out; a rejection or a timeout without default fails. */
function gateCase(gate: GateRecord): JUnitGate {
  const a = gate.answer;
  const name = `gate round ${gate.round}: ${a ? (a.choice ?? 'not answered in time') : 'waiting'}`;
  if (!a) return { name, out: `waiting since ${gate.openedAt}` };
  const out = [
    `choice: ${a.choice ?? '-'}${a.label ? ` (${a.label})` : ''}`,
    `by: ${a.by}`,
    `at: ${a.at}`,
    `how: ${a.how}`,
    ...(a.target ? [`target: ${a.target}`] : []),
    ...(a.message ? [`message: ${a.message}`] : []),
  ].join('\n');
  const failure =
    a.choice === null
      ? 'not answered in time, no default'
      : a.target === FAIL_TARGET
        ? `rejected by ${a.by}`
        : undefined;
  return { name, out, ...(failure ? { failure } : {}) };
}

/** `<step>/<contract index>` → the file the contract checked (its source, else the step's first output). */
async function contractSources(pipelinePath: string, projectDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    const loaded = await loadPipeline(pipelinePath, { projectDir });
    for (const step of loaded.pipeline.steps) {
      step.handover.contracts.forEach((c, i) => {
        const source = c.source ?? (c.type === 'test_suite' ? undefined : step.output_artifacts[0]?.path);
        if (source !== undefined) out.set(`${step.id}/${i}`, source);
      });
    }
  } catch {
    // The pipeline file moved or changed shape since the run: the report names contracts by index only.
  }
  return out;
}
