// The global flags every command shares, resolved once.
import path from 'node:path';

export type OutputMode = 'text' | 'json';

export interface CliContext {
  /** Absolute path of the manifest (`-m/--manifest`, default ./wave.yaml). */
  manifestPath: string;
  /** The project directory: the manifest's folder. `.wave/` lives here. */
  projectDir: string;
  output: OutputMode;
  color: boolean;
  verbose: boolean;
  debug: boolean;
}

export interface GlobalFlags {
  manifest?: string;
  output?: string;
  color?: boolean;
  verbose?: boolean;
  debug?: boolean;
}

export function contextFromFlags(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): CliContext {
  const manifestPath = path.resolve(flags.manifest ?? 'wave.yaml');
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    manifestPath,
    projectDir: path.dirname(manifestPath),
    output: flags.output === 'json' ? 'json' : 'text',
    color: flags.color !== false && !noColorEnv && Boolean(process.stdout.isTTY),
    verbose: Boolean(flags.verbose),
    debug: Boolean(flags.debug),
  };
}
