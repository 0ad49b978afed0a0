// A pipeline's skills: SKILL.md folders of the project, checked by wave validate and given to Claude Code's HOME.
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { skillHomeFiles } from '../../../src/config/skills.js';
import { validateProject } from '../../../src/validate/index.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from './_helpers.js';

const SKILL = '---\nname: tidy\ndescription: Keep it tidy.\n---\nTidy up.\n';
const STEP = '  - id: a\n    persona: navigator\n    exec: {type: prompt, source: hi}\n';

const project = (skills: string, files: Record<string, string> = {}, manifest = manifestYaml()) =>
  tempProject({
    'wave.yaml': manifest,
    ...PROMPT_FILES,
    '.agents/skills/tidy/SKILL.md': SKILL,
    '.agents/skills/tidy/scripts/check.sh': 'echo ok\n',
    'p.yaml': pipelineYaml(STEP, `skills: ${skills}\n`),
    ...files,
  });
const errors = async (dir: string) => {
  const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
  return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.message}`);
};

describe('pipeline skills', () => {
  it('a skill folder of the project validates, also named from project.*', async () => {
    assert.deepEqual(await errors(await project('[tidy]')), []);
    const named = await project('["{{ project.skill }}"]', {}, manifestYaml('project:\n  skill: tidy\n'));
    assert.deepEqual(await errors(named), []);
  });

  it('a missing skill is an error; a Codex adapter takes skills too', async () => {
    const [missing] = await errors(await project('[tdy]'));
    assert.match(
      missing ?? '',
      /^4:10 skills: skill 'tdy' not found \(looked for .*\.wave\/skills\/tdy\/SKILL\.md and/,
    );
    const codex = manifestYaml()
      .replace('  claude:\n    binary: claude\n    image: wave/claude:latest', '  codex:\n    binary: codex')
      .replace('adapter: claude', 'adapter: codex')
      .replace(/default_model: .*\n/, 'default_model: gpt-5-codex\n')
      .replace(/ {4}tier_models:\n( {6}.*\n){3}/, '');
    assert.deepEqual(await errors(await project('[tidy]', {}, codex)), []);
  });

  it("become files under each CLI's HOME skills folder; a link out is refused", async () => {
    const dir = await project('[tidy]');
    const homes = { claude: '.claude/skills', codex: '.agents/skills', gemini: '.gemini/skills' };
    for (const [cli, home] of Object.entries({ ...homes, opencode: '.config/opencode/skills' })) {
      assert.deepEqual(skillHomeFiles(['tidy'], dir, cli), {
        [`${home}/tidy/SKILL.md`]: SKILL,
        [`${home}/tidy/scripts/check.sh`]: 'echo ok\n',
      });
    }
    assert.throws(() => skillHomeFiles(['tidy'], dir, 'aider'), /skills cannot be given to aider/);
    writeFileSync(path.join(dir, 'secret'), 'x');
    symlinkSync(path.join(dir, 'secret'), path.join(dir, '.agents/skills/tidy/leak'));
    assert.throws(() => skillHomeFiles(['tidy'], dir, 'claude'), /has leak, which is not a plain file/);
  });
});
