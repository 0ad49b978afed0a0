// Persona side files (.agents/personas/<name>.yaml): fields wave.yaml leaves out come from them; bad ones are errors.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readManifest } from '../../../src/config/index.js';
import { PROMPT_FILES, manifestYaml, tempProject } from './_helpers.js';

const load = async (side: string, layout = '.agents') => {
  const dir = await tempProject({
    'wave.yaml': manifestYaml(),
    ...PROMPT_FILES,
    [`${layout}/personas/navigator.yaml`]: side,
  });
  return readManifest(path.join(dir, 'wave.yaml'));
};

describe('persona side files', () => {
  it('fill what wave.yaml leaves out (description, model, permissions); temperature is metadata', async () => {
    const { loaded, problems } = await load(
      'description: "Maps code"\ntemperature: 0.2\nmodel: cheapest\npermissions:\n  allowed_tools: [Read]\n  deny: []\n',
    );
    assert.deepEqual(problems, []);
    const p = loaded?.manifest.personas.navigator;
    assert.deepEqual(
      [p?.description, p?.model, p?.permissions],
      ['Maps code', 'cheapest', { allowed_tools: ['Read'], deny: [] }],
    );
  });

  it('what wave.yaml says wins', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml('    description: from the manifest\n'),
      ...PROMPT_FILES,
      '.wave/personas/navigator.yaml': 'description: from the side file\n',
    });
    const { loaded } = await readManifest(path.join(dir, 'wave.yaml'));
    assert.equal(loaded?.manifest.personas.navigator?.description, 'from the manifest');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an unknown key', 'adapter: codex\n', /navigator\.yaml:1:1 unknown key 'adapter'/],
    [
      'a wrong type',
      'permissions:\n  allowed_tools: Read\n',
      /navigator\.yaml:2:18 'permissions\.allowed_tools' must be a list/,
    ],
    ['not a mapping', '- a\n', /navigator\.yaml:1:1 a persona side file must be a mapping/],
  ];
  for (const [name, text, expected] of bad) {
    it(`${name} is an error naming file:line`, async () => {
      const { loaded, problems } = await load(text);
      assert.equal(loaded, undefined);
      assert.match(
        problems.map((p) => `${path.basename(p.file)}:${p.line}:${p.column} ${p.message}`).join('\n'),
        expected,
      );
    });
  }
});
