// source_diff: the step changed code where it should: at least `min_files` (default 1) changed files match `glob`
// (default every file) and none of `exclude`. The change is Wave's own (computed by its safe git from the base);
// a step that changes no code has none, which is an error, never a pass.
import { ContractConfigError } from './failure.js';
import { matchesAny } from './glob.js';
import { expectPositiveInteger, expectString, expectStringList } from './spec-checks.js';
import type { ContractContext, ContractDefinition, SourceDiffSpec } from './types.js';

/** The changed files the contract counts: matching glob, not matching exclude (dotfiles included). */
export function matchingFiles<F extends { path: string }>(
  files: readonly F[],
  glob: string | readonly string[] = '**',
  exclude: readonly string[] = [],
): F[] {
  const globs = typeof glob === 'string' ? [glob] : glob;
  return files.filter((f) => matchesAny(f.path, globs) && !matchesAny(f.path, exclude));
}

/** The step's change, or the error a contract on changes reports on a step without one. */
export function changesOf(ctx: ContractContext, type: string): NonNullable<ContractContext['changes']> {
  if (!ctx.changes) {
    throw new ContractConfigError(
      `${type} checks a change: give the step workspace.type: worktree or a readwrite mount`,
    );
  }
  return ctx.changes;
}

export const sourceDiffContract: ContractDefinition<SourceDiffSpec> = {
  type: 'source_diff',

  validate(spec) {
    return [
      ...expectString(spec, 'glob', false),
      ...expectStringList(spec, 'exclude'),
      ...expectPositiveInteger(spec, 'min_files'),
    ];
  },

  async check(spec, ctx) {
    const changes = changesOf(ctx, 'source_diff');
    const matched = matchingFiles(changes.files, spec.glob, spec.exclude);
    const min = spec.min_files ?? 1;
    const details = { changed: changes.files.length, matched: matched.map((f) => f.path), min_files: min };
    if (matched.length >= min) return { errors: [], details };
    const which = `${spec.glob ?? '**'}${spec.exclude?.length ? ` (not ${spec.exclude.join(', ')})` : ''}`;
    const message = `${matched.length} changed file(s) match ${which}; at least ${min} must`;
    return { errors: [{ path: '', message }], details };
  },

  async describe(spec) {
    const min = spec.min_files ?? 1;
    const exclude = spec.exclude?.length ? `, not ${spec.exclude.map((e: string) => `\`${e}\``).join(', ')}` : '';
    return `Change at least ${min} file(s) of /wave/src matching \`${spec.glob ?? '**'}\`${exclude}.`;
  },
};
