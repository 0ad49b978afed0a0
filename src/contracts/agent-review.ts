// agent_review: another persona judges the step's outputs. The engine runs the reviewer in its own container with a
// read-only view of what it judges (ContractContext.review); this file says what the reviewer is asked and checks
// the verdict it wrote against the fixed shape (verdict.ts). A fail verdict fails the contract with the reviewer's
// issues as the errors (the feedback a retry or a rework step reads); warn passes with a warning.
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../config/units.js';
import { showValue } from '../config/problems.js';
import { ContractConfigError } from './failure.js';
import { parseJsonText } from './json-text.js';
import { expectPositiveInteger, expectString } from './spec-checks.js';
import type { AgentReviewSpec, CheckOutcome, ContractDefinition, ContractError, ResolvePath } from './types.js';
import { checkVerdict, VERDICT_SCHEMA, type ReviewVerdict } from './verdict.js';

/** The original's reviewer timeout was 120 s; a CLI in a fresh container needs some more to start. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 5 * 60_000;
export const VERDICT_FILE = 'verdict.json';

function validateContext(spec: AgentReviewSpec): string[] {
  const context: unknown = spec.context;
  if (context === undefined) return [];
  if (!Array.isArray(context)) return ['agent_review: context must be a list'];
  return context.flatMap((entry: unknown, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) return [`agent_review: context[${i}] must be a mapping`];
    if (e.source === 'artifact' && typeof e.artifact !== 'string') {
      return [`agent_review: context[${i}] (source: artifact) needs artifact: <step>.<artifact>`];
    }
    if (e.source !== 'artifact' && e.source !== 'git_diff') {
      return [`agent_review: context[${i}].source must be git_diff or artifact`];
    }
    return [];
  });
}

async function readCriteria(spec: AgentReviewSpec, resolvePath: ResolvePath): Promise<string> {
  if (spec.criteria_path === undefined) return '';
  try {
    return await readFile(resolvePath(spec.criteria_path), 'utf8');
  } catch (err) {
    throw new ContractConfigError(`agent_review: cannot read criteria_path '${spec.criteria_path}'`, { cause: err });
  }
}

/** The reviewer's task; the engine adds where the material is mounted. */
export function reviewPrompt(criteria: string): string {
  return [
    'Review the work described above against the criteria below. You cannot change it: only judge it.',
    '',
    '## Criteria',
    '',
    criteria.trim() || 'Is the work correct, complete and of good quality for what the step was asked to do?',
    '',
    '## Verdict',
    '',
    `Write your verdict as JSON to /wave/out/${VERDICT_FILE}, exactly in this shape (JSON Schema):`,
    '',
    '```json',
    JSON.stringify(VERDICT_SCHEMA, null, 2),
    '```',
    '',
    '`fail` when a criterion is not met (list each problem in issues), `warn` for problems that should not block,',
    '`pass` otherwise. Then finish with one sentence.',
  ].join('\n');
}

function verdictErrors(v: ReviewVerdict): ContractError[] {
  const issues = v.issues.map((i) => ({ path: '', message: `[${i.severity}] ${i.description}` }));
  const suggestions = v.suggestions.map((s) => ({ path: '', message: `suggestion: ${s}` }));
  return [{ path: '', message: `review verdict fail: ${v.summary}` }, ...issues, ...suggestions];
}

export const agentReviewContract: ContractDefinition<AgentReviewSpec> = {
  type: 'agent_review',

  validate(spec) {
    const problems = [
      ...expectString(spec, 'persona', true),
      ...expectString(spec, 'criteria_path', false),
      ...expectString(spec, 'model', false),
      ...expectPositiveInteger(spec, 'token_budget'),
      ...validateContext(spec as AgentReviewSpec),
    ];
    if (spec.timeout !== undefined && (typeof spec.timeout !== 'string' || parseDuration(spec.timeout) === undefined)) {
      problems.push(`agent_review: timeout '${showValue(spec.timeout)}' is not a duration such as "2m"`);
    }
    return problems;
  },

  async check(spec, ctx): Promise<CheckOutcome> {
    if (!ctx.review) throw new ContractConfigError('agent_review: no reviewer can be started here');
    const prompt = reviewPrompt(await readCriteria(spec, ctx.resolvePath));
    const timeoutMs = spec.timeout === undefined ? DEFAULT_REVIEW_TIMEOUT_MS : (parseDuration(spec.timeout) ?? 0);
    const run = await ctx.review({ spec, prompt, verdictPath: VERDICT_FILE, timeoutMs, ...signalOf(ctx.signal) });
    const base = { reviewer: spec.persona, tokens: run.tokens };
    if (run.failure)
      return { errors: [{ path: '', message: `the review did not finish: ${run.failure}` }], details: base };
    if (run.verdict === undefined) {
      return { errors: [{ path: '', message: `the reviewer wrote no /wave/out/${VERDICT_FILE}` }], details: base };
    }
    const checked = checkVerdict(parseJsonText(run.verdict, VERDICT_FILE));
    if ('problems' in checked) {
      return { errors: checked.problems.map((message) => ({ path: VERDICT_FILE, message })), details: base };
    }
    const v = checked.verdict;
    const details = { ...base, ...v, score: v.verdict === 'fail' ? 0 : 1 };
    if (v.verdict === 'fail') return { errors: verdictErrors(v), details };
    if (v.verdict === 'warn') {
      return { errors: [], details: { ...details, warning: `review by ${spec.persona} warns: ${v.summary}` } };
    }
    return { errors: [], details };
  },

  async describe(spec) {
    const criteria = spec.criteria_path ? ` against the criteria in \`${spec.criteria_path}\`` : '';
    return (
      `After you finish, a separate reviewer (persona \`${spec.persona}\`) judges your outputs${criteria}, ` +
      'read-only, and returns a verdict (pass, fail or warn) with issues and suggestions. ' +
      'A fail verdict fails this check.'
    );
  },
};

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
