// Commander wiring. Every command's module is imported only when that command runs, so `wave --version`
// and `wave --help` load nothing heavy (Docker, SQLite, ajv).
import { packageVersion } from '../config/paths.js';
import { ExitCode } from '../errors.js';
import { contextFromFlags, type CliContext, type GlobalFlags } from './context.js';
import { reportError } from './fail.js';

/** One line per command in `wave --help`: what it does and an example. */
const examples: Array<[string, string]> = [
  ['wave init', 'write wave.yaml and .wave/ from the defaults'],
  ['wave validate --all', 'check the manifest and every pipeline'],
  ['wave list pipelines -o json', 'list pipelines as JSON'],
  ['wave run hello-world "Ada"', 'run a pipeline (each step in its own container)'],
  ['wave run code-review --dry-run', 'show the plan without running it'],
  ['wave resume hello-world-20261121-101500-ab12', 'continue a failed or interrupted run'],
  ['wave status -o json', 'the latest run and its steps'],
  ['wave logs RUN_ID --follow', "a run's events and output, live"],
  ['wave artifacts RUN_ID --export ./out', "copy a run's outputs"],
  ['wave diff RUN_ID --stat', 'what the steps that change code changed'],
  ['wave apply RUN_ID', 'their change as branch wave/RUN_ID of your repository'],
  ['wave cancel RUN_ID', 'stop a run from another terminal'],
  ['wave gate approve RUN_ID STEP', 'answer a gate a run waits at (wave gate list)'],
  ['wave bench run --dataset tasks.jsonl', 'run a benchmark dataset, then: wave bench report BENCH_ID'],
  ['wave serve --port 8080', 'the web dashboard (runs, DAGs, outputs, diffs) on loopback'],
  ['wave clean --keep 10', 'remove all but the 10 newest finished runs'],
  ['wave images build claude', 'build an agent image'],
  ['wave doctor', 'check Docker, images and leftover containers'],
];

