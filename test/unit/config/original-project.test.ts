// The original Wave's own project, trimmed into test/fixtures/original: its wave.yaml and pipelines validate.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readManifest } from '../../../src/config/index.js';
import { impliedFormatContracts, normaliseContract } from '../../../src/config/output-checks.js';
import { validateProject } from '../../../src/validate/index.js';
import { manifestYaml, pipelineYaml, PROMPT_FILES, tempProject } from './_helpers.js';

const ORIGINAL = fileURLToPath(new URL('../../fixtures/original/wave.yaml', import.meta.url));
const errorsOf = (problems: Array<{ severity: string; message: string }>): string[] =>
  problems.filter((p) => p.severity === 'error').map((p) => p.message);

describe("the original Wave's project", () => {
  it('its wave.yaml validates with zero errors; what Wave does not apply is a warning saying so', async () => {
    const { loaded, problems } = await readManifest(ORIGINAL);
    assert.deepEqual(errorsOf(problems), []);
    const m = loaded?.manifest;
    assert.deepEqual(
      ['claude', 'gemini', 'opencode', 'opencode-qwen'].map((a) => m?.adapters[a]?.image),
      ['wave/claude:latest', 'wave/gemini:latest', 'wave/opencode:latest', 'wave/opencode:latest'],
    );
    assert.equal(m?.runtime.default_timeout_minutes, 30);
    assert.deepEqual([m?.variables?.['project.language'], m?.variables?.['forge.type']], ['go', 'github']);
    const notApplied = problems.filter((p) => p.message.startsWith('not applied:')).map((p) => p.message);
    assert.ok(notApplied.some((m) => m.startsWith('not applied: runtime.cost:')));
    assert.ok(notApplied.some((m) => m.startsWith('not applied: personas.github-analyst.token_scopes:')));
  });

  for (const pipeline of ['ops-hello-world', 'gh-issue-triage']) {
    it(`its pipeline ${pipeline} validates from .agents/pipelines/`, async () => {
      const r = await validateProject({ manifestPath: ORIGINAL, pipeline });
      assert.deepEqual(errorsOf(r.problems), []);
    });
  }
});

describe('templated persona names and prompt files', () => {
  const check = async (forge: string, persona: string, sourcePath: string) => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(`project:\n  team: nav\n`).replace(
        '  name: test\n',
        `  name: test\n  forge: ${forge}\n`,
      ),
      ...PROMPT_FILES,
      'prompts/github/x.md': 'Do it for {{ forge.owner }}.\n',
      'p.yaml': pipelineYaml(
        `  - id: a\n    persona: "${persona}"\n    exec: {type: prompt, source_path: "${sourcePath}"}\n`,
      ),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
    return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.message}`);
  };
  const cases: Array<[forge: string, persona: string, sourcePath: string, expected: string[]]> = [
    ['github', '{{ project.team }}igator', 'prompts/{{ forge.type }}/x.md', []],
    [
      'gitlab',
      '{{ project.team }}igator',
      'prompts/{{ forge.type }}/x.md',
      ["7:39 step 'a': prompt file 'prompts/gitlab/x.md' not found (looked for <dir>/prompts/gitlab/x.md)"],
    ],
    [
      'github',
      '{{ forge.type }}-navigator',
      'prompts/github/x.md',
      ["6:14 step 'a': unknown persona 'github-navigator'"],
    ],
    [
      'github',
      '{{ input }}',
      'prompts/github/x.md',
      ["6:14 step 'a': persona: {{ input }} is only known once the run starts"],
    ],
    [
      'github',
      'navigator',
      '{{ project.nope }}/x.md',
      ["7:39 step 'a': exec.source_path: {{ project.nope }} is not set in wave.yaml"],
    ],
  ];
  for (const [forge, persona, sourcePath, expected] of cases) {
    it(`${forge}: persona ${persona}, source_path ${sourcePath}`, async () => {
      const got = await check(forge, persona, sourcePath);
      assert.deepEqual(
        got.map((g) => g.replace(/looked for \/.*?\/prompts/, 'looked for <dir>/prompts')),
        expected,
      );
    });
  }
});

describe('contract vocabulary and typed outputs of the original format', () => {
  const load = async (steps: string) => {
    const dir = await tempProject({ 'wave.yaml': manifestYaml(), ...PROMPT_FILES, 'p.yaml': pipelineYaml(steps) });
    return validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
  };
  const step = (outputs: string, contracts: string): string =>
    `  - id: a\n    exec: {type: command, script: "true"}\n    output_artifacts: ${outputs}\n` +
    `    handover:\n      contracts: ${contracts}\n`;

  it('validates with on_failure continue and retry, and must_pass', async () => {
    const r = await load(
      step(
        '[{name: o, path: o.md}]',
        '[{type: non_empty_file, on_failure: continue}, {type: non_empty_file, on_failure: retry, must_pass: false}]',
      ),
    );
    assert.deepEqual(errorsOf(r.problems), []);
  });

  it('rejected loads; rework without a rework_step is refused, naming file:line', async () => {
    const rejected = await load(step('[{name: o, path: o.md}]', '[{type: non_empty_file, on_failure: rejected}]'));
    assert.deepEqual(rejected.problems, []);
    const r = await load(step('[{name: o, path: o.md}]', '[{type: non_empty_file, on_failure: rework}]'));
    const [problem] = r.problems;
    assert.match(problem?.message ?? '', /on_failure rework needs rework_step/);
    assert.equal(problem?.line, 9);
  });
});

describe('normaliseContract and impliedFormatContracts', () => {
  const cases: Array<[written: Record<string, unknown>, onFailure: string | undefined]> = [
    [{ on_failure: 'retry' }, 'fail'],
    [{ on_failure: 'continue' }, 'warn'],
    [{ on_failure: 'fail', must_pass: false }, 'warn'],
    [{ on_failure: 'skip', must_pass: false }, 'skip'],
    [{ must_pass: true }, undefined],
  ];
  for (const [written, onFailure] of cases) {
    it(JSON.stringify(written), () => {
      const c = normaliseContract({ type: 'non_empty_file', ...written });
      assert.deepEqual([c.on_failure, 'must_pass' in c], [onFailure, false]);
    });
  }

  it('a typed json or yaml output gets a format check unless a contract already reads it', () => {
    const out = (name: string, p: string, type: 'json' | 'yaml' | 'binary', required = true) => ({
      name,
      path: p,
      type,
      required,
    });
    const typed = [out('a', 'a.yaml', 'yaml'), out('b', 'b.json', 'json'), out('c', 'c.bin', 'binary')];
    const implied = impliedFormatContracts(
      [...typed, out('d', 'd.json', 'json', false), out('e', 'e/', 'json')],
      'a.yaml',
      [{ type: 'json_schema', source: 'b.json', schema: {} }],
    );
    assert.deepEqual(implied, [{ type: 'format', format: 'yaml', source: 'a.yaml', on_failure: 'fail' }]);
  });
});
