// `wave bench run | report | compare | list`: parse flags, call the bench service, render.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, WaveError } from '../errors.js';
import type { BenchRecord, Store } from '../state/index.js';
import { benchView } from './bench-progress.js';
import type { CliContext } from './context.js';
import { elapsed, paint, printJson, table } from './render.js';
import { agentLauncherFactory, cancelOnSignals, note } from './run.js';
import { withStore } from './store-access.js';

export interface BenchRunOptions {
  dataset: string;
  pipeline?: string;
  adapter?: string;
  model?: string;
  workers?: string;
  limit?: string;
  offset?: string;
  filter?: string;
  benchId?: string;
}

function wholeNumber(flag: string, value: string | undefined, min: number, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `${min} or more` : `from ${min} to ${max}`;
    throw new WaveError('usage', `${flag} ${value}: expected a whole number ${range}`);
  }
  return n;
}

export async function benchRunCommand(ctx: CliContext, opts: BenchRunOptions): Promise<number> {
  const { runBench } = await import('../bench/driver.js');
  const { openStore } = await import('../engine/run-service.js');
  const workers = wholeNumber('--workers', opts.workers, 1, 32);
  const limit = wholeNumber('--limit', opts.limit, 1);
  const offset = wholeNumber('--offset', opts.offset, 0);
  const view = benchView(ctx);
  const { signal, dispose } = cancelOnSignals();
  try {
    const result = await runBench({
      projectDir: ctx.projectDir,
      manifestPath: ctx.manifestPath,
      agents: agentLauncherFactory,
      dataset: opts.dataset,
      ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
      ...(opts.adapter ? { adapter: opts.adapter } : {}),
      ...(opts.model ? { model: opts.model } : {}),
      ...(workers ? { workers } : {}),
      selection: {
        ...(opts.filter ? { filter: opts.filter } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(offset !== undefined ? { offset } : {}),
      },
      ...(opts.benchId ? { benchId: opts.benchId } : {}),
      signal,
      onEvent: (e) => view.onEvent(e),
      note: note(ctx),
      openStore: () => openStore(ctx.projectDir),
    });
    return result.status === 'cancelled' ? ExitCode.cancelled : ExitCode.ok;
  } finally {
    view.close();
    dispose();
  }
}

function requireBench(store: Store, id: string): BenchRecord {
  const bench = store.bench.get(id);
  if (!bench) throw new WaveError('usage', `no bench ${id} in ${store.path}`, { hint: 'wave bench list shows them' });
  return bench;
}

export async function benchReportCommand(ctx: CliContext, id: string, opts: { out?: string }): Promise<number> {
  const { buildReport, benchJUnit } = await import('../bench/report.js');
  const report = await withStore(ctx, (store) => buildReport(store, requireBench(store, id)));
  const dir = path.resolve(opts.out ?? path.join(ctx.projectDir, '.wave', 'bench', id));
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await fs.writeFile(path.join(dir, 'junit.xml'), benchJUnit(report));
  if (ctx.output === 'json') {
    printJson(report);
    return ExitCode.ok;
  }
  const pct = (report.resolvedRate * 100).toFixed(1);
  const classes = Object.entries(report.errorsByClass).filter(([, n]) => n > 0);
  const lines = [
    `bench ${report.benchId} (${report.status}) · ${report.pipeline} on ${report.dataset}`,
    `resolved ${report.resolved}/${report.total} (${pct}%) · unresolved ${report.unresolved}` +
      ` · errors ${report.errors}` +
      (report.pending ? ` · not run ${report.pending}` : ''),
    ...(classes.length ? [`errors by class: ${classes.map(([c, n]) => `${c} ${n}`).join(', ')}`] : []),
    `tokens: ${report.tokens.input} in, ${report.tokens.output} out · time: runs ${elapsed(report.runMs)}, ` +
      `evaluations ${elapsed(report.evalMs)}`,
    '',
    table(
      ['TASK', 'OUTCOME', 'RUN', 'TIME', 'REASON'],
      report.tasks.map((t) => [
        t.taskId,
        t.outcome === 'error' ? `error (${t.failureClass})` : t.outcome,
        t.runId ?? '-',
        elapsed((t.runMs ?? 0) + (t.evalMs ?? 0)),
        (t.reason ?? '').slice(0, 100),
      ]),
    ),
    '',
    paint(ctx, 'dim', `wrote ${path.join(dir, 'report.json')} and ${path.join(dir, 'junit.xml')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}

export async function benchCompareCommand(ctx: CliContext, a: string, b: string): Promise<number> {
  const { buildReport } = await import('../bench/report.js');
  const { compareTasks } = await import('../bench/compare.js');
  const [ra, rb] = await withStore(ctx, (store) => [
    buildReport(store, requireBench(store, a)),
    buildReport(store, requireBench(store, b)),
  ]);
  const diff = compareTasks(ra.tasks, rb.tasks);
  if (ctx.output === 'json') {
    printJson({ a, b, resolvedA: ra.resolved, resolvedB: rb.resolved, ...diff });
    return ExitCode.ok;
  }
  const lines = [
    `${a}: ${ra.resolved}/${ra.total} resolved · ${b}: ${rb.resolved}/${rb.total} resolved`,
    `${diff.changed.length} task(s) changed outcome, ${diff.unchanged} unchanged` +
      (diff.onlyInA.length ? ` · only in ${a}: ${diff.onlyInA.join(', ')}` : '') +
      (diff.onlyInB.length ? ` · only in ${b}: ${diff.onlyInB.join(', ')}` : ''),
  ];
  if (diff.changed.length) {
    lines.push(
      '',
      table(
        ['TASK', a, b],
        diff.changed.map((c) => [c.taskId, c.before, c.after]),
      ),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}

export async function benchListCommand(ctx: CliContext): Promise<number> {
  const { buildReport } = await import('../bench/report.js');
  const reports = await withStore(ctx, (store) => store.bench.list().map((b) => buildReport(store, b)));
  if (ctx.output === 'json') {
    printJson(reports.map(({ tasks: _tasks, ...summary }) => summary));
    return ExitCode.ok;
  }
  if (reports.length === 0) {
    process.stdout.write('no benches yet (wave bench run --dataset FILE)\n');
    return ExitCode.ok;
  }
  const rows = reports.map((r) => [
    r.benchId,
    r.status,
    `${r.resolved}/${r.total}`,
    String(r.errors),
    String(r.pending),
    r.pipeline,
    r.createdAt.slice(0, 19).replace('T', ' '),
  ]);
  process.stdout.write(`${table(['BENCH', 'STATUS', 'RESOLVED', 'ERRORS', 'NOT RUN', 'PIPELINE', 'CREATED'], rows)}\n`);
  return ExitCode.ok;
}
