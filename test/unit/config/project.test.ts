// Discovery, init and validate working together on real folders.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  findPipeline,
  initProject,
  listPipelines,
  packageRoot,
  schemaFile,
  type Problem,
} from '../../../src/config/index.js';
import { validateProject } from '../../../src/validate/index.js';
import { WaveError } from '../../../src/errors.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from './_helpers.js';

const brief = (p: Problem): string => `${path.basename(p.file)}:${p.line}:${p.column} ${p.severity} ${p.message}`;

describe('packageRoot and schemas', () => {
  it('finds the package root and the schema files', () => {
    assert.ok(existsSync(path.join(packageRoot(), 'package.json')));
    assert.ok(existsSync(path.join(packageRoot(), 'defaults', 'wave.yaml')));
    assert.ok(existsSync(schemaFile('manifest')));
    assert.ok(existsSync(schemaFile('pipeline')));
  });

  it('the default files point editors at the schemas', async () => {
    const root = packageRoot();
    for (const [file, schema] of [
      ['defaults/wave.yaml', 'manifest'],
      ['defaults/pipelines/hello-world.yaml', 'pipeline'],
      ['defaults/pipelines/code-review.yaml', 'pipeline'],
    ] as const) {
      const first = (await readFile(path.join(root, file), 'utf8')).split('\n')[0] ?? '';
      const m = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
      assert.ok(m, `${file} starts with a schema comment`);
      assert.equal(path.resolve(path.dirname(path.join(root, file)), m[1] ?? ''), schemaFile(schema));
    }
  });
});

const ALL_DEFAULTS = [
  'code-review',
  'doc-explain',
  'fix-tests',
  'hello-world',
  'impl-issue',
  'refactor',
  'security-audit',
];

describe('validateProject on the defaults', () => {
  it('the package itself (defaults/wave.yaml, all default pipelines): zero problems', async () => {
    const r = await validateProject({ manifestPath: path.join(packageRoot(), 'defaults', 'wave.yaml'), all: true });
    assert.deepEqual(r.problems.map(brief), []);
    assert.deepEqual(r.pipelinesChecked, ALL_DEFAULTS);
  });

  it('a freshly initialised project: zero problems, and it uses its own copies', async () => {
    const dir = await tempProject();
    const { written } = await initProject({ dir });
    assert.ok(written.includes(path.join(dir, 'wave.yaml')));
    for (const f of [
      'personas/navigator.md',
      'personas/summarizer.md',
      'pipelines/hello-world.yaml',
      'pipelines/code-review.yaml',
      'contracts/findings.schema.json',
      '.gitignore',
    ]) {
      assert.ok(written.includes(path.join(dir, '.wave', f)), f);
    }
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), all: true });
    assert.deepEqual(r.problems.map(brief), []);
    assert.deepEqual(r.pipelinesChecked, ALL_DEFAULTS);
    const listed = await listPipelines(dir);
    assert.deepEqual(
      listed.map((p) => [p.name, p.source, p.steps]),
      [
        ['code-review', 'project', 4],
        ['doc-explain', 'project', 2],
        ['fix-tests', 'project', 2],
        ['hello-world', 'project', 2],
        ['impl-issue', 'project', 5],
        ['refactor', 'project', 3],
        ['security-audit', 'project', 2],
      ],
    );
  });

  it('init rewrites the schema comments to point at the installed package', async () => {
    const dir = await tempProject();
    await initProject({ dir });
    const first = (await readFile(path.join(dir, '.wave/pipelines/hello-world.yaml'), 'utf8')).split('\n')[0] ?? '';
    const rel = first.replace('# yaml-language-server: $schema=', '');
    assert.equal(path.resolve(dir, '.wave/pipelines', rel), schemaFile('pipeline'));
  });

  it('an edited project copy is what gets validated', async () => {
    const dir = await tempProject();
    await initProject({ dir });
    const file = path.join(dir, '.wave/pipelines/hello-world.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('dependencies: [greet]', 'dependencies: [gret]'));
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: 'hello-world' });
    assert.equal(r.problems.length, 1);
    assert.match(
      brief(r.problems[0] as Problem),
      /^hello-world\.yaml:\d+:\d+ error step 'review': unknown dependency 'gret' \(did you mean 'greet'\?\)$/,
    );
  });
});

describe('initProject', () => {
  it('refuses to overwrite existing files, listing them, with a --force hint', async () => {
    const dir = await tempProject({ 'wave.yaml': 'mine', '.wave/personas/navigator.md': 'mine too' });
    await assert.rejects(initProject({ dir }), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'file_exists');
      assert.deepEqual(err.details, [path.join(dir, 'wave.yaml'), path.join(dir, '.wave/personas/navigator.md')]);
      assert.match(err.hint ?? '', /--force/);
      return true;
    });
    assert.equal(await readFile(path.join(dir, 'wave.yaml'), 'utf8'), 'mine');
    assert.ok(!existsSync(path.join(dir, '.wave/pipelines')), 'nothing was written');
  });

  it('overwrites with force', async () => {
    const dir = await tempProject({ 'wave.yaml': 'mine' });
    await initProject({ dir, force: true });
    assert.match(await readFile(path.join(dir, 'wave.yaml'), 'utf8'), /kind: WaveManifest/);
  });
});

