// `wave run --junit`: the report parses back with a JUnit parser (junit2json, over xml2js in strict mode), with a
// testcase per contract, failures with their message and error list, skips for on_failure skip, and text from
// models and test output (markup, quotes, control characters, lone surrogates) escaped so the XML stays valid.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parse } from 'junit2json';
import { runContracts, toJUnitXml, type ContractRunResult } from '../../../src/contracts/index.js';
import { context, fixture, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

function result(partial: Partial<ContractRunResult>): ContractRunResult {
  return {
    ok: true,
    hard: false,
    errors: [],
    details: {},
    index: 0,
    type: 'non_empty_file',
    onFailure: 'fail',
    outcome: 'passed',
    durationMs: 5,
    ...partial,
  };
}

describe('toJUnitXml', () => {
  it('parses back: suites per step, a testcase per contract, failures and skips', async () => {
    const out = await outFolder({ 'report.json': await fixture('outputs/report-invalid.json'), 'notes.md': '' });
    const ctx = context(out, [{ name: 'report', path: 'report.json' }]);
    const analyze = await runContracts(
      [
        { type: 'json_schema', schema_path: 'schemas/report-07.schema.json' },
        { type: 'non_empty_file', source: 'notes.md', on_failure: 'warn' },
      ],
      ctx,
    );
    const summary = await runContracts(
      [
        { type: 'non_empty_file', source: 'report.json' },
        { type: 'non_empty_file', source: 'notes.md', on_failure: 'skip' },
        { type: 'format', format: 'json' },
      ],
      ctx,
    );
    const xml = toJUnitXml({
      id: 'run-1',
      pipeline: 'code-review',
      steps: [
        { stepId: 'analyze', attempt: 3, durationMs: 1500, results: analyze.results },
        { stepId: 'summary', attempt: 1, results: summary.results, notRun: summary.notRun },
      ],
    });
    const parsed = await parse(xml);
    assert.ok(parsed && 'testsuite' in parsed);
    assert.equal(parsed.tests, 5);
    assert.equal(parsed.failures, 1);
    const [a, s] = parsed.testsuite ?? [];
    assert.equal(a?.name, 'code-review.analyze');
    assert.equal(a?.time, 1.5);
    assert.deepEqual(a?.properties, [
      { name: 'wave.run', value: 'run-1' },
      { name: 'wave.step', value: 'analyze' },
      { name: 'wave.attempt', value: 3 }, // junit2json turns numeric attribute values into numbers
    ]);
    const [schemaCase, warnCase] = a?.testcase ?? [];
    assert.equal(schemaCase?.name, 'contract 1: json_schema (report.json)');
    assert.equal(schemaCase?.classname, 'code-review.analyze');
    assert.equal(schemaCase?.failure?.[0]?.type, 'json_schema');
    assert.match(schemaCase?.failure?.[0]?.message ?? '', /^6 errors; first: /);
    assert.ok(
      schemaCase?.failure?.[0]?.inner?.includes(
        '/findings/1/severity: must be equal to one of the allowed values (enum: low, medium, high)',
      ),
    );
    assert.equal(warnCase?.failure, undefined, 'a warning is not a failure');
    assert.match(warnCase?.['system-out']?.[0] ?? '', /warning \(on_failure: warn\):\nnotes\.md: is empty/);
    assert.equal(s?.skipped, 2);
    assert.equal(s?.failures, 0);
    const [passCase, skipCase, notRunCase] = s?.testcase ?? [];
    assert.equal(passCase?.skipped, undefined);
    assert.match(skipCase?.skipped?.[0]?.message ?? '', /failed with on_failure: skip/);
    assert.equal(notRunCase?.name, 'contract 3: format');
    assert.match(notRunCase?.skipped?.[0]?.message ?? '', /^not run/);
  });

  it('escapes markup, quotes and characters XML 1.0 cannot carry', async () => {
    const nasty = 'a <b> & "c" \'d\' ]]> \u0000\u0001\u001b[31m \ud800 tab\there\nnew line';
    const xml = toJUnitXml({
      id: 'r<&>"',
      pipeline: 'p"&',
      steps: [
        {
          stepId: 's\u0007',
          attempt: 1,
          results: [
            result({
              ok: false,
              hard: true,
              outcome: 'failed',
              type: 'test_suite',
              errors: [{ path: '', message: nasty }],
            }),
          ],
        },
      ],
    });
    // No raw forbidden character survives anywhere in the document.
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assert.doesNotMatch(xml, /[\uD800-\uDFFF]/);
    const parsed = await parse(xml);
    assert.ok(parsed && 'testsuite' in parsed);
    assert.equal(parsed.name, 'wave run r<&>" (p"&)');
    const failure = parsed.testsuite?.[0]?.testcase?.[0]?.failure?.[0];
    assert.equal(failure?.inner, 'a <b> & "c" \'d\' ]]> \\u0000\\u0001\\u001b[31m \\ud800 tab\there\nnew line');
    assert.equal(failure?.message, 'a <b> & "c" \'d\' ]]> \\u0000\\u0001\\u001b[31m \\ud800 tab\there');
  });

  it('an empty run is still a valid report', async () => {
    const parsed = await parse(toJUnitXml({ id: 'r', pipeline: 'p', steps: [] }));
    assert.ok(parsed && 'name' in parsed);
    assert.equal(parsed.tests, 0);
  });
});
