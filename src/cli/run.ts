// `wave run` and `wave resume`: parse flags, pick the sinks, call the run service, report, set the exit code.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { findPipeline } from '../config/index.js';
import { WaveError } from '../errors.js';
import type { RunServiceOptions } from '../engine/run-service.js';
import type { EventSink } from '../events/bus.js';
import type { CliContext } from './context.js';
import { paint, printJson } from './render.js';
import { detailSink, runLogEcho } from './run-detail.js';
import { withStore } from './store-access.js';

export interface RunCommandOptions {
  inputFile?: string;
  adapter?: string;
  model?: string;
  steps?: string;
  fromStep?: string;
  fromRun?: string;
  maxWorkers?: string;
  detach?: boolean;
  dryRun?: boolean;
  junit?: string;
  autoApprove?: boolean;
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32) {
    throw new WaveError('usage', `--max-workers ${value}: expected a whole number from 1 to 32`);
  }
  return n;
}

function readInput(input: string | undefined, file: string | undefined): string {
  if (input !== undefined && file !== undefined)
    throw new WaveError('usage', 'give the input either as an argument or with --input-file, not both');
  if (file === undefined) return input ?? '';
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new WaveError(
      'file_not_found',
      `--input-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

async function sinksFor(ctx: CliContext, pipelineFile: () => Promise<string | undefined>): Promise<EventSink[]> {
  const { ndjsonSink, ttySink } = await import('../events/index.js');
  const ci = await (await import('./ci-sinks.js')).ciSinks(ctx.projectDir, pipelineFile);
  const detail = detailSink(ctx);
  if (ctx.output === 'json') return [ndjsonSink(process.stdout), ...ci];
  return [ttySink({ stream: process.stdout, color: ctx.color }), ...(detail ? [detail] : []), ...ci];
}

/** --verbose and --debug: what the run service reports besides events, and how much the log file keeps. */
function detailOptions(ctx: CliContext): Pick<RunServiceOptions, 'onLog' | 'logLevel'> {
  const echo = runLogEcho(ctx);
  return { ...(echo ? { onLog: echo } : {}), ...(ctx.debug ? { logLevel: 'debug' as const } : {}) };
}

/** SIGINT/SIGTERM cancel the run cleanly (containers stopped, state recorded); a second SIGINT exits at once. */
export function cancelOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write(`\nwave: ${sig}: cancelling the run (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Adapters, the gateway and the egress proxy load only when a pipeline has prompt steps; the scripted model only
 * when it answers for a provider nothing is configured for (the offline demo).
 */
export const agentLauncherFactory: NonNullable<RunServiceOptions['agents']> = async (context) =>
  (await import('../engine/agent-launcher.js')).createAgentLauncher(context, {
    offlineModel: async (request) => (await import('../model/offline-demo.js')).startOfflineDemo(request),
  });

export function note(ctx: CliContext): (m: string) => void {
  return (m) => process.stderr.write(`${paint(ctx, 'dim', 'wave:')} ${m}\n`);
}

export async function runCommand(
  ctx: CliContext,
  pipeline: string,
  inputArg: string | undefined,
  opts: RunCommandOptions,
): Promise<number> {
  const input = readInput(inputArg, opts.inputFile);
  const flags = {
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.steps
      ? {
          steps: opts.steps
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(opts.maxWorkers ? { maxWorkers: parseWorkers(opts.maxWorkers) as number } : {}),
    ...(opts.fromStep !== undefined ? { fromStep: opts.fromStep.trim() } : {}),
    ...(opts.fromRun !== undefined ? { fromRun: opts.fromRun.trim() } : {}),
    ...(opts.autoApprove ? { autoApprove: true } : {}),
  };
  if (opts.dryRun) {
    const { dryRunCommand } = await import('./dry-run.js');
    return dryRunCommand(ctx, pipeline, flags);
  }
  if (opts.junit) await (await import('../engine/junit-report.js')).checkReportPath(opts.junit);
  if (opts.detach) return detach(ctx, pipeline, opts.inputFile === '-' ? input : undefined);

  const { startRun } = await import('../engine/run-service.js');
  const { signal, dispose } = cancelOnSignals();
  try {
    const outcome = await startRun(
      {
        projectDir: ctx.projectDir,
        manifestPath: ctx.manifestPath,
        sinks: await sinksFor(ctx, async () => (await findPipeline(pipeline, ctx.projectDir)).path),
        signal,
        note: note(ctx),
        agents: agentLauncherFactory,
        ...(await gatePromptFor(ctx)),
        ...detailOptions(ctx),
        ...(process.env.WAVE_RUN_ID ? { runId: process.env.WAVE_RUN_ID } : {}),
      },
      pipeline,
      input,
      flags,
    );
    if (opts.junit) await writeJUnit(ctx, outcome.runId, opts.junit);
    report(ctx, outcome.runId, outcome.summary.status);
    return outcome.exitCode;
  } finally {
    dispose();
  }
}

export async function resumeCommand(
  ctx: CliContext,
  runId: string,
  opts: { maxWorkers?: string; autoApprove?: boolean },
): Promise<number> {
  const { resumeRun } = await import('../engine/run-service.js');
  const { signal, dispose } = cancelOnSignals();
  try {
    const workers = parseWorkers(opts.maxWorkers);
    const sinks = await sinksFor(ctx, () => withStore(ctx, (store) => store.runs.get(runId)?.pipelinePath));
    const outcome = await resumeRun(
      {
        projectDir: ctx.projectDir,
        manifestPath: ctx.manifestPath,
        sinks,
        signal,
        note: note(ctx),
        agents: agentLauncherFactory,
        ...(await gatePromptFor(ctx)),
        ...detailOptions(ctx),
      },
      runId,
      { ...(workers ? { maxWorkers: workers } : {}), ...(opts.autoApprove ? { autoApprove: true } : {}) },
    );
    report(ctx, outcome.runId, outcome.summary.status);
    return outcome.exitCode;
  } finally {
    dispose();
  }
}

/** On a terminal (text output, stdin and stdout TTYs) a waiting gate is also asked right there. */
async function gatePromptFor(ctx: CliContext): Promise<Pick<RunServiceOptions, 'gatePrompt'>> {
  if (ctx.output === 'json' || !process.stdin.isTTY || !process.stdout.isTTY) return {};
  return { gatePrompt: (await import('./gate-prompt.js')).askAtTerminal };
}

function report(ctx: CliContext, runId: string, status: string): void {
  if (ctx.output === 'json') return; // the NDJSON stream ended with run_completed
  // The TTY view ended with the run's outcome and its error: only where to look next is left to say.
  if (status !== 'completed')
    process.stdout.write(`details: wave status ${runId}; wave logs ${runId}; wave resume ${runId}\n`);
  else process.stdout.write(`outputs: wave artifacts ${runId}\n`);
}

async function writeJUnit(ctx: CliContext, runId: string, file: string): Promise<void> {
  const { openStore } = await import('../engine/run-service.js');
  const { writeJUnitReport } = await import('../engine/junit-report.js');
  const store = openStore(ctx.projectDir);
  try {
    await writeJUnitReport(store, runId, file, ctx.projectDir);
  } finally {
    store.close();
  }
}

/**
 * --detach: the same command in a background process that outlives this one; prints the run id. Input read from
 * stdin (`--input-file -`) was consumed here, so the child gets it through a pipe of its own.
 */
async function detach(ctx: CliContext, pipelineRef: string, stdinInput: string | undefined): Promise<number> {
  const { newRunId } = await import('../state/index.js');
  const found = await findPipeline(pipelineRef, ctx.projectDir);
  const runId = newRunId(found.name);
  const logDir = path.join(ctx.projectDir, '.wave', 'detached');
  await fs.mkdir(logDir, { recursive: true });
  const logPath = path.join(logDir, `${runId}.log`);
  const log = openSync(logPath, 'a');
  const args = process.argv.slice(1).filter((a) => a !== '--detach');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: [stdinInput === undefined ? 'ignore' : 'pipe', log, log],
    env: { ...process.env, WAVE_RUN_ID: runId, NO_COLOR: '1' },
    cwd: process.cwd(),
  });
  if (stdinInput !== undefined && child.stdin) {
    const stdin = child.stdin;
    // Resolves once the child holds all of it (a large input waits for the child to read): nothing is lost on exit.
    await new Promise<void>((resolve, reject) => {
      stdin.once('error', reject);
      stdin.end(stdinInput, () => resolve());
    }).catch((err: unknown) => {
      const why = (err as Error).message;
      throw new WaveError('usage', `--detach: could not hand the input to the background run: ${why}`, {
        hint: `see ${logPath}`,
      });
    });
  }
  child.unref();
  if (ctx.output === 'json') printJson({ runId, pid: child.pid, log: logPath });
  else
    process.stdout.write(
      `${runId}\nstarted in the background (pid ${child.pid}); follow it: wave logs ${runId} --follow\n`,
    );
  return 0;
}
