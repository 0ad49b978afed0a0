// Every path in wave.yaml and pipelines stays inside the project (or Wave's embedded defaults), also through
// symbolic links; a refused path is reported at file:line with a hint, and no message shows the file's content.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  CONTAINED_PATH_HINT,
  findPipeline,
  formatProblem,
  readManifest,
  readPipeline,
  resolveProjectPath,
  type Problem,
} from '../../../src/config/index.js';
import { validateProject } from '../../../src/validate/index.js';
import { readSchemaFile } from '../../../src/contracts/schema-compiler.js';
import { preflightPipeline } from '../../../src/engine/preflight.js';
import { WaveError } from '../../../src/errors.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from './_helpers.js';

/** Content that must never appear in a message: it stands for /etc/shadow. */
const SECRET = 'root:$6$SECRETHASHVALUE$abcdefgh:19000:0:99999:7:::';

/** A folder outside the project holding the "host" file, and a project next to it. */
async function hostAndProject(
  files: Record<string, string> = {},
): Promise<{ host: string; secret: string; dir: string }> {
  const host = await tempProject({ shadow: SECRET, 'prompt.md': SECRET, 'dir/x': SECRET });
  const dir = await tempProject({ 'wave.yaml': manifestYaml(), ...PROMPT_FILES, ...files });
  return { host, secret: path.join(host, 'shadow'), dir };
}

const brief = (p: Problem) => `${p.line}:${p.column} ${p.severity} ${p.message}`;
const shown = (problems: Problem[]) => problems.map((p) => formatProblem(p)).join('\n');

function assertNoSecret(problems: Problem[]): void {
  assert.doesNotMatch(shown(problems), /SECRETHASH|root:\$6/, 'a message quotes the file');
}

const contractStep = (schemaPath: string) =>
  pipelineYaml(
    `  - id: a\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: o, path: o.json}]\n    handover:\n      contract: {type: json_schema, schema_path: ${JSON.stringify(schemaPath)}}\n`,
  );

describe('paths in pipelines stay inside the project', () => {
  it('schema_path: an absolute path, a .. escape and a link out are refused at file:line, without content', async () => {
    const { host, secret, dir } = await hostAndProject();
    symlinkSync(secret, path.join(dir, 'link.json'));
    symlinkSync(host, path.join(dir, 'hostdir'));
    const cases: Array<[string, RegExp]> = [
      [secret, /schema_path '.*shadow' is an absolute path$/],
      [path.relative(dir, secret), /schema_path '\.\.\/.*shadow' leaves the project \('\.\.'\)$/],
      ['link.json', /schema_path 'link\.json' leads outside the project through a symbolic link/],
      ['hostdir/shadow', /schema_path 'hostdir\/shadow' leads outside the project through a symbolic link/],
      ['hostdir/nothing-here.json', /leads outside the project through a symbolic link/],
    ];
    for (const [schemaPath, expected] of cases) {
      writeFileSync(path.join(dir, 'p.yaml'), contractStep(schemaPath));
      const { problems } = await readPipeline(path.join(dir, 'p.yaml'), { projectDir: dir });
      assert.equal(problems.length, 1, shown(problems));
      const [p] = problems as [Problem];
      assert.match(brief(p), /^9:50 error step 'a': json_schema contract: /);
      assert.match(p.message, expected);
      assert.equal(p.hint, CONTAINED_PATH_HINT);
      assertNoSecret(problems);
    }
  });

  it('wave validate (with the contract preflight) reports /etc/shadow-like schema_path without reading it', async () => {
    const { secret, dir } = await hostAndProject();
    writeFileSync(path.join(dir, 'p.yaml'), contractStep(secret));
    const { problems } = await validateProject({
      manifestPath: path.join(dir, 'wave.yaml'),
      pipeline: path.join(dir, 'p.yaml'),
      extraChecks: preflightPipeline,
    });
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error').map((p) => p.message),
      [`step 'a': json_schema contract: schema_path '${secret}' is an absolute path`],
    );
    assertNoSecret(problems);
  });

  it('exec.source_path and mount sources: the same rule', async () => {
    const { host, dir } = await hostAndProject();
    symlinkSync(path.join(host, 'prompt.md'), path.join(dir, 'prompt-link.md'));
    const yaml = pipelineYaml(
      [
        '  - id: a',
        '    persona: navigator',
        `    exec: {type: prompt, source_path: ${path.join(host, 'prompt.md')}}`,
        '  - id: b',
        '    persona: navigator',
        '    exec: {type: prompt, source_path: prompt-link.md}',
        '  - id: c',
        '    exec: {type: command, script: "true"}',
        '    workspace:',
        `      mount: [{source: ../${path.basename(host)}/dir, target: /x}]`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'p.yaml'), yaml);
    const { problems } = await readPipeline(path.join(dir, 'p.yaml'), { projectDir: dir });
    assert.deepEqual(
      problems.map((p) => p.message.replace(/ \(to .*\)$/, '')),
      [
        `step 'a': prompt file '${path.join(host, 'prompt.md')}' is an absolute path`,
        "step 'b': prompt file 'prompt-link.md' leads outside the project through a symbolic link",
        `step 'c': mount source '../${path.basename(host)}/dir' leaves the project ('..')`,
      ],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [7, 10, 14],
    );
    assertNoSecret(problems);
  });

  it('paths inside the project, a harmless .. and the .wave/ fallback to the defaults still resolve', async () => {
    const dir = await tempProject({ 'schemas/s.json': '{}' });
    assert.equal(resolveProjectPath('schemas/../schemas/s.json', dir).exists, true);
    const fallback = resolveProjectPath('.wave/contracts/findings.schema.json', dir);
    assert.deepEqual([fallback.exists, fallback.fromDefaults, fallback.refused], [true, true, undefined]);
    mkdirSync(path.join(dir, 'real'));
    writeFileSync(path.join(dir, 'real', 'p.md'), 'x');
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'alias'));
    assert.equal(resolveProjectPath('alias/p.md', dir).exists, true, 'a link that stays inside is fine');
  });

  it('a pipeline found by name that links out of the project is refused before it is read', async () => {
    const { secret, dir } = await hostAndProject();
    mkdirSync(path.join(dir, '.wave', 'pipelines'), { recursive: true });
    symlinkSync(secret, path.join(dir, '.wave', 'pipelines', 'evil.yaml'));
    await assert.rejects(findPipeline('evil', dir), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.match(err.message, /pipeline 'evil' .* leads outside the project through a symbolic link/);
      assert.doesNotMatch(err.message, /SECRETHASH/);
      return true;
    });
  });

  it('a file that is not a Wave document at all is named by kind, never quoted', async () => {
    const dir = await tempProject({
      'p.yaml': SECRET,
      'q.yaml': 'just some text\nSECRETHASH on two lines\n',
      'r.json': '{"auths": {"SECRETHASH": 1}}',
    });
    const problemsOf = async (f: string) => (await readPipeline(path.join(dir, f))).problems;
    assert.deepEqual((await problemsOf('p.yaml')).map(brief), [
      "1:1 error not a Wave pipeline: it has no 'kind: WavePipeline'",
    ]);
    assert.deepEqual((await problemsOf('q.yaml')).map(brief), ['1:1 error the document must be a mapping (got text)']);
    assert.deepEqual((await problemsOf('r.json')).map(brief), [
      "1:1 error not a Wave pipeline: it has no 'kind: WavePipeline'",
    ]);
  });
});

