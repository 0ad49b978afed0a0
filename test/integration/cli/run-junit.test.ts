// `wave run --junit FILE` as a CI system meets it: command steps in real containers, their contracts checked, and the
// report read back with a JUnit parser package (junit2json). A hard failure, a soft warning and a skipped step all
// appear as a JUnit tool expects them.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'junit2json';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-junit-');
  writePipeline(
    dir,
    'reported',
    `  - id: analyze
    exec: {type: command, script: "echo '{\\"verdict\\": \\"pass\\"}' > /wave/out/result.json; printf '# Notes\\n' > /wave/out/notes.md"}
    output_artifacts: [{name: result, path: result.json}, {name: notes, path: notes.md}]
    handover:
      contracts:
        - {type: json_schema, source: result.json, schema: {type: object, required: [verdict], properties: {verdict: {enum: [pass, fail]}}}}
        - {type: markdown_spec, source: notes.md, required_headings: ["# Notes", "## Findings"], on_failure: warn}
  - id: report
    dependencies: [analyze]
    exec: {type: command, script: "echo '{\\"verdict\\": 3}' > /wave/out/report.json"}
    output_artifacts: [{name: report, path: report.json}]
    retry: {policy: none}
    handover:
      contract: {type: json_schema, schema: {type: object, properties: {verdict: {type: string}}}}
  - id: publish
    dependencies: [report]
    exec: {type: command, script: "true"}
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('wave run --junit', { skip }, () => {
  test('a testcase per contract: the hard failure fails the run (exit 4), the warning passes, the report parses', async () => {
    const file = path.join(dir, 'reports', 'junit.xml');
    const res = runWave(['run', 'reported', '--junit', file], dir);
    assert.equal(res.status, 4, res.stderr);
    const parsed = await parse(readFileSync(file, 'utf8'));
    assert.ok(parsed && 'testsuite' in parsed, 'a <testsuites> document');
    const suites = new Map((parsed.testsuite ?? []).map((s) => [s.name, s]));
    const analyze = suites.get('reported.analyze');
    const report = suites.get('reported.report');
    assert.ok(analyze && report, `suites: ${[...suites.keys()].join(', ')}`);
    assert.deepEqual(
      analyze.testcase?.map((c) => [c.name, Boolean(c.failure?.length)]),
      [
        ['contract 1: json_schema (result.json)', false],
        ['contract 2: markdown_spec (notes.md)', false],
      ],
      'the soft (warn) contract is not a JUnit failure',
    );
    const failure = report.testcase?.[0]?.failure?.[0];
    assert.equal(failure?.type, 'json_schema');
    assert.match(failure?.inner ?? '', /\/verdict: must be string/);
    assert.equal(parsed.failures, 1);
  });

  test('a report path that cannot be written is refused before the run starts (exit 2, the flag named)', () => {
    const runs = () => (JSON.parse(runWave(['list', 'runs', '-o', 'json'], dir).stdout) as unknown[]).length;
    const before = runs();
    const res = runWave(['run', 'reported', '--junit', path.join(dir, 'README.md', 'nested.xml')], dir);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /--junit .*README\.md is a file, not a folder/);
    assert.equal(runs(), before, 'no run was started');
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });
});
