// `wave validate` of branch steps: each case's pipeline must exist and not come back to one on the way, branch.on
// is one upstream reference, and what needs a single child pipeline is refused with it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';
import { tempProject } from '../config/_helpers.js';

const pipeline = (name: string, steps: string) => `kind: WavePipeline\nmetadata: {name: ${name}}\nsteps:\n${steps}`;
const SCOPE =
  '  - id: scope\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: s, path: s.json}]\n';
const LEAF = pipeline('leaf', '  - id: work\n    exec: {type: command, script: "true"}\n');

async function problems(files: Record<string, string>, which: string): Promise<string[]> {
  const dir = await tempProject(
    Object.fromEntries(Object.entries(files).map(([name, text]) => [`.wave/pipelines/${name}.yaml`, text])),
  );
  const check = await checkPipelineFile(path.join(dir, '.wave', 'pipelines', `${which}.yaml`), dir);
  return check.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.message}`);
}

const branchStep = (on: string, cases: string, extra = '') =>
  `${SCOPE}  - id: pick\n    dependencies: [scope]\n    branch:\n      on: "${on}"\n      cases: {${cases}}\n${extra}`;

describe('branch validation', () => {
  it('accepts cases naming pipelines of the project, skip and _default', async () => {
    const root = pipeline(
      'root',
      branchStep('{{ steps.scope.output.kind }}', 'small: leaf, big: skip, _default: leaf'),
    );
    assert.deepEqual(await problems({ leaf: LEAF, root }, 'root'), []);
  });

  it("names a case's unknown pipeline at the case's line", async () => {
    const root = pipeline('root', branchStep('{{ steps.scope.output.kind }}', 'small: leaf, big: nowhere'));
    const [first, ...rest] = await problems({ leaf: LEAF, root }, 'root');
    assert.match(first ?? '', /^11: step 'pick': .*nowhere/);
    assert.deepEqual(rest, []);
  });

  it('refuses a cycle through a branch case with its path', async () => {
    const a = pipeline('a', branchStep('{{ steps.scope.output.kind }}', 'again: b'));
    const b = pipeline('b', '  - id: back\n    pipeline: a\n');
    assert.deepEqual(await problems({ a, b }, 'a'), ["11: step 'pick': circular pipeline reference: a → b → a"]);
  });

  it('checks branch.on like iterate.over', async () => {
    const root = pipeline('root', branchStep('{{ steps.scope.artifacts.t.kind }}', 'x: leaf'));
    assert.deepEqual(await problems({ leaf: LEAF, root }, 'root'), [
      "10: step 'pick': branch.on: step 'scope' declares no artifact 't'",
    ]);
    const loose = pipeline('loose', branchStep('kind {{ steps.scope.output.kind }}', 'x: leaf'));
    const [first] = await problems({ leaf: LEAF, loose }, 'loose');
    assert.match(first ?? '', /branch\.on 'kind .*' must be one reference to a JSON value/);
  });

  it('refuses what needs a single child pipeline', async () => {
    const extra = '    pipeline: leaf\n    config: {extract: [work.x]}\n';
    const root = pipeline('root', branchStep('{{ steps.scope.output.kind }}', 'x: leaf', extra));
    const found = await problems({ leaf: LEAF, root }, 'root');
    assert.ok(
      found.some((p) => p.includes('pipeline cannot be used with branch:')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.includes('config.extract cannot be used with branch:')),
      found.join('\n'),
    );
  });
});
