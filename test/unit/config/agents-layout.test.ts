// The original Wave's `.agents/` layout next to `.wave/`: discovery, precedence, path fallbacks and wave init.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  defaultsDir,
  findPipeline,
  initProject,
  inferProjectDir,
  listPipelines,
  resolveProjectPath,
} from '../../../src/config/index.js';
import { validateProject } from '../../../src/validate/index.js';
import { pipelineYaml, tempProject } from './_helpers.js';

const pipeline = (description: string): string =>
  pipelineYaml('  - id: a\n    exec: {type: command, script: "true"}\n').replace(
    '  name: demo\n',
    `  name: demo\n  description: ${description}\n`,
  );

describe('the .agents/ layout', () => {
  it('finds pipelines in .agents/pipelines; .wave/ wins for a name in both, then the defaults', async () => {
    const dir = await tempProject({
      '.agents/pipelines/only-agents.yaml': pipeline('from agents'),
      '.agents/pipelines/both.yaml': pipeline('from agents'),
      '.wave/pipelines/both.yaml': pipeline('from wave'),
    });
    assert.equal((await findPipeline('only-agents', dir)).path, path.join(dir, '.agents/pipelines/only-agents.yaml'));
    assert.equal((await findPipeline('both', dir)).path, path.join(dir, '.wave/pipelines/both.yaml'));
    const listed = await listPipelines(dir);
    const row = (name: string) => listed.find((p) => p.name === name);
    assert.deepEqual(
      ['only-agents', 'both', 'hello-world'].map((n) => [row(n)?.source, row(n)?.description]),
      [
        ['project', 'from agents'],
        ['project', 'from wave'],
        ['default', 'Write a greeting, then have a second agent review it'],
      ],
    );
  });

  it('a pipeline under .agents/pipelines/ belongs to the project above it', () => {
    assert.equal(inferProjectDir('/p/.agents/pipelines/x.yaml'), '/p');
    assert.equal(inferProjectDir('/p/other/pipelines/x.yaml'), '/p/other/pipelines');
  });

  it('.agents/… paths fall back to the embedded defaults like .wave/… paths', async () => {
    const dir = await tempProject({});
    const r = resolveProjectPath('.agents/contracts/findings.schema.json', dir);
    assert.deepEqual([r.exists, r.fromDefaults], [true, true]);
  });

  it('wave init --layout agents writes .agents/ and a manifest pointing into it, which validates', async () => {
    const dir = await tempProject({});
    const { written } = await initProject({ dir, layout: '.agents' });
    assert.ok(written.includes(path.join(dir, '.agents/pipelines/hello-world.yaml')));
    assert.equal(existsSync(path.join(dir, '.wave')), false);
    const manifest = await readFile(path.join(dir, 'wave.yaml'), 'utf8');
    assert.match(manifest, /system_prompt_file: \.agents\/personas\/navigator\.md/);
    assert.doesNotMatch(manifest, /\.wave\//);
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), all: true });
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error'),
      [],
    );
    const shipped = readdirSync(path.join(defaultsDir(), 'pipelines')).map((f) => f.replace(/\.yaml$/, ''));
    assert.deepEqual(r.pipelinesChecked, shipped.sort());
  });
});
