// llm_judge: one model call, made by Wave on the host through the model gateway's upstream (ContractContext.judge;
// never a key in a container). The judge answers per criterion; Wave, not the model, computes the score
// (criteria passed / criteria) and compares it with the threshold. The answer's shape is the original's:
// {criteria_results: [{criterion, pass, reasoning}], overall_pass, score, summary}.
import { ContractConfigError } from './failure.js';
import { locateSource, readSource } from './source.js';
import { expectNumberIn, expectString, expectStringList } from './spec-checks.js';
import type { CheckOutcome, ContractDefinition, ContractError, JudgeRequest, LlmJudgeSpec } from './types.js';

/** The original's limit on what the judge reads: 50 KB, cut with a notice. */
export const JUDGE_INPUT_BYTES = 50 * 1024;
export const JUDGE_TOOL = 'record_judgement';

export interface CriterionResult {
  criterion: string;
  pass: boolean;
  reasoning: string;
}

export interface Judgement {
  results: CriterionResult[];
  score: number;
  passed: boolean;
  summary: string;
}

const JUDGEMENT_SCHEMA = {
  type: 'object',
  required: ['criteria_results', 'overall_pass', 'score', 'summary'],
  properties: {
    criteria_results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['criterion', 'pass', 'reasoning'],
        properties: { criterion: { type: 'string' }, pass: { type: 'boolean' }, reasoning: { type: 'string' } },
      },
    },
    overall_pass: { type: 'boolean' },
    score: { type: 'number' },
    summary: { type: 'string' },
  },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The judge's answer, criterion by criterion as configured (matched by text, else by position); a criterion the
 * answer does not judge counts as failed. Score = passed / total, pass iff score >= threshold.
 */
export function scoreJudgement(criteria: readonly string[], answer: unknown, threshold: number): Judgement {
  const given = isObject(answer) && Array.isArray(answer.criteria_results) ? answer.criteria_results : [];
  const parsed = given.filter(isObject).map((r) => ({
    criterion: typeof r.criterion === 'string' ? r.criterion : '',
    pass: r.pass === true,
    reasoning: typeof r.reasoning === 'string' ? r.reasoning : '',
  }));
  const results = criteria.map((criterion, i): CriterionResult => {
    const found = parsed.find((r) => r.criterion.trim() === criterion.trim()) ?? parsed[i];
    return found
      ? { criterion, pass: found.pass, reasoning: found.reasoning }
      : { criterion, pass: false, reasoning: 'the judge did not judge this criterion' };
  });
  const score = results.length === 0 ? 0 : results.filter((r) => r.pass).length / results.length;
  const summary = isObject(answer) && typeof answer.summary === 'string' ? answer.summary : '';
  return { results, score, passed: score >= threshold, summary };
}

export function judgeRequest(spec: LlmJudgeSpec, rel: string, content: string): Omit<JudgeRequest, 'signal'> {
  const criteria = spec.criteria.map((c, i) => `${i + 1}. ${c}`).join('\n');
  return {
    ...(spec.model === undefined ? {} : { model: spec.model }),
    system:
      "You are a strict judge of a pipeline step's output. Judge each criterion on its own, from the output alone. " +
      `Answer only by calling ${JUDGE_TOOL}.`,
    prompt: `## Criteria\n\n${criteria}\n\n## Output: ${rel}\n\n<output>\n${content}\n</output>\n`,
    tool: {
      name: JUDGE_TOOL,
      description: 'Records the judgement: one result per criterion, in the order given.',
      input_schema: JUDGEMENT_SCHEMA,
    },
  };
}

function failedErrors(j: Judgement, threshold: number): ContractError[] {
  const summary = j.summary ? `: ${j.summary}` : '';
  const head = `judge score ${j.score.toFixed(2)} is below the threshold ${threshold}${summary}`;
  const failed = j.results
    .filter((r) => !r.pass)
    .map((r) => ({ path: '', message: `criterion not met: ${r.criterion}${r.reasoning ? ` (${r.reasoning})` : ''}` }));
  return [{ path: '', message: head }, ...failed];
}

export const llmJudgeContract: ContractDefinition<LlmJudgeSpec> = {
  type: 'llm_judge',

  validate(spec) {
    const problems = [
      ...expectStringList(spec, 'criteria'),
      ...expectNumberIn(spec, 'threshold', 0, 1),
      ...expectString(spec, 'model', false),
    ];
    if (!Array.isArray(spec.criteria) || spec.criteria.length === 0) problems.push("llm_judge: 'criteria' is required");
    return problems;
  },

  async check(spec, ctx): Promise<CheckOutcome> {
    if (!ctx.judge) throw new ContractConfigError('llm_judge: no model can be called here');
    const src = await locateSource(spec, ctx);
    const bytes = await readSource(src);
    const cut = bytes.length > JUDGE_INPUT_BYTES;
    const text =
      bytes.subarray(0, JUDGE_INPUT_BYTES).toString('utf8') +
      (cut ? `\n[... truncated at ${JUDGE_INPUT_BYTES} bytes ...]` : '');
    const answer = await ctx.judge({
      ...judgeRequest(spec, src.rel, text),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const threshold = spec.threshold ?? 1;
    if (answer.judgement === undefined) {
      return {
        errors: [{ path: '', message: 'the judge gave no judgement' }],
        details: { tokens: answer.tokens, score: 0 },
      };
    }
    const judgement = scoreJudgement(spec.criteria, answer.judgement, threshold);
    const details = {
      source: src.rel,
      score: judgement.score,
      threshold,
      results: judgement.results,
      tokens: answer.tokens,
    };
    return { errors: judgement.passed ? [] : failedErrors(judgement, threshold), details };
  },

  async describe(spec) {
    const threshold = spec.threshold ?? 1;
    const list = spec.criteria.map((c) => `- ${c}`).join('\n');
    const share = `${Math.round(threshold * 100)}%`;
    return `A judge model reads your output and checks these criteria; at least ${share} must be met:\n\n${list}`;
  },
};