describe('paths in wave.yaml stay inside the project', () => {
  it('system_prompt_file, workspace_root, log_dir and extra_ca_certs are refused at file:line', async () => {
    const { host, secret, dir } = await hostAndProject();
    symlinkSync(path.join(host, 'prompt.md'), path.join(dir, 'persona-link.md'));
    const yaml = manifestYaml(
      [
        '  reviewer:',
        '    adapter: claude',
        `    system_prompt_file: ${secret}`,
        '  linked:',
        '    adapter: claude',
        '    system_prompt_file: persona-link.md',
        'runtime:',
        `  workspace_root: ${host}/ws`,
        '  audit:',
        '    log_dir: ../traces',
        '  sandbox:',
        `    extra_ca_certs: ${secret}`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'wave.yaml'), yaml);
    const { problems } = await readManifest(path.join(dir, 'wave.yaml'));
    assert.deepEqual(
      problems.map((p) => `${p.line} ${p.message.replace(/ \(to .*\)$/, '')}`),
      [
        `20 persona 'reviewer': system_prompt_file '${secret}' is an absolute path`,
        "23 persona 'linked': system_prompt_file 'persona-link.md' leads outside the project through a symbolic link",
        `25 runtime.workspace_root: '${host}/ws' is an absolute path`,
        "27 runtime.audit.log_dir: '../traces' leaves the project ('..')",
        `29 runtime.sandbox.extra_ca_certs: '${secret}' is an absolute path`,
      ],
    );
    assert.ok(problems.every((p) => p.hint === CONTAINED_PATH_HINT));
    assertNoSecret(problems);
  });

  it('a wave.yaml that links out of its folder is refused before it is read', async () => {
    const { host, dir } = await hostAndProject();
    writeFileSync(path.join(host, 'config.json'), JSON.stringify({ auths: { x: { auth: 'SECRETHASH' } } }));
    const project = await tempProject();
    symlinkSync(path.join(host, 'config.json'), path.join(project, 'wave.yaml'));
    const { problems } = await readManifest(path.join(project, 'wave.yaml'));
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /^the manifest leads outside the project through a symbolic link/);
    assertNoSecret(problems);
    void dir;
  });
});

describe('schema files: errors name the place, not the content', () => {
  it('a schema file that is not JSON is reported with line and column only', async () => {
    const { secret } = await hostAndProject();
    await assert.rejects(readSchemaFile(secret, 'shadow'), (err: Error) => {
      assert.equal(err.message, "schema_path 'shadow' is not JSON (syntax error at line 1, column 1)");
      return true;
    });
  });
});
