// A provider credential may be passed through to a container only with the explicit opt-in (credentials:
// passthrough on the persona, or on a command step); everything else is refused at file:line with a hint.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  PROVIDER_CREDENTIAL_ENV,
  loadManifest,
  readManifest,
  readPipeline,
  refusedCredentialPassthrough,
  stepPassthrough,
  type Problem,
} from '../../../src/config/index.js';
import { validateProject } from '../../../src/validate/index.js';
import { PROVIDERS } from '../../../src/sandbox/egress/providers.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from './_helpers.js';

const brief = (p: Problem) => `${p.line}:${p.column} ${p.severity} ${p.message}`;
const errors = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');

const persona = (name: string, extra: string) =>
  `  ${name}:\n    adapter: claude\n    system_prompt_file: prompts/navigator.md\n${extra}`;

describe('provider credentials and env_passthrough', () => {
  it('the list covers every variable the gateway reads a key from or gives a CLI its key in', () => {
    const fromProviders = new Set(Object.values(PROVIDERS).flatMap((p) => [...p.hostKeyEnv, ...p.keyEnv]));
    assert.deepEqual(new Set(PROVIDER_CREDENTIAL_ENV), fromProviders);
  });

  it('runtime.sandbox.env_passthrough: a provider key is refused, whatever opts in', async () => {
    const yaml = manifestYaml('runtime:\n  sandbox:\n    env_passthrough: [HOME_TOKEN, OPENAI_API_KEY]\n');
    const dir = await tempProject({ 'wave.yaml': yaml, ...PROMPT_FILES });
    const { problems } = await readManifest(path.join(dir, 'wave.yaml'));
    assert.deepEqual(problems.map(brief), [
      "20:35 error runtime.sandbox.env_passthrough: 'OPENAI_API_KEY' is a provider credential; it would enter every step's container",
    ]);
    assert.match(problems[0]?.hint ?? '', /credentials: passthrough/);
  });

  it('a persona may list one only with credentials: passthrough', async () => {
    const yaml = manifestYaml(
      persona('plain', '    sandbox: {env_passthrough: [ANTHROPIC_API_KEY]}\n') +
        persona('trusted', '    credentials: passthrough\n    sandbox: {env_passthrough: [GEMINI_API_KEY]}\n'),
    );
    const dir = await tempProject({ 'wave.yaml': yaml, ...PROMPT_FILES });
    const { problems } = await readManifest(path.join(dir, 'wave.yaml'));
    assert.deepEqual(problems.map(brief), [
      "21:33 error persona 'plain': sandbox.env_passthrough 'ANTHROPIC_API_KEY' is a provider credential, and the persona does not opt in",
    ]);
    assert.match(problems[0]?.hint ?? '', /add credentials: passthrough to persona 'plain'/);
  });

  it('a command step: refused without its own credentials: passthrough, accepted with it', async () => {
    const dir = await tempProject({ 'wave.yaml': manifestYaml(), ...PROMPT_FILES });
    const step = (extra: string) =>
      pipelineYaml(
        `  - id: c\n    exec: {type: command, script: "true"}\n    sandbox: {env_passthrough: [ANTHROPIC_API_KEY]}\n${extra}`,
      );
    writeFileSync(path.join(dir, 'p.yaml'), step(''));
    const refused = await readPipeline(path.join(dir, 'p.yaml'), { projectDir: dir });
    assert.deepEqual(refused.problems.map(brief), [
      "7:33 error step 'c': sandbox.env_passthrough 'ANTHROPIC_API_KEY' is a provider credential, and the step does not opt in",
    ]);
    assert.match(refused.problems[0]?.hint ?? '', /command step adds credentials: passthrough/);

    writeFileSync(path.join(dir, 'p.yaml'), step('    credentials: passthrough\n'));
    const accepted = await readPipeline(path.join(dir, 'p.yaml'), { projectDir: dir });
    assert.deepEqual(accepted.problems, []);
    const manifest = (await loadManifest(path.join(dir, 'wave.yaml'))).manifest;
    const loadedStep = accepted.loaded?.pipeline.steps[0];
    assert.ok(loadedStep);
    assert.deepEqual(refusedCredentialPassthrough(manifest, loadedStep), []);
    assert.deepEqual(stepPassthrough(manifest, loadedStep), [{ name: 'ANTHROPIC_API_KEY', from: 'step' }]);
  });

  it('a prompt step: the persona decides; credentials on the step is refused', async () => {
    const dir = await tempProject({ 'wave.yaml': manifestYaml(), ...PROMPT_FILES });
    const check = async (extra: string) => {
      writeFileSync(
        path.join(dir, 'p.yaml'),
        pipelineYaml(`  - id: a\n    persona: navigator\n    exec: {type: prompt, source: hi}\n${extra}`),
      );
      return errors(
        (await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') }))
          .problems,
      ).map(brief);
    };
    assert.deepEqual(await check('    credentials: passthrough\n'), [
      "8:18 error step 'a': credentials is decided by the persona for a prompt step",
    ]);
    assert.deepEqual(await check('    sandbox: {env_passthrough: [CODEX_API_KEY]}\n'), [
      "8:33 error step 'a': sandbox.env_passthrough 'CODEX_API_KEY' is not passed through for persona 'navigator'",
      "8:33 error step 'a': sandbox.env_passthrough 'CODEX_API_KEY' is a provider credential, and the step does not opt in",
    ]);
  });

  it("a command step does not take its (unused) persona's passthrough list", async () => {
    const yaml = manifestYaml(
      persona('keyed', '    credentials: passthrough\n    sandbox: {env_passthrough: [ANTHROPIC_API_KEY]}\n'),
    );
    const dir = await tempProject({ 'wave.yaml': yaml, ...PROMPT_FILES });
    writeFileSync(
      path.join(dir, 'p.yaml'),
      pipelineYaml('  - id: c\n    persona: keyed\n    exec: {type: command, script: "true"}\n'),
    );
    const manifest = (await loadManifest(path.join(dir, 'wave.yaml'))).manifest;
    const step = (await readPipeline(path.join(dir, 'p.yaml'), { projectDir: dir })).loaded?.pipeline.steps[0];
    assert.ok(step);
    assert.deepEqual(stepPassthrough(manifest, step), []);
  });
});