export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(packageVersion() + '\n');
    return;
  }
  const { Command, CommanderError, Option } = await import('commander');
  let ctx: CliContext = contextFromFlags({});
  const program = new Command('wave');
  program
    .description('Run multi-step LLM pipelines where every step runs in its own throwaway, hardened container.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('-m, --manifest <file>', 'the manifest', 'wave.yaml')
    .addOption(new Option('-o, --output <mode>', 'output format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'no colours (also when NO_COLOR is set)')
    .option('-v, --verbose', 'more detail (tool calls, decisions)')
    .option('--debug', 'stack traces and debug logs')
    .showHelpAfterError('(run wave --help for usage)')
    .exitOverride()
    .hook('preAction', (_cmd, action) => {
      ctx = contextFromFlags(action.optsWithGlobals<GlobalFlags>());
    })
    .addHelpText(
      'after',
      '\nExamples:\n' + examples.map(([cmd, what]) => `  ${cmd.padEnd(40)} ${what}`).join('\n') + '\n',
    );

  const finish = (code: number | void) => {
    if (typeof code === 'number') process.exitCode = code;
  };

  program
    .command('init')
    .description('write wave.yaml and .wave/{personas,pipelines,contracts} from the defaults')
    .option('--force', 'overwrite existing files')
    .option('--layout <layout>', "wave (.wave/) or agents (.agents/, the original Wave's layout)", 'wave')
    .action(async (opts: { force?: boolean; layout?: string }) =>
      finish(await (await import('./init.js')).initCommand(ctx, opts)),
    );

  program
    .command('validate')
    .description('check the manifest and pipelines, listing every problem')
    .option('-p, --pipeline <name>', 'a pipeline name or path')
    .option('--all', 'every pipeline of the project and the defaults')
    .action(async (opts: { pipeline?: string; all?: boolean }) =>
      finish(await (await import('./validate.js')).validateCommand(ctx, opts)),
    );

  program
    .command('list')
    .description('list pipelines, personas, adapters or runs as a table')
    .argument('<what>', 'pipelines | personas | adapters | runs')
    .option('--limit <n>', 'runs: how many (default 20)')
    .option('--status <s>', 'runs: only these statuses (comma-separated)')
    .option('--all', 'runs: child runs of pipeline and iterate steps too (default: top-level runs only)')
    .action(async (what: string, opts: { limit?: string; status?: string; all?: boolean }) =>
      finish(
        what === 'runs'
          ? await (await import('./runs.js')).listRunsCommand(ctx, opts)
          : await (await import('./list.js')).listCommand(ctx, what),
      ),
    );

  program
    .command('run')
    .description('run a pipeline: every step in its own throwaway, hardened container')
    .argument('<pipeline>', 'a pipeline name (.wave/pipelines or the defaults) or a path')
    .argument('[input]', 'the input ({{ input }} in prompts)')
    .option('--input-file <file>', 'read the input from a file (- for stdin)')
    .option('--adapter <name>', 'use this adapter for every prompt step')
    .option('--model <model>', 'use this model (or tier: cheapest|balanced|strongest) for every prompt step')
    .option('--steps <a,b>', 'run only these steps')
    .option(
      '--from-step <step>',
      'run this step and everything downstream; reuse the steps upstream from the newest run where they completed',
    )
    .option('--from-run <run-id>', 'with --from-step: reuse the upstream steps of this run')
    .option('--max-workers <n>', 'steps running at once (1-32; default runtime.max_concurrent_workers)')
    .option('--detach', 'run in the background and print the run id')
    .option('--dry-run', 'show the plan (levels, images, contracts) without running')
    .option('--junit <file>', 'write the contract results as JUnit XML')
    .option('--auto-approve', 'every approval gate takes its default (a gate without choices: approve)')
    .addHelpText(
      'after',
      '\n--from-step X starts a new run of X and every step downstream of it. The steps upstream are not run again:\n' +
        'their results and artifacts are copied from the newest run of the pipeline where they all completed (or --from-run),\n' +
        'after checking each file against its recorded sha256. Try it with --dry-run first.',
    )
    .action(async (pipeline: string, input: string | undefined, opts: import('./run.js').RunCommandOptions) =>
      finish(await (await import('./run.js')).runCommand(ctx, pipeline, input, opts)),
    );

  program
    .command('resume')
    .description('continue a failed, cancelled or interrupted run without re-running completed steps')
    .argument('<run-id>')
    .option('--max-workers <n>', 'steps running at once')
    .option('--auto-approve', 'every approval gate takes its default (a gate without choices: approve)')
    .action(async (runId: string, opts: { maxWorkers?: string; autoApprove?: boolean }) =>
      finish(await (await import('./run.js')).resumeCommand(ctx, runId, opts)),
    );

  program
    .command('status')
    .description('a run and its steps (the latest run without an id)')
    .argument('[run-id]')
    .action(async (runId: string | undefined) => finish(await (await import('./status.js')).statusCommand(ctx, runId)));

  program
    .command('logs')
    .description("a run's events and output")
    .argument('<run-id>')
    .option('--step <id>', 'only this step')
    .option('-f, --follow', 'keep printing until the run ends')
    .action(async (runId: string, opts: { step?: string; follow?: boolean }) =>
      finish(await (await import('./logs.js')).logsCommand(ctx, runId, opts)),
    );

  program
    .command('artifacts')
    .description("a run's collected outputs; --export copies them to DIR/<step>/<path>")
    .argument('<run-id>')
    .option('--step <id>', 'only this step')
    .option('--export <dir>', 'copy the artifacts here')
    .action(async (runId: string, opts: { step?: string; export?: string }) =>
      finish(await (await import('./artifacts.js')).artifactsCommand(ctx, runId, opts)),
    );

  program
    .command('diff')
    .description("a run's change: the patch of each tree's last writing step (git apply takes it)")
    .argument('<run-id>')
    .option('--step <id>', "this step's change (counted from its tree's base)")
    .option('--stat', 'files and line counts only')
    .action(async (runId: string, opts: { step?: string; stat?: boolean }) =>
      finish(await (await import('./diff.js')).diffCommand(ctx, runId, opts)),
    );

  program
    .command('apply')
    .description("a run's change as a new branch of your repository; your files, index and HEAD stay as they are")
    .argument('<run-id>')
    .option('--step <id>', "this step's change (needed when the run changed several trees)")
    .option('--branch <name>', 'the branch to create (default wave/<run-id>); an existing one is never overwritten')
    .option('--check', 'check that it applies and show it; change nothing')
    .option('--force', 'also apply changes to Git hooks, CI workflows and submodules')
    .option('--to-working-tree', 'apply it to your working tree instead (only a clean one)')
    .action(async (runId: string, opts: import('../engine/changes-service.js').ApplyOptions) =>
      finish(await (await import('./apply.js')).applyCommand(ctx, runId, opts)),
    );

  program
    .command('cancel')
    .description('stop a run from any terminal; its containers are removed')
    .argument('<run-id>')
    .action(async (runId: string) => finish(await (await import('./cancel.js')).cancelCommand(ctx, runId)));

  const gate = program.command('gate').description('the gates runs wait at: list them, answer them from any terminal');
  gate
    .command('list')
    .description('gates waiting for an answer (also of runs whose process ended: taken on wave resume)')
    .action(async () => finish(await (await import('./gate.js')).gateListCommand(ctx)));
  for (const verdict of ['approve', 'reject'] as const) {
    const command = gate
      .command(verdict)
      .description(
        verdict === 'approve'
          ? 'answer a gate: its --choice, else its default (a gate without choices: approve)'
          : 'reject a gate: its step fails, and with it the run',
      )
      .argument('<run-id>')
      .argument('<step>');
    if (verdict === 'approve') command.option('--choice <key>', 'the choice to answer with');
    command
      .option('--message <text>', 'a note recorded with the answer')
      .action(async (runId: string, step: string, opts: import('./gate.js').GateAnswerOptions) =>
        finish(await (await import('./gate.js')).gateAnswerCommand(ctx, verdict, runId, step, opts)),
      );
  }

  program
    .command('serve')
    .description('the web dashboard: runs, their DAGs, step output, artifacts and diffs, live; cancel, resume, apply')
    .option('--port <n>', 'the port (0 picks a free one)', '8080')
    .option(
      '--bind <address>',
      'the address to listen on; any but loopback needs the token for every page',
      '127.0.0.1',
    )
    .option('--token <token>', 'the login token (default: WAVE_SERVE_TOKEN, else a new one, printed once)')
    .action(async (opts: import('./serve.js').ServeCommandOptions) =>
      finish(await (await import('./serve.js')).serveCommand(ctx, opts)),
    );

  program
    .command('clean')
    .description('remove finished runs (workspaces, logs, containers); never a running one')
    .option('--keep <n>', 'keep the n newest finished runs')
    .option('--older-than <duration>', 'only runs finished longer ago than this (e.g. 12h, 7d, 2w)')
    .option('--dry-run', 'only say what would be removed')
    .action(async (opts: { keep?: string; olderThan?: string; dryRun?: boolean }) =>
      finish(await (await import('./clean.js')).cleanCommand(ctx, opts)),
    );

  const images = program.command('images').description('build, list and prune the images steps run in');
  images
    .command('build')
    .description('build images (base and the adapters), only what changed')
    .argument('[names...]', 'base, claude, codex, gemini, opencode (default: all)')
    .option('--base-image <ref>', 'FROM for the base image (default: a local debian:trixie-slim or the bootstrap)')
    .option(
      '--extra-ca <file>',
      'trust this PEM bundle in every image (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--no-cache', 'rebuild every layer')
    .option('--bootstrap-base', "build the base's Debian from Debian's packages when no base image is present")
    .action(async (names: string[], opts: import('./images.js').ImagesBuildOptions & { cache?: boolean }) =>
      finish(
        await (await import('./images.js')).imagesBuildCommand(ctx, names, { ...opts, noCache: opts.cache === false }),
      ),
    );
  images
    .command('list', { isDefault: true })
    .description('Wave images: tag, size, age and the adapters that use them')
    .action(async () => finish(await (await import('./images.js')).imagesListCommand(ctx)));
  images
    .command('prune')
    .description('remove superseded image builds no container uses')
    .option('--dry-run', 'only say what would be removed')
    .action(async (opts: { dryRun?: boolean }) =>
      finish(await (await import('./images.js')).imagesPruneCommand(ctx, opts)),
    );

  const bench = program.command('bench').description('run a dataset of tasks as runs, and report on them');
  bench
    .command('run')
    .description('run every task of a dataset (SWE-bench-like JSONL, or a folder of Harbor tasks) and evaluate it')
    .requiredOption('--dataset <path>', 'a .jsonl file or a folder of Harbor tasks')
    .option('--pipeline <name>', 'the pipeline each task runs (default: impl-issue up to its implement step)')
    .option('--adapter <name>', 'use this adapter for every prompt step')
    .option('--model <model>', 'use this model (or tier) for every prompt step')
    .option(
      '--workers <n>',
      'containers running at once across all tasks (1-32; default runtime.max_concurrent_workers)',
    )
    .option('--limit <n>', 'at most n tasks')
    .option('--offset <n>', 'skip the first n tasks')
    .option('--filter <globs>', 'only tasks whose id matches one of these comma-separated globs')
    .option('--bench-id <id>', 'the bench to create or continue (the same id skips done tasks)')
    .action(async (opts: import('./bench.js').BenchRunOptions) =>
      finish(await (await import('./bench.js')).benchRunCommand(ctx, opts)),
    );
  bench
    .command('report')
    .description('resolved rate, per-task outcomes, errors by class; writes report.json and junit.xml')
    .argument('<bench-id>')
    .option('--out <dir>', 'where report.json and junit.xml go (default .wave/bench/<bench-id>)')
    .action(async (id: string, opts: { out?: string }) =>
      finish(await (await import('./bench.js')).benchReportCommand(ctx, id, opts)),
    );
  bench
    .command('compare')
    .description('the tasks whose outcome changed between two benches')
    .argument('<a>')
    .argument('<b>')
    .action(async (a: string, b: string) => finish(await (await import('./bench.js')).benchCompareCommand(ctx, a, b)));
  bench
    .command('list')
    .description('the benches of this project')
    .action(async () => finish(await (await import('./bench.js')).benchListCommand(ctx)));

  program
    .command('doctor')
    .description('check the Docker engine, the images and leftover containers')
    .action(async () => finish(await (await import('./doctor.js')).doctorCommand(ctx)));

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
      return;
    }
    process.exitCode = reportError(err, ctx);
  }
}
