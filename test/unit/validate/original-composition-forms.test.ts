// Forms the original's shipped composition pipelines write: `{{ <step>.output.<field> }}` without `steps.` in
// iterate.over and branch.on, and iterate.max_concurrent with mode: sequential (a warning that it is not applied).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';
import { tempProject } from '../config/_helpers.js';

const SCOPE =
  '  - id: scope\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: s, path: s.json}]\n';

async function problems(steps: string): Promise<string[]> {
  const dir = await tempProject({
    '.wave/pipelines/p.yaml': `kind: WavePipeline\nmetadata: {name: p}\nsteps:\n${steps}`,
  });
  const check = await checkPipelineFile(path.join(dir, '.wave', 'pipelines', 'p.yaml'), dir);
  return check.problems.map((p) => `${p.severity} ${p.line}: ${p.message}`);
}

describe("the original's composition forms", () => {
  it('reads {{ <step>.output.<field> }} as {{ steps.<step>.output.<field> }}', async () => {
    const each = `  - id: each\n    dependencies: [scope]\n    exec: {type: command, script: "echo {{ item }}"}\n`;
    assert.deepEqual(await problems(`${SCOPE}${each}    iterate: {over: "{{scope.output.items}}"}\n`), []);
    const far = `${SCOPE}${each}    iterate: {over: "{{ nowhere.output.items }}"}\n`;
    assert.deepEqual(await problems(far), ["error 10: step 'each': iterate.over names unknown step 'nowhere'"]);
  });

  it('iterate.max_concurrent with mode: sequential is a warning that it is not applied', async () => {
    const steps = `${SCOPE}  - id: each\n    dependencies: [scope]\n    exec: {type: command, script: "true"}
    iterate: {over: "{{ scope.output.items }}", mode: sequential, max_concurrent: 3}\n`;
    assert.deepEqual(await problems(steps), [
      "warning 10: step 'each': not applied: iterate.max_concurrent with mode: sequential (one item at a time)",
    ]);
  });
});
