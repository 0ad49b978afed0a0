// `wave run` on a GitHub Actions runner (issue 14, CI runners): a broken contract is also a workflow annotation
// on the line of the pipeline file that declares it, and nothing of the kind is printed anywhere else. The run's
// own output names the failure once.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createCommandProject, writePipeline } from '../../support/command-project.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-github-');
  writePipeline(
    dir,
    'checked',
    `  - id: report
    exec: {type: command, script: "echo '{\\"verdict\\": 3}' > /wave/out/report.json"}
    output_artifacts: [{name: report, path: report.json}]
    retry: {policy: none}
    handover:
      contract: {type: json_schema, schema: {type: object, properties: {verdict: {type: string}}}}
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('wave run under GitHub Actions', { skip }, () => {
  test('the broken contract is an ::error annotation on its line of the pipeline file (exit 4)', () => {
    const res = runWave(['run', 'checked'], dir, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir });
    assert.equal(res.status, 4, res.stderr);
    const annotations = res.stderr.split('\n').filter((l) => l.startsWith('::'));
    assert.equal(annotations.length, 1, res.stderr);
    const [properties, message] = (annotations[0] ?? '').split(/(?<=\)):{2}/);
    const title = "Wave%3A step 'report' failed its contract 1 (json_schema)";
    assert.equal(properties, `::error file=.wave/pipelines/checked.yaml,line=9,title=${title}`);
    assert.match(message ?? '', /^step 'report', contract 1 \(json_schema\): .*verdict: must be string/);
  });

  test('elsewhere no annotation, and the failure is printed once, after the steps', () => {
    const res = runWave(['run', 'checked'], dir, { GITHUB_ACTIONS: 'false' });
    assert.equal(res.status, 4, res.stderr);
    assert.doesNotMatch(res.stdout + res.stderr, /^::/m);
    assert.equal(res.stdout.split("step 'report' failed:").length - 1, 1, `the run's failure, once:\n${res.stdout}`);
    const lines = res.stdout.trimEnd().split('\n');
    assert.match(lines.at(-2) ?? '', /run \S+ failed in .*must be string/);
    assert.match(lines.at(-1) ?? '', /^details: wave status \S+; wave logs/);
  });
});