describe('findPipeline and listPipelines', () => {
  it('project first, then the embedded defaults; by path too', async () => {
    const dir = await tempProject({
      '.wave/pipelines/hello-world.yaml': pipelineYaml('  - id: a\n    type: command\n    script: "true"\n'),
      'elsewhere/x.yml': 'kind: WavePipeline\n',
    });
    assert.deepEqual(await findPipeline('hello-world', dir), {
      name: 'hello-world',
      path: path.join(dir, '.wave/pipelines/hello-world.yaml'),
      source: 'project',
    });
    const def = await findPipeline('code-review', dir);
    assert.equal(def.source, 'default');
    assert.equal(def.path, path.join(packageRoot(), 'defaults/pipelines/code-review.yaml'));
    const byPath = await findPipeline(path.join(dir, 'elsewhere/x.yml'), dir);
    assert.deepEqual([byPath.name, byPath.source], ['x', 'path']);
    const listed = await listPipelines(dir);
    assert.deepEqual(
      listed.map((p) => [p.name, p.source, p.steps]),
      [
        ['code-review', 'default', 4],
        ['doc-explain', 'default', 2],
        ['fix-tests', 'default', 2],
        ['hello-world', 'project', 1],
        ['impl-issue', 'default', 5],
        ['refactor', 'default', 3],
        ['security-audit', 'default', 2],
      ],
    );
    assert.match(listed[0]?.description ?? '', /security and quality/);
  });

  it('an unknown name suggests a close one and lists what exists', async () => {
    const dir = await tempProject();
    await assert.rejects(findPipeline('helo-world', dir), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'pipeline_not_found');
      assert.match(err.message, /no pipeline named 'helo-world' \(did you mean 'hello-world'\?\)/);
      assert.match(
        err.hint ?? '',
        /available: code-review, doc-explain, fix-tests, hello-world, impl-issue, refactor, security-audit/,
      );
      return true;
    });
    await assert.rejects(findPipeline('./missing.yaml', dir), /no pipeline file at/);
  });
});

describe('validateProject: cross-checks against the manifest', () => {
  it('reports manifest and pipeline problems together, with positions', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml('runtime:\n  max_concurrent_workers: 99\n'),
      ...PROMPT_FILES,
      'p.yaml': pipelineYaml(`  - id: a
    persona: navigatr
    exec: {type: prompt, source: "{{ input }}"}
  - id: b
    persona: navigator
    model: fastest
    dependencies: [a]
    exec: {type: prompt, source: "{{ deps.a.out }}"}
`),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
    // Persona names are only checked against a valid manifest (a broken one would give misleading errors).
    assert.deepEqual(r.problems.map(brief), [
      "p.yaml:12:35 error step 'b': {{ deps.a.out }}: step 'a' declares no artifact 'out'",
      "wave.yaml:19:27 error 'runtime.max_concurrent_workers' must be <= 32 (got number 99)",
    ]);
  });

  it('checks tiers and sandbox narrowing once the manifest is valid', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml('    sandbox: {network: allowlist, allowed_domains: ["*.github.com"]}\n'),
      ...PROMPT_FILES,
      'p.yaml': pipelineYaml(`  - id: a
    persona: navigator
    model: strongest
    exec: {type: prompt, source: hi}
    sandbox:
      network: open
      allowed_domains: [api.github.com, evil.example]
      env_passthrough: [AWS_SECRET_ACCESS_KEY]
`),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
    assert.deepEqual(r.problems.map(brief), [
      "p.yaml:10:16 error step 'a': sandbox.network 'open' widens persona 'navigator' (allowlist)",
      "p.yaml:11:41 error step 'a': sandbox.allowed_domains 'evil.example' is not allowed for persona 'navigator'",
      "p.yaml:12:25 error step 'a': sandbox.env_passthrough 'AWS_SECRET_ACCESS_KEY' is not passed through for persona 'navigator'",
    ]);
    // model: strongest is defined by the helper's adapter, so no tier problem here.
  });

  it('a tier the adapter cannot map is a warning at the step', async () => {
    const yaml = manifestYaml()
      .replace(/ {4}tier_models:\n( {6}.*\n){3}/, '')
      .replace('default_model: claude-sonnet-4-5', 'default_model: ollama/qwen')
      .replace('  claude:\n    binary: claude', '  opencode:\n    binary: opencode')
      .replace('adapter: claude', 'adapter: opencode');
    const dir = await tempProject({
      'wave.yaml': yaml,
      ...PROMPT_FILES,
      'p.yaml': pipelineYaml(
        '  - id: a\n    persona: navigator\n    model: cheapest\n    exec: {type: prompt, source: hi}\n',
      ),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
    assert.deepEqual(r.problems.map(brief), [
      "p.yaml:7:12 warning step 'a': model tier 'cheapest': the built-in cheapest model 'anthropic/claude-haiku-4-5' " +
        "is not served by adapter 'opencode's provider (default_model 'ollama/qwen'); using 'ollama/qwen'",
    ]);
  });

  it('placeholders in an exec.source_path prompt file are checked too', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(),
      ...PROMPT_FILES,
      'prompts/a.md': 'line one\nuse {{ inputt }}\n',
      'p.yaml': pipelineYaml(
        '  - id: a\n    persona: navigator\n    exec: {type: prompt, source_path: prompts/a.md}\n',
      ),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: path.join(dir, 'p.yaml') });
    assert.deepEqual(r.problems.map(brief), [
      "a.md:2:5 error step 'a': unknown template variable 'inputt' (known: input, run.id, run.name, pipeline_id, step_id, pipeline_name, deps.<step>.<artifact>, artifacts.<name>, steps.<step>.artifacts.<artifact>.<field>, steps.<step>.output.branch|base, project.<key>, forge.<field>, item, item.<field>, iteration)",
    ]);
  });

  it('a missing manifest is a WaveError with the wave init hint', async () => {
    const dir = await tempProject();
    await assert.rejects(
      validateProject({ manifestPath: path.join(dir, 'wave.yaml') }),
      (err: unknown) => err instanceof WaveError && /wave init/.test(err.hint ?? ''),
    );
  });
});
