// `wave bench report`: a bench's numbers from its rows — the resolved rate, each task's outcome, the errors by
// class (never counted as answers), tokens and time — as data (report.json) and as JUnit for CI systems.
import { hostname } from 'node:os';
import { attrs, xmlText } from '../contracts/xml.js';
import { isOwnerAlive } from '../liveness.js';
import type { BenchRecord, BenchTaskRecord, JsonObject, Store } from '../state/index.js';
import { INFRA_CLASSES, type InfraClass } from './outcome.js';

export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface TaskReport {
  taskId: string;
  outcome: 'resolved' | 'unresolved' | 'error' | 'pending';
  failureClass: string | null;
  reason: string | null;
  runId: string | null;
  tries: number;
  reward: number | null;
  tests: JsonObject | null;
  runMs: number | null;
  evalMs: number | null;
  tokens: Tokens;
}

export interface BenchReport {
  benchId: string;
  dataset: string;
  format: string;
  pipeline: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  total: number;
  resolved: number;
  unresolved: number;
  errors: number;
  pending: number;
  /** Resolved tasks over all tasks of the bench (an error or a pending task is not resolved). */
  resolvedRate: number;
  errorsByClass: Record<InfraClass, number>;
  tokens: Tokens;
  runMs: number;
  evalMs: number;
  tasks: TaskReport[];
}

const NO_TOKENS: Tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export function buildReport(store: Store, bench: BenchRecord): BenchReport {
  const tasks = store.bench
    .tasks(bench.id)
    .map((row) => taskReport(row, row.runId ? store.bench.tokensOf(row.runId) : NO_TOKENS));
  return summarize(bench, tasks);
}

export function taskReport(row: BenchTaskRecord, tokens: Tokens): TaskReport {
  const done = row.status === 'done' && row.outcome !== undefined;
  return {
    taskId: row.taskId,
    outcome: done ? row.outcome! : 'pending',
    failureClass: row.failureClass ?? null,
    reason: row.reason ?? null,
    runId: row.runId,
    tries: row.tries,
    reward: row.reward ?? null,
    tests: row.tests ?? null,
    runMs: row.runMs ?? null,
    evalMs: row.evalMs ?? null,
    tokens,
  };
}

export function summarize(bench: BenchRecord, tasks: TaskReport[]): BenchReport {
  const count = (o: TaskReport['outcome']) => tasks.filter((t) => t.outcome === o).length;
  const errorsByClass = Object.fromEntries(INFRA_CLASSES.map((c) => [c, 0])) as Record<InfraClass, number>;
  for (const t of tasks) {
    if (t.outcome !== 'error') continue;
    const cls = (INFRA_CLASSES as readonly string[]).includes(t.failureClass ?? '') ? t.failureClass : 'infrastructure';
    errorsByClass[cls as InfraClass]++;
  }
  const sum = (pick: (t: TaskReport) => number) => tasks.reduce((n, t) => n + pick(t), 0);
  const resolved = count('resolved');
  return {
    benchId: bench.id,
    dataset: bench.dataset,
    format: bench.format,
    pipeline: bench.pipeline,
    status: effectiveStatus(bench),
    createdAt: bench.createdAt,
    finishedAt: bench.finishedAt,
    total: tasks.length,
    resolved,
    unresolved: count('unresolved'),
    errors: count('error'),
    pending: count('pending'),
    resolvedRate: tasks.length ? resolved / tasks.length : 0,
    errorsByClass,
    tokens: {
      input: sum((t) => t.tokens.input),
      output: sum((t) => t.tokens.output),
      cacheRead: sum((t) => t.tokens.cacheRead),
      cacheWrite: sum((t) => t.tokens.cacheWrite),
    },
    runMs: sum((t) => t.runMs ?? 0),
    evalMs: sum((t) => t.evalMs ?? 0),
    tasks,
  };
}

/** One testcase per task: resolved passes, unresolved fails, an error is an error of its class, pending skipped. */
export function benchJUnit(report: BenchReport): string {
  const seconds = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);
  const cases = report.tasks.map((t) => {
    const time = seconds((t.runMs ?? 0) + (t.evalMs ?? 0));
    const open = `    <testcase${attrs({ name: t.taskId, classname: `bench.${report.benchId}`, time })}`;
    const detail = t.reason ?? '';
    const body = (inner: string) => `${open}>\n      ${inner}\n    </testcase>`;
    switch (t.outcome) {
      case 'resolved':
        return `${open}/>`;
      case 'unresolved':
        return body(`<failure${attrs({ message: detail, type: 'unresolved' })}>${xmlText(detail)}</failure>`);
      case 'error': {
        const type = t.failureClass ?? 'infrastructure';
        return body(`<error${attrs({ message: detail, type })}>${xmlText(detail)}</error>`);
      }
      case 'pending':
        return body('<skipped message="not run yet (the bench was cancelled or interrupted)"/>');
    }
  });
  const suite = attrs({
    name: `wave bench ${report.benchId} (${report.pipeline})`,
    tests: report.total,
    failures: report.unresolved,
    errors: report.errors,
    skipped: report.pending,
    time: seconds(report.runMs + report.evalMs),
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${suite}>`,
    `  <testsuite${suite}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** A bench still marked running whose process is gone was interrupted (kill -9, a reboot): run it again to finish. */
export function effectiveStatus(bench: BenchRecord): string {
  if (bench.status !== 'running' || bench.ownerHost !== hostname() || bench.ownerPid === null) return bench.status;
  return isOwnerAlive({ pid: bench.ownerPid, start: bench.ownerStart ?? undefined }) ? 'running' : 'interrupted';
}
