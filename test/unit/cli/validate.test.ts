// The acceptance checks of `wave init` / `wave validate` as a user meets them: exit codes and the exact lines.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { aliasBombPipeline } from '../../support/alias-bomb.js';
import { runWave } from '../../support/run-cli.js';

let dir: string;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-cli-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function writePipeline(name: string, body: string): string {
  const file = path.join(dir, '.wave', 'pipelines', `${name}.yaml`);
  writeFileSync(file, body);
  return file;
}

const commandStep = (id: string, deps: string[], extra = '') =>
  `  - id: ${id}\n    dependencies: [${deps.join(', ')}]\n    exec: {type: command, script: "true"}\n${extra}`;

describe('wave init + validate in an empty git repository', () => {
  test('init writes the project, validate --all exits 0', () => {
    const init = runWave(['init'], dir);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, /wrote wave\.yaml/);
    const valid = runWave(['validate', '--all'], dir);
    assert.equal(valid.status, 0, valid.stderr);
    assert.match(valid.stdout, /valid: manifest and 7 pipeline\(s\)/);
  });

  test('init refuses to overwrite without --force, exit 2', () => {
    const again = runWave(['init'], dir);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /--force/);
    assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a cycle prints its path and exits non-zero', () => {
    writePipeline(
      'cyclic',
      `kind: WavePipeline\nmetadata: {name: cyclic}\nsteps:\n${commandStep('a', ['c'])}${commandStep('b', ['a'])}${commandStep('c', ['b'])}`,
    );
    const res = runWave(['validate', '--pipeline', 'cyclic'], dir);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /dependency cycle: ([abc]) -> (?!\1)[abc] -> (?!\1)[abc] -> \1\b/);
    assert.match(res.stderr, /cyclic\.yaml:\d+:\d+: error:/);
  });

  test('an unknown key suggests the known one, with line and column', () => {
    writePipeline(
      'typo',
      `kind: WavePipeline\nmetadata: {name: typo}\nsteps:\n  - id: a\n    dependecies: []\n    exec: {type: command, script: "true"}\n`,
    );
    const res = runWave(['validate', '--pipeline', 'typo'], dir);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /typo\.yaml:5:5: error: .*dependecies.*did you mean 'dependencies'/);
  });

  test('a YAML syntax error names line and column', () => {
    writePipeline('broken', 'kind: WavePipeline\nmetadata: {name: broken\nsteps: []\n');
    const res = runWave(['validate', '--pipeline', 'broken'], dir);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /broken\.yaml:\d+:\d+: error:/);
  });

  test('every problem is listed, not only the first; -o json carries them', () => {
    writePipeline(
      'many',
      `kind: WavePipeline\nmetadata: {name: many}\nsteps:\n${commandStep('a', ['nope'])}${commandStep('a', [])}${commandStep('b', ['b'])}`,
    );
    const res = runWave(['validate', '--pipeline', 'many', '-o', 'json'], dir);
    assert.equal(res.status, 2);
    const report = JSON.parse(res.stdout) as { valid: boolean; problems: Array<{ severity: string; message: string }> };
    assert.equal(report.valid, false);
    const errors = report.problems
      .filter((p) => p.severity === 'error')
      .map((p) => p.message)
      .join('\n');
    assert.match(errors, /nope/);
    assert.match(errors, /duplicate/i);
    assert.match(errors, /itself/i);
  });

  test('a schema file that does not compile is an error at the contract, before any run', () => {
    writeFileSync(
      path.join(dir, '.wave', 'contracts', 'bad.schema.json'),
      '{"type": "object", "properties": {"x": {"type": "nonsense"}}}',
    );
    writeFileSync(path.join(dir, '.wave', 'contracts', 'broken.schema.json'), '{"type": ');
    const step = (id: string, schema: string) =>
      `  - id: ${id}\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: r, path: r.json}]\n    handover:\n      contract: {type: json_schema, schema_path: .wave/contracts/${schema}}\n`;
    writePipeline(
      'badschema',
      `kind: WavePipeline\nmetadata: {name: badschema}\nsteps:\n${step('a', 'bad.schema.json')}${step('b', 'broken.schema.json')}`,
    );
    const res = runWave(['validate', '--pipeline', 'badschema'], dir);
    assert.equal(res.status, 2, res.stdout);
    assert.match(
      res.stderr,
      /badschema\.yaml:8:\d+: error: step 'a': json_schema contract: .*not a valid .*JSON Schema.*properties\/x\/type/,
    );
    assert.match(res.stderr, /badschema\.yaml:13:\d+: error: step 'b': json_schema contract: .*(JSON|parse)/i);
    const run = runWave(['run', 'badschema'], dir);
    assert.equal(run.status, 2, 'wave run refuses it too');
    assert.match(run.stderr, /bad\.schema\.json/);
  });

  test('a restriction the adapter cannot enforce is a warning at validate time (exit 0)', () => {
    writePipeline(
      'codexnav',
      `kind: WavePipeline\nmetadata: {name: codexnav}\nsteps:\n  - id: map\n    persona: navigator\n    adapter: codex\n    exec: {type: prompt, source: "map it"}\n`,
    );
    const res = runWave(['validate', '--pipeline', 'codexnav'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.match(
      res.stderr,
      /codexnav\.yaml:4:\d+: warning: step 'map': codex cannot refuse an allow list of shell commands \(Bash\(git log\*\)/,
    );
    assert.match(res.stderr, /codex cannot refuse path rules/);
    assert.match(res.stdout, /valid: .*\(2 warning\(s\)\)/);
  });

  test('wave run checks the model its --adapter/--model flags choose before any run starts', () => {
    const res = runWave(['run', 'hello-world', '--adapter', 'opencode', '--model', 'claude-sonnet-4-5'], dir);
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /opencode adapter: .*claude-sonnet-4-5.*provider\/model/);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });

  test('every problem in one go, whatever layer finds it; wave run refuses with the same list', () => {
    writeFileSync(path.join(dir, '.wave', 'contracts', 'layers.schema.json'), '{"type": "nonsense"}');
    writePipeline(
      'layers',
      `kind: WavePipeline
metadata: {name: layers}
steps:
  - id: a
    exec: {type: command, script: "true"}
    output_artifacts: [{name: r, path: r.json}]
    retry: {max_attempts: three}
  - id: b
    dependencies: [a]
    optional: true
    exec: {type: command, script: "true"}
  - id: c
    dependencies: [b]
    exec:
      type: command
      script: |
        set -e
        cat {{ deps.a.r }}
  - id: d
    dependencies: [nope]
    exec: {type: command, script: "true"}
    output_artifacts: [{name: o, path: o.json}]
    handover:
      contract: {type: json_schema, schema_path: .wave/contracts/layers.schema.json}
`,
    );
    const res = runWave(['validate', '--pipeline', 'layers'], dir);
    assert.equal(res.status, 2, res.stderr);
    const errors = res.stderr.split('\n').filter((l) => l.includes(': error: '));
    const expected = [
      /layers\.yaml:7:\d+: error: 'steps\[0\]\.retry\.max_attempts' must be an integer/,
      /layers\.yaml:10:5: error: step 'b': 'optional' is not supported yet/,
      /layers\.yaml:18:13: error: step 'c': \{\{ deps\.a\.r \}\}: step 'a' is upstream but not injected/,
      /layers\.yaml:20:20: error: step 'd': unknown dependency 'nope'/,
      /layers\.yaml:24:\d+: error: step 'd': json_schema contract: .*layers\.schema\.json/,
    ];
    assert.equal(errors.length, expected.length, res.stderr);
    expected.forEach((pattern, i) => assert.match(errors[i] ?? '', pattern));
    const run = runWave(['run', 'layers'], dir);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /layers\.yaml: 5 errors/);
  });

  test('a YAML alias bomb is a user error at the file (exit 2), for validate and run', () => {
    writePipeline('bomb', aliasBombPipeline('bomb', 9));
    for (const args of [
      ['validate', '--pipeline', 'bomb'],
      ['run', 'bomb'],
    ]) {
      const res = runWave(args, dir);
      assert.equal(res.status, 2, `${args[0]}: ${res.stderr}`);
      assert.match(res.stderr, /bomb\.yaml:4:10: error: YAML: the aliases \(\*name\) expand to more than 1000 nodes/);
      assert.doesNotMatch(res.stderr, /internal error/);
    }
  });

  test('a corrupt state.db is a user error naming the file, and is left as it was', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'wave-corrupt-'));
    try {
      const db = path.join(project, '.wave', 'state.db');
      mkdirSync(path.dirname(db));
      writeFileSync(db, 'not a database, just text\n'.repeat(200));
      for (const args of [['list', 'runs'], ['status']]) {
        const res = runWave(args, project);
        assert.equal(res.status, 2, res.stderr);
        assert.match(res.stderr, /state\.db is not an SQLite database/);
        assert.match(res.stderr, /hint: move it away \(mv .*state\.db .*state\.db\.broken\)/);
        assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.equal(readFileSync(db, 'utf8'), 'not a database, just text\n'.repeat(200));
      assert.deepEqual(readdirSync(path.dirname(db)), ['state.db'], 'no journal or WAL left beside it');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('an unknown flag is a usage error with exit 2', () => {
    const res = runWave(['validate', '--bogus'], dir);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /unknown option '--bogus'/);
  });

  test('list personas -o json is JSON', () => {
    const res = runWave(['list', 'personas', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as Array<{ name: string }>;
    assert.deepEqual(rows.map((r) => r.name).sort(), [
      'auditor',
      'craftsman',
      'explainer',
      'navigator',
      'reviewer',
      'summarizer',
    ]);
  });

  test('list without a manifest says how to make one', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'wave-empty-'));
    try {
      const res = runWave(['list', 'personas'], empty);
      assert.equal(res.status, 2);
      assert.match(res.stderr, /wave init/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('wave --help and --version', () => {
  test('--help lists every command with a description and an example', () => {
    const res = runWave(['--help'], dir);
    assert.equal(res.status, 0);
    for (const cmd of ['init', 'validate', 'list', 'doctor']) {
      assert.match(res.stdout, new RegExp(`^  ${cmd}\\b.*\\S`, 'm'), `${cmd} described`);
      assert.match(res.stdout, new RegExp(`^  wave ${cmd}\\b`, 'm'), `${cmd} has an example`);
    }
  });

  test('--version prints the package version', () => {
    const res = runWave(['--version'], dir);
    assert.equal(res.status, 0);
    assert.match(res.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});
