// Commander wiring. Every command's module is imported only when that command runs, so `wave --version`
// and `wave --help` load nothing heavy (Docker, SQLite, ajv).
import { readFileSync } from 'node:fs';
import { ExitCode } from '../errors.js';
import { contextFromFlags, type CliContext, type GlobalFlags } from './context.js';
import { reportError } from './fail.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** One line per command in `wave --help`: what it does and an example. */
const examples: Array<[string, string]> = [
  ['wave init', 'write wave.yaml and .wave/ from the defaults'],
  ['wave validate --all', 'check the manifest and every pipeline'],
  ['wave validate --pipeline code-review', 'check one pipeline'],
  ['wave list pipelines -o json', 'list pipelines as JSON'],
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
    .addHelpText('after', '\nExamples:\n' + examples.map(([cmd, what]) => `  ${cmd.padEnd(40)} ${what}`).join('\n') + '\n');

  const finish = (code: number | void) => {
    if (typeof code === 'number') process.exitCode = code;
  };

  program
    .command('init')
    .description('write wave.yaml and .wave/{personas,pipelines,contracts} from the defaults')
    .option('--force', 'overwrite existing files')
    .action(async (opts: { force?: boolean }) => finish(await (await import('./init.js')).initCommand(ctx, opts)));

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
    .description('list pipelines, personas or adapters as a table')
    .argument('<what>', 'pipelines | personas | adapters')
    .action(async (what: string) => finish(await (await import('./list.js')).listCommand(ctx, what)));

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
