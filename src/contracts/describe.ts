// The contract section of a step's instructions, generated from the contracts themselves (never written by hand,
// so it cannot drift from what is checked), and the list of failures fed back into the retry prompt.
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { WaveError } from '../errors.js';
import { ContractConfigError } from './failure.js';
import { code, fenced } from './markdown-text.js';
import { definitionOf, validateContractSpec } from './registry.js';
import type { ContractRunResult } from './run.js';
import { containerPath } from './source.js';
import type { ContractInput, ContractSpec, DescribeEnv, OnFailure } from './types.js';

const SEVERITY: Record<OnFailure, string> = {
  fail: 'required',
  warn: 'advisory: a failure is reported but does not fail the step',
  skip: 'optional: if it fails, the checks after it are not run',
  rejected: 'required: a failure ends the run as rejected',
  rework: 'required: a failure sends your outputs to a rework step, then every check runs again',
};

/** "## Output contract": where each output goes and exactly what is checked. */
export async function describeContracts(specs: readonly ContractInput[], env: DescribeEnv): Promise<string> {
  const lines = ['## Output contract', ''];
  if (env.outputs.length > 0) {
    lines.push(`Write your outputs under ${code(SANDBOX_PATHS.out)}:`, '');
    for (const o of env.outputs) lines.push(`- ${code(o.name)}: ${code(containerPath(o.path))}`);
    lines.push('');
  }
  if (specs.length === 0) {
    lines.push('No automatic checks run on your outputs.');
    return lines.join('\n');
  }
  lines.push(
    `When you finish, your outputs are checked by machine, in this order. The step passes only if every required check passes; otherwise you are asked to fix what failed.`,
  );
  for (const [i, input] of specs.entries()) {
    const problems = validateContractSpec(input);
    if (problems.length > 0) {
      throw new WaveError('pipeline_invalid', `contract ${i + 1}: ${problems.join('; ')}`, {
        hint: 'run `wave validate`',
      });
    }
    const spec = input as ContractSpec;
    let body: string;
    try {
      body = await definitionOf(spec).describe(spec, env);
    } catch (err) {
      if (err instanceof ContractConfigError) {
        throw new WaveError('pipeline_invalid', `contract ${i + 1} (${spec.type}): ${err.message}`, {
          hint: 'run `wave validate`',
          cause: err,
        });
      }
      throw err;
    }
    lines.push('', `### Check ${i + 1}: ${spec.type} (${SEVERITY[spec.on_failure ?? 'fail']})`, '', body);
  }
  return lines.join('\n');
}

const MAX_ERRORS_PER_CONTRACT = 20;
const MAX_FAILURES_CHARS = 16_000;

function renderError(path: string, message: string): string {
  const [first, ...rest] = message.split('\n');
  const head = path ? `  - ${code(path)}: ${first}` : `  - ${first}`;
  if (rest.length === 0) return head;
  return `${head}\n${fenced('', rest.join('\n'))
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}`;
}

/** A compact Markdown list of what failed, for the retry prompt; '' when nothing failed. */
export function describeFailures(results: readonly ContractRunResult[]): string {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return '';
  const lines = ['Your previous attempt failed these checks:', ''];
  for (const r of failed) {
    const source = typeof r.details.source === 'string' ? `, ${code(r.details.source)}` : '';
    const label = r.hard ? '' : ' (advisory)';
    lines.push(`- Check ${r.index + 1} (${r.type}${source})${label}:`);
    for (const e of r.errors.slice(0, MAX_ERRORS_PER_CONTRACT)) lines.push(renderError(e.path, e.message));
    if (r.errors.length > MAX_ERRORS_PER_CONTRACT)
      lines.push(`  - … and ${r.errors.length - MAX_ERRORS_PER_CONTRACT} more`);
    if (r.details.recovered === true)
      lines.push('  - (the JSON had to be extracted from surrounding text: write only the JSON)');
  }
  let text = lines.join('\n');
  if (text.length > MAX_FAILURES_CHARS) text = `${text.slice(0, MAX_FAILURES_CHARS)}\n… (cut)`;
  return text;
}
