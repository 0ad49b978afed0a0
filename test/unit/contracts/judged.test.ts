// agent_review and llm_judge without containers or models: the reviewer and the judge are the context's functions
// (the engine's in a run). What is checked here is Wave's part: the verdict's fixed shape, fail/warn/pass, a
// reviewer over budget, the judge's score computed by Wave (passed / total) against the threshold, and the
// rejected and rework outcomes of runContracts.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runContracts, type JudgeRequest, type ReviewRequest } from '../../../src/contracts/index.js';
import { scoreJudgement } from '../../../src/contracts/llm-judge.js';
import { checkVerdict } from '../../../src/contracts/verdict.js';
import { context, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

const verdict = (v: Record<string, unknown>) =>
  JSON.stringify({ verdict: 'pass', issues: [], suggestions: [], summary: 'fine', ...v });

describe('the verdict shape', () => {
  it('accepts the fixed shape, with or without confidence', () => {
    assert.ok('verdict' in checkVerdict(JSON.parse(verdict({ confidence: 0.9 }))));
    assert.ok('verdict' in checkVerdict(JSON.parse(verdict({}))));
  });

  it('names every problem of a malformed verdict', () => {
    const checked = checkVerdict({ verdict: 'maybe', issues: [{ severity: 1 }], summary: 3, confidence: 2, extra: 1 });
    assert.deepEqual('problems' in checked ? checked.problems : [], [
      "unknown key 'extra'",
      'verdict must be one of: pass, fail, warn',
      'issues[0] must be {severity: string, description: string}',
      'suggestions must be a list of strings',
      'summary must be a string',
      'confidence must be a number from 0 to 1',
    ]);
  });
});

describe('agent_review', () => {
  const spec = { type: 'agent_review', persona: 'auditor', source: 'o.md' };
  async function review(answer: { verdict?: string; tokens?: number; failure?: string }, extra = {}) {
    const asked: ReviewRequest[] = [];
    const out = await outFolder({ 'o.md': '# draft\n' });
    const ctx = context(out, [{ name: 'o', path: 'o.md' }], {
      review: async (request) => {
        asked.push(request);
        return { tokens: answer.tokens ?? 10, ...answer };
      },
    });
    return { run: await runContracts([{ ...spec, ...extra }], ctx), asked };
  }

  it('fail fails the contract with the issues and suggestions as its errors', async () => {
    const issues = [{ severity: 'high', description: 'no tests' }];
    const { run, asked } = await review({
      verdict: verdict({ verdict: 'fail', issues, suggestions: ['add one'], summary: 'incomplete' }),
    });
    assert.equal(run.passed, false);
    assert.deepEqual(
      run.results[0]?.errors.map((e) => e.message),
      ['review verdict fail: incomplete', '[high] no tests', 'suggestion: add one'],
    );
    assert.match(asked[0]?.prompt ?? '', /\/wave\/out\/verdict\.json/);
  });

  it('warn passes with a warning; pass passes', async () => {
    const warned = (await review({ verdict: verdict({ verdict: 'warn', summary: 'style' }) })).run.results[0];
    assert.deepEqual([warned?.ok, warned?.details.warning], [true, 'review by auditor warns: style']);
    assert.equal((await review({ verdict: verdict({}) })).run.passed, true);
  });

  it('a malformed or missing verdict, or a reviewer that did not finish, fails the contract', async () => {
    const bad = (await review({ verdict: '{"verdict": "pass"}' })).run.results[0];
    assert.match(bad?.errors.map((e) => e.message).join() ?? '', /issues must be a list/);
    const none = (await review({})).run.results[0];
    assert.match(none?.errors[0]?.message ?? '', /wrote no \/wave\/out\/verdict\.json/);
    const over = (await review({ tokens: 900, failure: 'the reviewer used 900 tokens, over its token_budget of 500' }))
      .run.results[0];
    assert.match(over?.errors[0]?.message ?? '', /the review did not finish: .*over its token_budget of 500/);
  });

  it('passes the timeout and the criteria file through', async () => {
    const { asked } = await review({ verdict: verdict({}) }, { timeout: '90s', criteria_path: 'review-criteria.md' });
    assert.equal(asked[0]?.timeoutMs, 90_000);
    assert.match(asked[0]?.prompt ?? '', /Every public function has a test/);
  });
});

describe('llm_judge', () => {
  const criteria = ['a', 'b', 'c', 'd'];
  const results = (passed: number) =>
    criteria.map((criterion, i) => ({ criterion, pass: i < passed, reasoning: `r${i}` }));

  it('the score is passed / total, computed by Wave; pass iff score >= threshold', () => {
    const answer = (passed: number) => ({
      criteria_results: results(passed),
      overall_pass: true,
      score: 1,
      summary: 's',
    });
    assert.deepEqual(
      [scoreJudgement(criteria, answer(3), 0.75).score, scoreJudgement(criteria, answer(3), 0.75).passed],
      [0.75, true],
    );
    assert.deepEqual(
      [scoreJudgement(criteria, answer(2), 0.75).score, scoreJudgement(criteria, answer(2), 0.75).passed],
      [0.5, false],
    );
    assert.equal(scoreJudgement(criteria, answer(3), 1).passed, false, 'the default threshold is 1.0');
  });

  it('a criterion the judge skipped counts as failed; results match by text before position', () => {
    const swapped = {
      criteria_results: [
        { criterion: 'b', pass: false },
        { criterion: 'a', pass: true },
      ],
    };
    assert.deepEqual(
      scoreJudgement(['a', 'b'], swapped, 0.5).results.map((r) => r.pass),
      [true, false],
    );
    const reworded = {
      criteria_results: [
        { criterion: 'A.', pass: true },
        { criterion: 'B.', pass: false },
      ],
    };
    assert.deepEqual(
      scoreJudgement(['a', 'b'], reworded, 0.5).results.map((r) => r.pass),
      [true, false],
    );
    const missing = scoreJudgement(['a', 'b', 'c', 'd'], { criteria_results: [] }, 0.5);
    assert.deepEqual([missing.score, missing.results[0]?.reasoning], [0, 'the judge did not judge this criterion']);
  });

  it('one call with the output and the criteria; errors name the criteria not met', async () => {
    const out = await outFolder({ 'o.md': '# report\n' });
    const asked: JudgeRequest[] = [];
    const ctx = context(out, [{ name: 'o', path: 'o.md' }], {
      judge: async (request) => {
        asked.push(request);
        return {
          judgement: { criteria_results: results(2), overall_pass: true, score: 1, summary: 'half' },
          tokens: 5,
        };
      },
    });
    const run = await runContracts([{ type: 'llm_judge', criteria, threshold: 0.75 }], ctx);
    assert.equal(asked.length, 1);
    assert.match(asked[0]?.prompt ?? '', /# report/);
    assert.equal(run.passed, false);
    assert.deepEqual(
      run.results[0]?.errors.map((e) => e.message),
      ['judge score 0.50 is below the threshold 0.75: half', 'criterion not met: c (r2)', 'criterion not met: d (r3)'],
    );
    assert.equal(run.results[0]?.details.score, 0.5);
  });
});

describe('runContracts: rejected and rework', () => {
  const empty = (extra: Record<string, unknown>) => ({ type: 'non_empty_file', source: 'empty.txt', ...extra });
  it('rejected and rework fail hard and stop the evaluation there', async () => {
    const out = await outFolder({ 'empty.txt': '', 'full.txt': 'x' });
    const later = { type: 'non_empty_file', source: 'full.txt' };
    for (const [extra, outcome] of [
      [{ on_failure: 'rejected' }, 'rejected'],
      [{ on_failure: 'rework', rework_step: 'fix' }, 'rework'],
    ] as const) {
      const run = await runContracts([empty(extra), later], context(out));
      assert.deepEqual([run.passed, run.results.map((r) => r.outcome), run.notRun.length], [false, [outcome], 1]);
    }
  });
});
