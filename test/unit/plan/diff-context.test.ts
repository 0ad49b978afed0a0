// The original's `context: [{source: git_diff}]` on a review step: `wave validate` finds the writing step it
// means (named, or the only one upstream) and refuses each way it can be wrong; the engine renders the recorded
// change as a fenced diff, cut at max_size with the original's notice.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Step } from '../../../src/config/types.js';
import { renderDiffContext } from '../../../src/engine/diff-context.js';
import type { StepRunnerDeps } from '../../../src/engine/step-deps.js';
import { StepGraph } from '../../../src/plan/graph.js';
import { checkPipelineFile } from '../../../src/validate/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-diff-context-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function problems(steps: string): Promise<string[]> {
  const file = path.join(dir, 'p.yaml');
  writeFileSync(file, `kind: WavePipeline\nmetadata: {name: p}\nsteps:\n${steps}`);
  const checked = await checkPipelineFile(file, dir);
  return checked.problems.filter((p) => p.severity === 'error').map((p) => p.message);
}

const writer = (id: string, deps = '[]') =>
  `  - {id: ${id}, type: command, script: 'true', dependencies: ${deps}, workspace: {type: worktree, branch: ${id}}}\n`;
const reader = (id: string, deps: string, context: string) =>
  `  - {id: ${id}, type: command, script: 'true', dependencies: ${deps}}\n`.replace(
    "type: command, script: 'true'",
    `exec: {type: prompt, source: review}, persona: reviewer, context: [${context}]`,
  );

describe('context git_diff: wave validate', () => {
  const table: Array<[string, string, string[]]> = [
    [
      'the one writer upstream (through another step)',
      writer('a') + writer('m', '[a]').replace(/, workspace.*}}/, '}') + reader('r', '[m]', '{source: git_diff}'),
      [],
    ],
    [
      'a named writer',
      writer('a') + writer('b') + reader('r', '[a, b]', '{source: git_diff, step: b, max_size: 10kb}'),
      [],
    ],
    [
      'two writers, none named',
      writer('a') + writer('b') + reader('r', '[a, b]', '{source: git_diff}'),
      ["step 'r': context git_diff needs an upstream step that changes code; several do (a, b): name one with step:"],
    ],
    [
      'no writer',
      reader('r', '[]', '{source: git_diff}'),
      ["step 'r': context git_diff needs an upstream step that changes code; none does"],
    ],
    [
      'an unknown step',
      writer('a') + reader('r', '[a]', '{source: git_diff, step: aa}'),
      ["step 'r': context git_diff names unknown step 'aa'"],
    ],
    [
      'a step not upstream',
      writer('a') + writer('b') + reader('r', '[a]', '{source: git_diff, step: b}'),
      ["step 'r': context git_diff: step 'b' is not upstream"],
    ],
    [
      'a bad max_size',
      writer('a') + reader('r', '[a]', '{source: git_diff, max_size: "lots"}'),
      ["'steps[1].context[0].max_size' must match exactly one schema in oneOf"],
    ],
    [
      'a command step',
      writer('a') + `  - {id: c, type: command, script: 'true', dependencies: [a], context: [{source: git_diff}]}\n`,
      ["step 'c': context is added to a prompt; a command step reads the change itself"],
    ],
  ];
  for (const [name, steps, expected] of table) {
    it(name, async () => {
      const found = (await problems(steps)).filter((m) => !m.includes("persona 'reviewer'"));
      for (const message of expected)
        assert.ok(
          found.some((f) => f.includes(message)),
          `${message}\nin ${found.join('\n')}`,
        );
      if (expected.length === 0)
        assert.deepEqual(
          found.filter((f) => f.includes('context')),
          [],
        );
    });
  }

  it("refuses the original's artifact source as not supported yet", async () => {
    const found = await problems(writer('a') + reader('r', '[a]', '{source: artifact, artifact: plan}'));
    assert.ok(
      found.some((f) => /artifact/.test(f) && /not supported|not implement/.test(f)),
      found.join('\n'),
    );
  });
});

describe('context git_diff: what the prompt gets', () => {
  const steps = [
    { id: 'impl', dependencies: [], exec: { type: 'command', script: 'true' }, workspace: { type: 'worktree' } },
    { id: 'review', dependencies: ['impl'], exec: { type: 'prompt', source: 'x' } },
  ] as unknown as Step[];
  function depsWith(patch: string): StepRunnerDeps {
    const folder = path.join(dir, `changes-${Math.random().toString(36).slice(2)}`);
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'changes.patch'), patch);
    const record = { name: 'changes', path: folder };
    return { runId: 'r1', store: { artifacts: { list: () => [record] } } } as unknown as StepRunnerDeps;
  }
  const review = (context: Step['context']) => ({ ...steps[1], context }) as Step;

  it('is the recorded patch in a fence no line of it closes', async () => {
    const patch = 'diff --git a/x b/x\n+```js\n+code\n';
    const text = await renderDiffContext(depsWith(patch), new StepGraph(steps), review([{ source: 'git_diff' }]));
    assert.equal(text, `## Context\n\n### Git diff: the change of step impl\n\n\`\`\`\`diff\n${patch}\`\`\`\`\n`);
  });

  it("is cut at max_size with the original's notice; an empty change says so", async () => {
    const cut = await renderDiffContext(
      depsWith('a'.repeat(100)),
      new StepGraph(steps),
      review([{ source: 'git_diff', max_size: 10 }]),
    );
    assert.ok(cut.includes(`\`\`\`diff\n${'a'.repeat(10)}\n\`\`\`\n\n[... truncated at 10 bytes ...]`), cut);
    const none = await renderDiffContext(depsWith(''), new StepGraph(steps), review([{ source: 'git_diff' }]));
    assert.match(none, /step impl\n\nNo changes\.\n$/);
    assert.equal(await renderDiffContext(depsWith('x'), new StepGraph(steps), review(undefined)), '');
  });
});
