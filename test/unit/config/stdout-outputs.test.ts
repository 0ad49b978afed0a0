// `source: stdout` outputs in the pipeline file: accepted with a file path, refused for a folder or another source.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readPipeline } from '../../../src/config/index.js';
import { pipelineYaml, tempProject } from './_helpers.js';

const step = (output: string) => `  - id: a
    type: command
    script: echo hi
    output_artifacts: [${output}]
`;

describe('output_artifacts source', () => {
  const cases: Array<{ output: string; source?: 'stdout'; error?: RegExp }> = [
    { output: '{name: log, path: log.txt, source: stdout}', source: 'stdout' },
    { output: '{name: log, path: out/log.bin, type: binary, source: stdout}', source: 'stdout' },
    { output: '{name: log, path: log.txt, source: file}' },
    { output: '{name: log, path: log.txt}' },
    {
      output: '{name: log, path: logs/, source: stdout}',
      error: /a stdout output is one file, not the folder 'logs\/'/,
    },
    { output: '{name: log, path: log.txt, source: pipe}', error: /source/ },
  ];
  for (const c of cases) {
    it(c.output, async () => {
      const dir = await tempProject({ 'p.yaml': pipelineYaml(step(c.output)) });
      const { loaded, problems } = await readPipeline(path.join(dir, 'p.yaml'));
      const errors = problems.filter((p) => p.severity === 'error').map((p) => p.message);
      if (c.error) {
        assert.equal(errors.length, 1, errors.join('\n'));
        assert.match(errors[0] ?? '', c.error);
        return;
      }
      assert.deepEqual(errors, []);
      assert.equal(loaded?.pipeline.steps[0]?.output_artifacts[0]?.source, c.source);
    });
  }
});
