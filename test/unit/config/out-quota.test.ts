// resources.out_size / out_files in wave.yaml: accepted as sizes and counts, refused with file:line otherwise.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readManifest, type Problem } from '../../../src/config/index.js';
import { PROMPT_FILES, manifestYaml, tempProject } from './_helpers.js';

async function problemsOf(extra: string): Promise<string[]> {
  const dir = await tempProject({ 'wave.yaml': manifestYaml(extra), ...PROMPT_FILES });
  const { problems } = await readManifest(path.join(dir, 'wave.yaml'));
  return problems.map((p: Problem) => `${p.line}:${p.column} ${p.severity} ${p.message}`);
}

describe('resources.out_size and out_files', () => {
  it('accepts sizes and counts, in the runtime and in a persona', async () => {
    assert.deepEqual(
      await problemsOf(
        '    resources: {out_size: 64m, out_files: 500}\nruntime:\n  sandbox:\n    resources: {out_size: 2GiB, out_files: 20000, memory: 4g}\n',
      ),
      [],
    );
  });

  it('refuses a size that is not one, with its line', async () => {
    const problems = await problemsOf('    resources: {out_size: lots}\n');
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^18:\d+ error 'personas.navigator.resources.out_size' must be a size/);
  });

  it('refuses a file count that is not a positive integer', async () => {
    for (const bad of ['0', '1.5', 'many']) {
      const problems = await problemsOf(`runtime:\n  sandbox:\n    resources: {out_files: ${bad}}\n`);
      assert.equal(problems.length, 1, bad);
      assert.match(problems[0] ?? '', /^20:\d+ error 'runtime.sandbox.resources.out_files'/, bad);
    }
  });

  it('refuses a quota larger than the memory it would live in', async () => {
    const problems = await problemsOf('    resources: {memory: 1g, out_size: 2g}\n');
    assert.deepEqual(problems.length, 1);
    assert.match(problems[0] ?? '', /^18:\d+ error out_size '2g' is larger than memory '1g'/);
  });
});
