// The condition expression form, table-driven: what parses (and where it does not), and what holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionReferences, evaluateCondition, parseCondition } from '../../../src/plan/condition.js';

const STATE = '{{ steps.check.output.state }}';
const N = '{{ steps.check.output.n }}';
// By field: `{{ check.output.f }}` (without steps.) reads what `{{ steps.check.output.f }}` reads.
const fields: Record<string, unknown> = { state: 'done', n: 3, yes: 'Yes', flag: true };
const valueOf = (ref: string): unknown =>
  ref === 'outcome' ? 'success' : fields[/\.output\.([\w-]+)/.exec(ref)?.[1] ?? ''];

describe('parseCondition', () => {
  const refused: Array<[string, string, number]> = [
    ['', 'the condition is empty', 1],
    [`'done'`, 'expected a comparison (== != < > <= >=), got the end', 7],
    [
      `{{ check.output.state == done }}`,
      "'done' is not a value: quote a string ('done') or write a {{ reference }}",
      26,
    ],
    [`{{ check.output.state =! 'x' }}`, "unexpected '!'", 24],
    [`${STATE} == done`, "'done' is not a value: quote a string ('done') or write a {{ reference }}", 35],
    [`${STATE} == 'done`, "a string '… is not closed", 35],
    [`{{ steps.check.output.state == 'done'`, "a reference '{{' is not closed", 1],
    [`${STATE} == 'done' &&`, 'expected a {{ reference }} or a value, got the end', 44],
    [`${STATE} == 'done' 'x'`, "expected &&, || or the end, got ''x''", 42],
    [`${N} =! 3`, "unexpected '!'", 29],
    ['outcome=succes', "outcome is success or failure, not 'succes'", 9],
    [
      'context.tests_passed=true',
      "the original's 'context.tests_passed' has no value in Wave; compare a step's JSON output instead: {{ steps.<id>.output.tests_passed }} == '…'",
      1,
    ],
  ];
  for (const [text, message, column] of refused) {
    it(`refuses ${JSON.stringify(text)} at column ${column}`, () => {
      assert.deepEqual(parseCondition(text), { ok: false, message, column });
    });
  }

  it('lists each reference once', () => {
    const parsed = parseCondition(`${STATE} == 'done' && ${N} > 1 || ${STATE} != 'x'`);
    assert.ok(parsed.ok);
    assert.deepEqual(conditionReferences(parsed.condition), [STATE, N]);
  });

  it("reads the original's references without steps. as references, which iterate.over's reader takes as written", () => {
    const table: Array<[string, string]> = [
      [`{{ check.output.state }} == 'x'`, '{{ check.output.state }}'],
      [`{{ check.output.state == 'x' }}`, '{{ check.output.state }}'],
      [`{{check.output.state}}`, '{{check.output.state}}'],
      [`{{ outcome = 'x' }}`, 'outcome'],
    ];
    for (const [text, ref] of table) {
      const parsed = parseCondition(text);
      assert.ok(parsed.ok, text);
      assert.deepEqual(conditionReferences(parsed.condition), [ref], text);
    }
  });
});

describe('evaluateCondition', () => {
  const table: Array<[string, boolean]> = [
    [`${STATE} == 'done'`, true],
    [`${STATE} == "done"`, true],
    [`${STATE} != 'done'`, false],
    [`${N} == 3`, true],
    [`${N} == '3'`, true],
    [`${N} > 2`, true],
    [`${N} < 3`, false],
    [`${N} <= 3`, true],
    [`${N} >= 4`, false],
    [`${N} > 5 && ${STATE} == 'done'`, false],
    [`${N} > 5 || ${STATE} == 'done'`, true],
    [`${N} > 5 || ${STATE} == 'done' && ${N} == 0`, false],
    [`{{ steps.check.output.missing }} == null`, false],
    [`true == true`, true],
    [`{{ check.output.state }} == 'done'`, true],
    [`{{ check.output.state == 'done' }}`, true],
    [`{{check.output.n > 2 && steps.check.output.state != "x"}}`, true],
    [`{{ check.output.n < 2 }}`, false],
    [`${STATE}`, true],
    [`{{ check.output.n }}`, false],
    [`{{ check.output.yes }}`, true],
    [`{{ check.output.flag }} && ${N} == 3`, true],
    [`{{ check.output.missing }} || ${N} == 4`, false],
    [`${N} = 3`, true],
    [`{{ check.output.state = 'done' }}`, true],
    ['outcome=success', true],
    ['outcome = failure', false],
    [`outcome != 'failure' && ${N} >= 3`, true],
  ];
  for (const [text, holds] of table) {
    it(`${text} → ${holds}`, () => {
      const parsed = parseCondition(text);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.deepEqual(evaluateCondition(parsed.condition, valueOf), { ok: true, holds });
    });
  }

  it('order needs numbers on both sides', () => {
    const parsed = parseCondition(`${STATE} > 2`);
    assert.ok(parsed.ok);
    assert.deepEqual(evaluateCondition(parsed.condition, valueOf), {
      ok: false,
      message: '> compares numbers, not done and 2',
    });
  });
});
