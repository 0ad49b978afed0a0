// `wave validate` on judged contracts and rework: the original's rules (the rework target exists, is rework_only,
// is not the step itself, is neither upstream nor downstream, serves one step only), no self-review, and the
// refusals of what Wave cannot do yet, each with the line of the key at fault.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-judged-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function problems(steps: string): Promise<string[]> {
  const file = path.join(dir, 'p.yaml');
  writeFileSync(file, `kind: WavePipeline\nmetadata: {name: p}\nsteps:\n${steps}`);
  const checked = await checkPipelineFile(file, dir);
  return checked.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.message}`);
}

const cmd = (id: string, extra = '') => `  - {id: ${id}, type: command, script: 'true'${extra}}\n`;
const judged = (target: string, extra = '') =>
  cmd(
    'draft',
    `, output_artifacts: [{name: o, path: o.md}], ` +
      `handover: {contract: {type: non_empty_file, on_failure: rework, rework_step: ${target}}}${extra}`,
  );

describe('rework: wave validate', () => {
  const table: Array<[string, string, string[]]> = [
    ['a rework_only target that nothing else touches', judged('fix') + cmd('fix', ', rework_only: true'), []],
    [
      'the target does not exist',
      judged('fixx') + cmd('fix', ', rework_only: true'),
      [
        "4: step 'draft': non_empty_file contract: rework_step 'fixx' is not a step (did you mean 'fix'?)",
        "5: step 'fix' is rework_only but no contract names it as rework_step: it would never run",
      ],
    ],
    [
      'the target is not rework_only',
      judged('fix') + cmd('fix'),
      ["4: step 'draft': non_empty_file contract: rework_step 'fix' is not rework_only"],
    ],
    [
      'the step itself',
      judged('draft'),
      ["4: step 'draft': non_empty_file contract: a step cannot be its own rework_step"],
    ],
    [
      'upstream',
      judged('fix', ', dependencies: [fix]') + cmd('fix', ', rework_only: true'),
      [
        "4: step 'draft': non_empty_file contract: rework_step 'fix' is upstream of step 'draft'",
        "5: step 'fix' is rework_only, so it cannot be a dependency (of draft)",
      ],
    ],
    [
      'downstream',
      judged('fix') + cmd('fix', ', rework_only: true, dependencies: [draft]'),
      [
        "4: step 'draft': non_empty_file contract: rework_step 'fix' is downstream of step 'draft'",
        "5: step 'fix' depends on 'draft', which is not upstream of 'draft' (the step it reworks)",
      ],
    ],
    [
      'used by two steps',
      judged('fix') +
        cmd(
          'second',
          ', handover: {contract: {type: non_empty_file, source: x, on_failure: rework, rework_step: fix}}',
        ) +
        cmd('fix', ', rework_only: true'),
      ["6: step 'fix' is the rework_step of several steps: draft, second"],
    ],
    [
      'a rework_only step no contract names',
      cmd('fix', ', rework_only: true'),
      ["4: step 'fix' is rework_only but no contract names it as rework_step: it would never run"],
    ],
    [
      'rework without a rework_step',
      cmd(
        'a',
        ', output_artifacts: [{name: o, path: o.md}], handover: {contract: {type: non_empty_file, on_failure: rework}}',
      ),
      ["4: step 'a': non_empty_file contract: on_failure rework needs rework_step: <a rework_only step>"],
    ],
    [
      'a rework_step without on_failure rework',
      cmd(
        'a',
        ', output_artifacts: [{name: o, path: o.md}], handover: {contract: {type: non_empty_file, rework_step: fix}}',
      ) + cmd('fix', ', rework_only: true'),
      [
        "4: step 'a': non_empty_file contract: rework_step needs on_failure: rework",
        "5: step 'fix' is rework_only but no contract names it as rework_step: it would never run",
      ],
    ],
    [
      'rework of a step that changes code',
      judged('fix', ', workspace: {type: worktree, branch: d}') + cmd('fix', ', rework_only: true'),
      ["4: step 'draft': non_empty_file contract: rework of a step that changes code is not supported yet"],
    ],
  ];
  for (const [name, steps, expected] of table) {
    it(name, async () => assert.deepEqual(await problems(steps), expected));
  }
});

describe('judged contracts: wave validate', () => {
  const review = (persona: string, extra = '') =>
    `  - id: a\n    persona: navigator\n    exec: {type: prompt, source: hi}\n` +
    `    output_artifacts: [{name: o, path: o.md}]\n` +
    `    handover:\n      contracts:\n        - {type: agent_review, persona: ${persona}${extra}}\n`;

  it("a reviewer persona that is the step's own is refused at the persona", async () => {
    assert.deepEqual(await problems(review('navigator')), [
      "10: step 'a': agent_review contract: the reviewer persona 'navigator' is the step's own",
    ]);
  });

  it('criteria_path must be a file of the project; .. out of it is refused', async () => {
    const [problem] = await problems(review('auditor', ', criteria_path: ../outside.md'));
    assert.match(problem ?? '', /^10: step 'a': agent_review contract: criteria_path '\.\.\/outside\.md' /);
    assert.match((await problems(review('auditor', ', criteria_path: missing.md')))[0] ?? '', /not found/);
  });

  it('llm_judge needs criteria; agent_review a persona', async () => {
    const steps = cmd(
      'a',
      ', output_artifacts: [{name: o, path: o.md}], handover: {contracts: [{type: llm_judge}, {type: agent_review}]}',
    );
    assert.deepEqual(await problems(steps), [
      "4: step 'a': llm_judge contract needs criteria: [what the judge checks, …]",
      "4: step 'a': agent_review contract needs persona: <the reviewer persona>",
    ]);
  });
});
