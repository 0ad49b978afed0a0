// Issue 13, findings 6, 9 and 10, as attacks through real `wave run`s of command steps in real containers:
// a step asking for the provider key, pipeline paths reaching for host files, and an input that tries to run.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultManifestPath } from '../../../src/config/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

/** Not shaped like any well-known key, so only the exact-value scrubbing can catch them. */
const PROVIDER_KEY = 'wave-test-provider-key-7f3a91c2d4';
const SERVICE_TOKEN = 'wave-test-service-token-55e0b1';
const hostEnv = { ANTHROPIC_API_KEY: PROVIDER_KEY, SERVICE_TOKEN };

let dir: string;
before(() => {
  dir = createCommandProject('wave-sec-inputs-');
  // `wave validate` needs a manifest; Wave's default one (its prompt files fall back to the embedded defaults).
  copyFileSync(defaultManifestPath(), path.join(dir, 'wave.yaml'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every file Wave keeps for the project (state db with its WAL, traces, log files), step workspaces aside. */
function storedText(): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (p === path.join(dir, '.wave', 'workspaces')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.push(readFileSync(p).toString('latin1'));
    }
  };
  walk(path.join(dir, '.wave'));
  return out.join('\n');
}

describe('finding 6: provider credentials and passthrough', { skip }, () => {
  test('a command step passing ANTHROPIC_API_KEY through is refused by validate and run, at file:line', () => {
    writePipeline(
      dir,
      'grab-key',
      '  - id: grab\n    exec: {type: command, script: "echo $ANTHROPIC_API_KEY"}\n    sandbox: {env_passthrough: [ANTHROPIC_API_KEY]}\n',
    );
    for (const args of [
      ['validate', '-p', 'grab-key'],
      ['run', 'grab-key'],
    ]) {
      const res = runWave(args, dir, hostEnv);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
      assert.match(
        res.stderr,
        /grab-key\.yaml:6:33: error: step 'grab': sandbox\.env_passthrough 'ANTHROPIC_API_KEY' is a provider credential, and the step does not opt in/,
      );
      assert.match(res.stderr, /credentials: passthrough/);
      assert.doesNotMatch(res.stdout + res.stderr, new RegExp(PROVIDER_KEY));
    }
    assert.doesNotMatch(runWave(['list', 'runs'], dir).stdout, /grab-key/, 'no run was started');
  });

  test('with the opt-in the key enters the container, and what it prints is scrubbed in state, traces and wave logs', () => {
    writePipeline(
      dir,
      'print-key',
      [
        '  - id: leak',
        '    credentials: passthrough',
        '    sandbox: {env_passthrough: [ANTHROPIC_API_KEY, SERVICE_TOKEN]}',
        '    exec: {type: command, script: "echo key=$ANTHROPIC_API_KEY; echo token=$SERVICE_TOKEN >&2; echo $WAVE_ATTEMPT; exit 3"}',
        '    retry: {max_attempts: 2, base_delay: 10ms}',
        '',
      ].join('\n'),
    );
    const res = runWave(['run', 'print-key', '-o', 'json'], dir, hostEnv);
    assert.equal(res.status, 3, res.stderr);
    const runId = runIdOf(res.stdout);
    // The container did see both values: where they were printed, the marker stands.
    assert.match(res.stdout, /key=\[REDACTED\]/);
    assert.match(res.stdout, /token=\[REDACTED\]/);
    const logs = runWave(['logs', runId], dir);
    assert.equal(logs.status, 0, logs.stderr);
    assert.match(logs.stdout, /key=\[REDACTED\]/);
    const status = runWave(['status', runId, '-o', 'json'], dir);
    for (const [what, text] of [
      ['events', res.stdout + res.stderr],
      ['wave logs', logs.stdout + logs.stderr],
      ['wave status', status.stdout],
      ['stored files', storedText()],
    ]) {
      assert.equal(text?.includes(PROVIDER_KEY), false, `${what} hold the provider key`);
      assert.equal(text?.includes(SERVICE_TOKEN), false, `${what} hold the passthrough token`);
    }
  });
});

describe('finding 9: paths leave the project', { skip }, () => {
  test('schema_path: /etc/shadow and ../ are refused by validate and run, and nothing of the file is printed', () => {
    const outside = path.join(tmpdir(), `wave-sec-outside-${process.pid}.json`);
    writeFileSync(outside, 'OUTSIDE-SECRET-CONTENT: not json');
    after(() => rmSync(outside, { force: true }));
    const shadowHead = existsSync('/etc/shadow') ? readFileSync('/etc/shadow', 'utf8').slice(0, 12) : 'root:';
    const cases: Array<[string, RegExp]> = [
      ['/etc/shadow', /schema_path '\/etc\/shadow' is an absolute path/],
      [path.relative(dir, outside), /schema_path '\.\.\/.*' leaves the project \('\.\.'\)/],
    ];
    for (const [schemaPath, expected] of cases) {
      writePipeline(
        dir,
        'read-host',
        `  - id: a\n    exec: {type: command, script: "echo {} > /wave/out/r.json"}\n    output_artifacts: [{name: r, path: r.json}]\n    handover:\n      contract: {type: json_schema, schema_path: ${schemaPath}}\n`,
      );
      for (const args of [
        ['validate', '-p', 'read-host'],
        ['run', 'read-host'],
      ]) {
        const res = runWave(args, dir);
        const shown = res.stdout + res.stderr;
        assert.equal(res.status, 2, `${args.join(' ')}: ${shown}`);
        assert.match(res.stderr, /read-host\.yaml:8:50: error: step 'a': json_schema contract: /);
        assert.match(res.stderr, expected);
        assert.equal(shown.includes(shadowHead), false, 'the error quotes /etc/shadow');
        assert.doesNotMatch(shown, /OUTSIDE-SECRET/);
      }
    }
  });
});

describe('finding 10: the input reaches command scripts as data', { skip }, () => {
  test('$(touch /wave/out/pwned) as input does not run, and arrives verbatim in the script and in WAVE_INPUT', () => {
    writePipeline(
      dir,
      'echo-input',
      [
        '  - id: echo',
        '    exec:',
        '      type: command',
        '      script: |',
        "        printf '%s' {{ input }} > /wave/out/arg.txt",
        '        printf \'%s\' "{{ input }}" > /wave/out/dq.txt',
        '        printf \'%s\' "$WAVE_INPUT" > /wave/out/env.txt',
        '        test ! -e /wave/out/pwned',
        '    output_artifacts: [{name: arg, path: arg.txt}, {name: dq, path: dq.txt}, {name: env, path: env.txt}]',
        '',
      ].join('\n'),
    );
    const input =
      '$(touch /wave/out/pwned)`touch /wave/out/pwned`\'; touch /wave/out/pwned; \'"; touch /wave/out/pwned; "\nsecond line';
    const res = runWave(['run', 'echo-input', input, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const out = path.join(dir, 'exported-input');
    assert.equal(runWave(['artifacts', runIdOf(res.stdout), '--export', out], dir).status, 0);
    for (const name of ['arg.txt', 'dq.txt', 'env.txt'])
      assert.equal(readFileSync(path.join(out, 'echo', name), 'utf8'), input, name);
  });

  test('a placeholder in a here-document is refused before the run, with the WAVE_INPUT hint', () => {
    writePipeline(
      dir,
      'heredoc',
      '  - id: h\n    exec:\n      type: command\n      script: |\n        cat > /wave/out/x <<EOF\n        {{ input }}\n        EOF\n',
    );
    const res = runWave(['run', 'heredoc', '$(touch /wave/out/pwned)'], dir);
    assert.equal(res.status, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /heredoc\.yaml:\d+:\d+: error: step 'h': \{\{ input \}\} is inside a here-document/);
    assert.match(res.stderr, /WAVE_INPUT/);
  });
});
