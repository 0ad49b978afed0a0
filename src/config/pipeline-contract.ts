// The per-contract checks of a step: what each contract type needs, and keys used by the wrong type.

import { CONTAINED_PATH_HINT, resolveProjectPath } from './paths.js';
import { type Ctx, outPathProblem, report } from './pipeline-context.js';
import { findTemplateVars } from './placeholders.js';
import type { Contract, DocPath, OutputArtifact } from './types.js';
import { parseDuration } from './units.js';

/** What a placeholder meant as a variable looks like (`{{ input }}`, `{{ project.test_command }}`; not `{{.Id}}`). */
const VARIABLE = /^[A-Za-z_][\w.-]*$/;

/** Contract types that check a file; test_suite checks a command's exit status instead. */
const FILE_CONTRACTS = new Set(['json_schema', 'typescript_interface', 'markdown_spec', 'format', 'non_empty_file']);

/** rework_step goes with on_failure: rework (and back); the other rework keys tune it. Messages without a label. */
export function reworkProblems(c: Pick<Contract, 'on_failure' | 'rework_step'> & Record<string, unknown>): string[] {
  const problems: string[] = [];
  const rework = c.on_failure === 'rework';
  if (rework && typeof c.rework_step !== 'string')
    problems.push('on_failure rework needs rework_step: <a rework_only step>');
  if (!rework && c.rework_step !== undefined) problems.push('rework_step needs on_failure: rework');
  for (const key of ['max_retries', 'convergence_window', 'convergence_min_improvement']) {
    if (!rework && c[key] !== undefined) problems.push(`${key} is only used with on_failure: rework`);
  }
  return problems;
}

export function checkContract(c: Contract, at: DocPath, stepId: string, outputs: OutputArtifact[], ctx: Ctx): void {
  const label = `step '${stepId}': ${c.type} contract`;
  for (const problem of reworkProblems(c)) {
    report(ctx, 'error', `${label}: ${problem}`, [...at, c.on_failure === 'rework' ? 'on_failure' : 'rework_step']);
  }
  if (c.type === 'llm_judge' && !c.criteria?.length) {
    report(ctx, 'error', `${label} needs criteria: [what the judge checks, …]`, [...at, 'type']);
  }
  if (c.type === 'agent_review' && c.persona === undefined) {
    report(ctx, 'error', `${label} needs persona: <the reviewer persona>`, [...at, 'type']);
  }
  const wrongSource = c.source === undefined ? undefined : outPathProblem(c.source);
  if (wrongSource) report(ctx, 'error', `${label}: source '${c.source}' ${wrongSource}`, [...at, 'source']);
  if (FILE_CONTRACTS.has(c.type) && c.source === undefined && outputs.length === 0) {
    report(ctx, 'error', `${label} has nothing to check: give it a source or declare output_artifacts`, [
      ...at,
      'type',
    ]);
  }
  if (c.type === 'json_schema') {
    if (c.schema === undefined && c.schema_path === undefined) {
      report(ctx, 'error', `${label} needs schema_path or an inline schema`, [...at, 'type']);
    } else if (c.schema !== undefined && c.schema_path !== undefined) {
      report(ctx, 'error', `${label}: use either schema or schema_path, not both`, [...at, 'schema_path']);
    }
  }
  if (c.type === 'typescript_interface' && c.schema_path === undefined) {
    report(ctx, 'error', `${label} needs schema_path (the .ts file declaring the interface)`, [...at, 'type']);
  }
  if (c.type === 'test_suite' && c.command === undefined) {
    report(ctx, 'error', `${label} needs a command`, [...at, 'type']);
  }
  // Not a template: a placeholder there would reach the shell as written (the original format had them).
  const placeholder = findTemplateVars(c.command ?? '').find((v) => VARIABLE.test(v.expr));
  if (placeholder) {
    const hint = 'it runs on the outputs at /wave/out and the source at /wave/src; write \\{{ for a literal {{';
    const message = `${label}: {{ ${placeholder.expr} }} is not filled in: a contract command is not a template`;
    report(ctx, 'error', message, [...at, 'command'], hint);
  }
  if (c.command !== undefined && c.type !== 'test_suite') {
    report(ctx, 'error', `${label}: command is only used by test_suite contracts`, [...at, 'command']);
  }
  for (const key of ['required_headings', 'headings', 'max_length'] as const) {
    if (c[key] !== undefined && c.type !== 'markdown_spec')
      report(ctx, 'error', `${label}: ${key} is only used by markdown_spec contracts`, [...at, key]);
  }
  if (c.interface !== undefined && c.type !== 'typescript_interface') {
    report(ctx, 'error', `${label}: interface is only used by typescript_interface contracts`, [...at, 'interface']);
  }
  for (const key of ['network', 'allowed_domains'] as const) {
    if (c[key] !== undefined && c.type !== 'test_suite') {
      report(ctx, 'error', `${label}: ${key} is only used by test_suite contracts`, [...at, key]);
    }
  }
  if (c.network === 'none' && c.allowed_domains?.length) {
    const message = `${label}: allowed_domains has no effect with network: none`;
    report(ctx, 'error', message, [...at, 'allowed_domains'], 'use network: allowlist, or drop allowed_domains');
  }
  if (c.max_size !== undefined && c.type !== 'non_empty_file') {
    report(ctx, 'error', `${label}: max_size is only used by non_empty_file contracts`, [...at, 'max_size']);
  }
  if (c.format !== undefined && c.type !== 'format') {
    report(ctx, 'error', `${label}: format is only used by format contracts`, [...at, 'format']);
  }
  if (c.type === 'format' && c.format === undefined) {
    report(ctx, 'error', `${label} needs format: json | yaml | markdown | text`, [...at, 'type']);
  }
  if (c.timeout !== undefined && parseDuration(c.timeout) === undefined) {
    report(ctx, 'error', `${label}: timeout '${c.timeout}' is not a duration`, [...at, 'timeout']);
  }
  for (const key of ['schema_path', 'criteria_path'] as const) {
    const file = c[key];
    if (file === undefined) continue;
    const resolved = resolveProjectPath(file, ctx.projectDir);
    if (resolved.refused) {
      report(ctx, 'error', `${label}: ${key} '${file}' ${resolved.refused}`, [...at, key], CONTAINED_PATH_HINT);
    } else if (!resolved.exists) {
      report(
        ctx,
        'error',
        `${label}: ${key} '${file}' not found (looked for ${resolved.path})`,
        [...at, key],
        'paths are relative to the project folder; .wave/… falls back to the embedded defaults',
      );
    }
  }
}
