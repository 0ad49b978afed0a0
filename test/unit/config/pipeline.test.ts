import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPipeline, readPipeline, type Problem } from '../../../src/config/index.js';
import { WaveError } from '../../../src/errors.js';
import { aliasBombPipeline } from '../../support/alias-bomb.js';
import { pipelineYaml, tempProject } from './_helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/config');

async function problemsOf(yaml: string, files: Record<string, string> = {}): Promise<Problem[]> {
  const dir = await tempProject({ 'p.yaml': yaml, ...files });
  return (await readPipeline(path.join(dir, 'p.yaml'))).problems;
}

function brief(p: Problem): string {
  return `${p.line}:${p.column} ${p.severity} ${p.message}`;
}

// Lines 1-4 are `kind`, `metadata`, `name`, `steps:`; the first step starts on line 5.
const GOOD_STEP = `  - id: a
    persona: navigator
    exec: {type: prompt, source: hi}
`;

describe('pipeline problems (position and message)', () => {
  const cases: Array<{ name: string; yaml: string; expect: string[] }> = [
    {
      name: 'unknown step key with suggestion (dependecies)',
      yaml: pipelineYaml(`${GOOD_STEP}    dependecies: [b]\n`),
      expect: ["8:5 error unknown key 'dependecies' in 'steps[0]' (did you mean 'dependencies'?)"],
    },
    {
      name: 'unknown top-level key with suggestion',
      yaml: pipelineYaml(GOOD_STEP, 'inptu: {}\n'),
      expect: ["4:1 error unknown key 'inptu' (did you mean 'input'?)"],
    },
    {
      name: 'unknown nested key (retry) with suggestion',
      yaml: pipelineYaml(`${GOOD_STEP}    retry: {max_attempt: 3}\n`),
      expect: ["8:13 error unknown key 'max_attempt' in 'steps[0].retry' (did you mean 'max_attempts'?)"],
    },
    {
      name: 'unknown key in a contract',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.json}]\n    handover:\n      contract: {type: json_schema, schema_path: s.json, shema: {}}\n`,
      ),
      expect: ["10:58 error unknown key 'shema' in 'steps[0].handover.contract' (did you mean 'schema'?)"],
    },
    {
      name: "the original's metadata (chat_context, release, category) is accepted silently",
      yaml: pipelineYaml(GOOD_STEP, 'chat_context: {max_context_tokens: 8000}\n').replace(
        '  name: demo\n',
        '  name: demo\n  release: true\n  category: ops\n',
      ),
      expect: [],
    },
    {
      name: 'step-level keys Wave does not implement yet: one error for the step',
      yaml: pipelineYaml(`${GOOD_STEP}    thread: impl\n    fidelity: full\n`),
      expect: ["8:5 error step 'a': 'thread' and 'fidelity' are not supported yet"],
    },
    {
      name: 'handover.compaction: the original trigger form; another form is an error',
      yaml: pipelineYaml(
        `${GOOD_STEP}    handover:\n      compaction: {trigger: "token_limit_80%", persona: summarizer, max_relays: 2}\n` +
          `  - id: b\n    exec: {type: prompt, source: x}\n    handover: {compaction: {trigger: "80 percent"}}\n`,
      ),
      expect: [
        "12:38 error 'steps[1].handover.compaction.trigger' must be token_limit_<N>% with N from 1 to 100, such as " +
          'token_limit_80% (got string "80 percent")',
      ],
    },
    {
      name: 'must_pass is a boolean',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.md}]\n    handover:\n      contract: {type: non_empty_file, must_pass: 1}\n`,
      ),
      expect: ["10:51 error 'steps[0].handover.contract.must_pass' must be true or false (got number 1)"],
    },
    {
      name: 'wrong type: max_attempts "three"',
      yaml: pipelineYaml(`${GOOD_STEP}    retry:\n      max_attempts: three\n`),
      expect: [`9:21 error 'steps[0].retry.max_attempts' must be an integer (got string "three")`],
    },
    {
      name: 'bad duration',
      yaml: pipelineYaml(`${GOOD_STEP}    retry: {base_delay: soon}\n`),
      expect: [
        `8:25 error 'steps[0].retry.base_delay' must be a duration such as 100ms, 30s, 2m or 1m30s (got string "soon")`,
      ],
    },
    {
      name: 'unknown contract type is an error, with suggestion',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.json}]\n    handover:\n      contract: {type: json_schem, schema_path: s.json}\n`,
      ),
      expect: [
        "10:24 error 'steps[0].handover.contract.type': unknown value 'json_schem'; expected one of json_schema, typescript_interface, test_suite, markdown_spec, format, non_empty_file, source_diff, test_diff, test_count_baseline, agent_review, llm_judge (did you mean 'json_schema'?)",
      ],
    },
    {
      name: 'contract types of the original we do not implement are errors',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.json}]\n    handover:\n      contract: {type: event_contains}\n`,
      ),
      expect: ["10:24 error 'steps[0].handover.contract.type': 'event_contains' is not supported yet"],
    },
    {
      name: 'absolute and escaping output paths',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts:\n      - {name: a, path: /etc/passwd}\n      - {name: b, path: ../x.json}\n`,
      ),
      expect: [
        "9:25 error step 'a': output path '/etc/passwd' must be relative to the step's out folder (no absolute path, no '..')",
        "10:25 error step 'a': output path '../x.json' must be relative to the step's out folder (no absolute path, no '..')",
      ],
    },
    {
      name: 'duplicate output names',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts:\n      - {name: a, path: a.json}\n      - {name: a, path: b.json}\n`,
      ),
      expect: ["10:16 error step 'a': duplicate output artifact name 'a'"],
    },
    {
      name: 'prompt step without persona',
      yaml: pipelineYaml('  - id: a\n    exec: {type: prompt, source: hi}\n'),
      expect: ["5:9 error step 'a': a prompt step needs a persona"],
    },
    {
      name: 'prompt step without exec',
      yaml: pipelineYaml('  - id: a\n    persona: navigator\n'),
      expect: ["5:9 error step 'a': missing exec"],
    },
    {
      name: 'command step without script',
      yaml: pipelineYaml('  - id: a\n    exec: {type: command}\n'),
      expect: ["6:18 error step 'a': a command step needs exec.script"],
    },
    {
      name: 'contract and contracts together',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.md}]\n    handover:\n      contract: {type: non_empty_file}\n      contracts: [{type: non_empty_file}]\n`,
      ),
      expect: ["10:17 error step 'a': use either handover.contract or handover.contracts, not both"],
    },
    {
      name: 'json_schema contract without schema',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.json}]\n    handover:\n      contract: {type: json_schema}\n`,
      ),
      expect: ["10:24 error step 'a': json_schema contract needs schema_path or an inline schema"],
    },
    {
      name: 'contract with nothing to check',
      yaml: pipelineYaml(`${GOOD_STEP}    handover:\n      contract: {type: non_empty_file}\n`),
      expect: [
        "9:24 error step 'a': non_empty_file contract has nothing to check: give it a source or declare output_artifacts",
      ],
    },
    {
      name: 'missing schema_path file',
      yaml: pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.json}]\n    handover:\n      contract: {type: json_schema, schema_path: nope.json}\n`,
      ),
      expect: [],
    },
    {
      name: 'step id with a dot',
      yaml: pipelineYaml('  - id: a.b\n    persona: navigator\n    exec: {type: prompt, source: hi}\n'),
      expect: [
        `5:9 error 'steps[0].id' must be an id of letters, digits, '_' and '-' (no dots: templates use deps.<step>.<artifact>) (got string "a.b")`,
      ],
    },
    {
      name: 'empty steps',
      yaml: 'kind: WavePipeline\nmetadata: {name: x}\nsteps: []\n',
      expect: ["3:8 error 'steps' must not be empty"],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const problems = await problemsOf(c.yaml);
      if (c.name === 'missing schema_path file') {
        assert.equal(problems.length, 1);
        assert.equal(brief(problems[0] as Problem).slice(0, 6), '10:50 ');
        assert.match(problems[0]?.message ?? '', /schema_path 'nope\.json' not found \(looked for .*nope\.json\)/);
        return;
      }
      assert.deepEqual(problems.map(brief), c.expect);
    });
  }

  it('steps without schema errors are still checked when another step has them', async () => {
    const yaml = pipelineYaml(
      `  - id: a\n    persona: navigator\n    exec: {type: prompt, source: hi}\n    retry: {max_attempts: three}\n  - id: b\n    exec: {type: prompt, source: hi}\n`,
    );
    assert.deepEqual((await problemsOf(yaml)).map(brief), [
      `8:27 error 'steps[0].retry.max_attempts' must be an integer (got string "three")`,
      "9:9 error step 'b': a prompt step needs a persona",
    ]);
  });

  it('values of the original format Wave does not implement yet name the supported ones', async () => {
    const yaml = pipelineYaml(
      `${GOOD_STEP}    output_artifacts: [{name: o, path: o.md}]\n    handover:\n      contract: {type: non_empty_file}\n    retry: {on_failure: warn}\n`,
    );
    const problems = await problemsOf(yaml);
    assert.deepEqual(
      problems.map((p) => `${brief(p)} | ${p.hint}`),
      ["11:25 error 'steps[0].retry.on_failure': 'warn' is not supported yet | supported: fail, skip, continue"],
    );
  });

  it('depends_on: did you mean dependencies', async () => {
    const problems = await problemsOf(pipelineYaml(`${GOOD_STEP}    depends_on: [b]\n`));
    assert.deepEqual(problems.map(brief), [
      "8:5 error unknown key 'depends_on' in 'steps[0]' (did you mean 'dependencies'?)",
    ]);
  });

  it('an output path naming /wave/out itself is refused, as a contract source', async () => {
    const yaml = pipelineYaml(
      `${GOOD_STEP}    output_artifacts:\n      - {name: a, path: "."}\n      - {name: b, path: ./}\n    handover:\n      contract: {type: non_empty_file, source: ./.}\n`,
    );
    assert.deepEqual((await problemsOf(yaml)).map(brief), [
      "9:25 error step 'a': output path '.' is the out folder itself: name a file or a folder inside it",
      "10:25 error step 'a': output path './' is the out folder itself: name a file or a folder inside it",
      "12:48 error step 'a': non_empty_file contract: source './.' is the out folder itself: name a file or a folder inside it",
    ]);
  });

  it('a step with a broken contract still has its other parts checked', async () => {
    const yaml = pipelineYaml(
      `${GOOD_STEP}    output_artifacts: [{name: o, path: "."}]\n    handover:\n      contracts:\n        - {type: event_contains}\n        - {type: json_schema}\n`,
    );
    assert.deepEqual((await problemsOf(yaml)).map(brief), [
      "8:40 error step 'a': output path '.' is the out folder itself: name a file or a folder inside it",
      "11:18 error 'steps[0].handover.contracts[0].type': 'event_contains' is not supported yet",
      "12:18 error step 'a': json_schema contract needs schema_path or an inline schema",
    ]);
  });

  it('a placeholder in a test_suite command is refused: it would reach the shell as written', async () => {
    const step = `${GOOD_STEP}    output_artifacts: [{name: o, path: o.md}]\n    handover:\n      contracts:\n`;
    const contract = (command: string) => `        - {type: test_suite, command: ${JSON.stringify(command)}}\n`;
    const yaml = pipelineYaml(step + contract('test -s {{ input }}') + contract("docker inspect -f '{{.Id}}' x"));
    const problems = await problemsOf(yaml);
    assert.deepEqual(problems.map(brief), [
      "11:39 error step 'a': test_suite contract: {{ input }} is not filled in: a contract command is not a template",
    ]);
  });

  it('a YAML alias bomb is refused at the file, not expanded', async () => {
    const problems = await problemsOf(aliasBombPipeline('bomb', 9));
    assert.deepEqual(problems.map(brief), ['4:10 error YAML: the aliases (*name) expand to more than 1000 nodes']);
  });

  it('YAML syntax errors carry line and column', async () => {
    const problems = await problemsOf('kind: WavePipeline\nsteps:\n  - id: a\n   persona: x\n');
    assert.ok(problems.length >= 1);
    assert.match(problems[0]?.message ?? '', /^YAML syntax: /);
    assert.equal(problems[0]?.line, 4);
  });
});

describe('loadPipeline normalisation', () => {
  it("folds the original's type: command + script into exec", async () => {
    const dir = await tempProject({
      'p.yaml': pipelineYaml('  - id: a\n    type: command\n    script: echo hi\n'),
    });
    const { pipeline } = await loadPipeline(path.join(dir, 'p.yaml'));
    assert.deepEqual(pipeline.steps[0]?.exec, { type: 'command', script: 'echo hi' });
  });

  it('keeps exec.image for command steps and applies output defaults', async () => {
    const dir = await tempProject({
      'p.yaml': pipelineYaml(
        '  - id: a\n    exec: {type: command, script: "ls > /wave/out/l.txt", image: alpine:3}\n    output_artifacts: [{name: l, path: l.txt}, {name: j, path: d/j.json, required: false}]\n',
      ),
    });
    const step = (await loadPipeline(path.join(dir, 'p.yaml'))).pipeline.steps[0];
    assert.deepEqual(step?.exec, { type: 'command', script: 'ls > /wave/out/l.txt', image: 'alpine:3' });
    assert.deepEqual(step?.output_artifacts, [
      { name: 'l', path: 'l.txt', type: 'text', required: true },
      { name: 'j', path: 'd/j.json', type: 'json', required: false },
    ]);
    assert.deepEqual(step?.dependencies, []);
    assert.deepEqual(step?.handover, { contracts: [] });
  });

  it('folds handover.contract into a one-element contracts list', async () => {
    const dir = await tempProject({
      'p.yaml': pipelineYaml(
        `${GOOD_STEP}    output_artifacts: [{name: o, path: o.md}]\n    handover:\n      contract: {type: markdown_spec, required_headings: [A]}\n`,
      ),
    });
    const step = (await loadPipeline(path.join(dir, 'p.yaml'))).pipeline.steps[0];
    assert.deepEqual(step?.handover.contracts, [{ type: 'markdown_spec', required_headings: ['A'] }]);
  });

  it('a command step warns about a persona it does not use', async () => {
    const dir = await tempProject({
      'p.yaml': pipelineYaml('  - id: a\n    persona: navigator\n    type: command\n    script: "true"\n'),
    });
    const { warnings } = await loadPipeline(path.join(dir, 'p.yaml'));
    assert.deepEqual(warnings.map(brief), ["6:14 warning step 'a': persona is not used by a command step"]);
  });

  it('mount defaults to readonly; targets must be absolute and not Wave-owned', async () => {
    const yaml = pipelineYaml(
      `${GOOD_STEP}    workspace:\n      mount:\n        - {source: ./, target: /project}\n        - {source: ./, target: rel}\n        - {source: ./, target: /wave/out/x, mode: readwrite}\n`,
    );
    const problems = await problemsOf(yaml);
    assert.deepEqual(problems.map(brief), [
      "11:32 error step 'a': mount target 'rel' must be an absolute path inside the container",
      "12:32 error step 'a': mount target '/wave/out/x' is reserved for Wave (/wave/out, /wave/in, /wave/meta, /wave/run, /tmp, /home/wave)",
    ]);
    const dir = await tempProject({
      'p.yaml': pipelineYaml(`${GOOD_STEP}    workspace:\n      mount: [{source: ./, target: /project}]\n`),
    });
    const step = (await loadPipeline(path.join(dir, 'p.yaml'))).pipeline.steps[0];
    assert.deepEqual(step?.workspace, { mount: [{ source: './', target: '/project', mode: 'readonly' }] });
  });

  it('mount targets: none above or on what Wave mounts, none nested in another; /wave/src and below it are fine', async () => {
    const mounts = [
      '/wave',
      '/home/wave/.ssh',
      '/wave/run',
      '/wave/src',
      '/wave/src/auth',
      '/docs',
      '/docs/api',
      '/docs',
    ];
    const yaml = pipelineYaml(
      `${GOOD_STEP}    workspace:\n      mount:\n${mounts.map((t) => `        - {source: ./, target: ${t}}\n`).join('')}`,
    );
    const reserved = '(/wave/out, /wave/in, /wave/meta, /wave/run, /tmp, /home/wave)';
    assert.deepEqual((await problemsOf(yaml)).map(brief), [
      `10:32 error step 'a': mount target '/wave' is reserved for Wave ${reserved}`,
      `11:32 error step 'a': mount target '/home/wave/.ssh' is reserved for Wave ${reserved}`,
      `12:32 error step 'a': mount target '/wave/run' is reserved for Wave ${reserved}`,
      `12:32 error step 'a': mount target '/wave/run' overlaps mount 1's '/wave'`,
      `13:32 error step 'a': mount target '/wave/src' overlaps mount 1's '/wave'`,
      `14:32 error step 'a': mount target '/wave/src/auth' overlaps mount 1's '/wave'`,
      `16:32 error step 'a': mount target '/docs/api' overlaps mount 6's '/docs'`,
      `17:32 error step 'a': mount target '/docs' overlaps mount 6's '/docs'`,
    ]);
  });

  it('network and allowed_domains belong to test_suite contracts; under network: none they are an error', async () => {
    const yaml = pipelineYaml(`  - id: a
    exec: {type: command, script: "true"}
    output_artifacts: [{name: r, path: r.json}]
    handover:
      contracts:
        - {type: test_suite, command: "npm test", network: allowlist, allowed_domains: [registry.example.test]}
        - {type: test_suite, command: "npm test", network: none, allowed_domains: [registry.example.test]}
        - {type: non_empty_file, network: allowlist}
  - id: b
    exec: {type: command, script: "true"}
    sandbox: {network: none, allowed_domains: [registry.example.test]}
`);
    assert.deepEqual((await problemsOf(yaml)).map(brief), [
      "11:83 error step 'a': test_suite contract: allowed_domains has no effect with network: none",
      "12:43 error step 'a': non_empty_file contract: network is only used by test_suite contracts",
      "15:47 error step 'b': sandbox.allowed_domains has no effect with network: none",
    ]);
  });

  it('an exec.source_path prompt file must exist (relative to the project)', async () => {
    const yaml = pipelineYaml(
      '  - id: a\n    persona: navigator\n    exec: {type: prompt, source_path: prompts/a.md}\n',
    );
    assert.deepEqual((await problemsOf(yaml, { 'prompts/a.md': 'do it' })).map(brief), []);
    const problems = await problemsOf(yaml);
    assert.equal(problems.length, 1);
    assert.match(brief(problems[0] as Problem), /^7:39 error step 'a': prompt file 'prompts\/a\.md' not found/);
  });

  it('loadPipeline throws a pipeline_invalid WaveError with every problem in details', async () => {
    const dir = await tempProject({
      'p.yaml': pipelineYaml(`${GOOD_STEP}    dependecies: [b]\n    retry: {max_attempts: three}\n`),
    });
    await assert.rejects(loadPipeline(path.join(dir, 'p.yaml')), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'pipeline_invalid');
      assert.equal(err.details.length, 2);
      assert.match(err.details[0] ?? '', /p\.yaml:8:5: error: unknown key 'dependecies'/);
      assert.match(err.details[1] ?? '', /p\.yaml:9:27: error: 'steps\[0\]\.retry\.max_attempts' must be an integer/);
      return true;
    });
  });

  it('loads the fixture pipeline by path', async () => {
    const loaded = await loadPipeline(path.join(fixtures, 'project/pipelines/demo.yaml'));
    assert.equal(loaded.pipeline.steps.length, 2);
    assert.equal(loaded.pipeline.steps[1]?.exec.type, 'command');
  });
});
