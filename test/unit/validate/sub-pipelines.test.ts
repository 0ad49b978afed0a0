// `wave validate` of composite steps: circular pipeline references refused with their path, extracted outputs
// checked against the child's pipeline_outputs and seen by dependents, iterate.over references and {{ item }}.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Problem } from '../../../src/config/index.js';
import { checkPipelineFile } from '../../../src/validate/index.js';
import { tempProject } from '../config/_helpers.js';

const pipeline = (name: string, steps: string, extra = '') =>
  `kind: WavePipeline\nmetadata: {name: ${name}}\n${extra}steps:\n${steps}`;

async function problems(files: Record<string, string>, which: string): Promise<string[]> {
  const dir = await tempProject(
    Object.fromEntries(Object.entries(files).map(([name, text]) => [`.wave/pipelines/${name}.yaml`, text])),
  );
  const check = await checkPipelineFile(path.join(dir, '.wave', 'pipelines', `${which}.yaml`), dir);
  return check.problems.filter((p) => p.severity === 'error').map((p: Problem) => `${p.line}: ${p.message}`);
}

const CHILD = pipeline(
  'child',
  '  - id: work\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: report, path: r.json}]\n',
  'pipeline_outputs:\n  report: {step: work, artifact: report}\n',
);

describe('sub-pipelines', () => {
  it('refuses a circular reference with its path, however deep', async () => {
    const files = {
      a: pipeline('a', '  - id: to-b\n    pipeline: b\n'),
      b: pipeline('b', '  - id: to-c\n    pipeline: c\n'),
      c: pipeline('c', '  - id: back\n    pipeline: a\n'),
    };
    assert.deepEqual(await problems(files, 'a'), ["5: step 'to-b': circular pipeline reference: a → b → c → a"]);
    assert.deepEqual(await problems({ self: pipeline('self', '  - id: me\n    pipeline: self\n') }, 'self'), [
      "5: step 'me': circular pipeline reference: self → self",
    ]);
  });

  it("extracts the child's outputs; dependents read them as deps.<step>.<artifact>", async () => {
    const parent = pipeline(
      'parent',
      `  - id: sub
    pipeline: child
  - id: use
    dependencies: [sub]
    exec: {type: command, script: "cat {{ deps.sub.report }} {{ deps.sub.nope }}"}
`,
    );
    assert.deepEqual(await problems({ child: CHILD, parent }, 'parent'), [
      "8: step 'use': {{ deps.sub.nope }}: step 'sub' declares no artifact 'nope'",
    ]);
    const wrong = pipeline('wrong', '  - id: sub\n    pipeline: child\n    config: {extract: [nothing]}\n');
    const [first] = await problems({ child: CHILD, wrong }, 'wrong');
    assert.match(first ?? '', /config\.extract 'nothing' is not one of pipeline 'child''s outputs/);
  });

  it('checks iterate.over, {{ item }} and aggregate.from', async () => {
    const scope =
      '  - id: scope\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: s, path: s.json}]\n';
    const each = (over: string, script: string, from: string) => `${scope}  - id: each
    dependencies: [scope]
    iterate: {over: "${over}"}
    exec: {type: command, script: "${script}"}
    output_artifacts: [{name: n, path: n.json}]
    aggregate: {from: ${from}, into: all, strategy: merge_arrays}
`;
    const over = pipeline('over', each('{{ steps.scope.artifacts.t.items }}', 'echo {{ item.n }}', 'n'));
    assert.deepEqual(await problems({ over }, 'over'), [
      "9: step 'each': iterate.over: step 'scope' declares no artifact 't'",
    ]);
    const from = pipeline('from', each('{{ steps.scope.output.items }}', 'true', 'm'));
    assert.deepEqual(await problems({ from }, 'from'), [
      "12: step 'each': aggregate.from 'm' is not an output of the items",
    ]);
    const plain = pipeline('plain', '  - id: plain\n    exec: {type: command, script: "echo {{ item }}"}\n');
    assert.deepEqual(await problems({ plain }, 'plain'), [
      "5: step 'plain': {{ item }} is only set in a step with iterate:",
    ]);
  });
});
