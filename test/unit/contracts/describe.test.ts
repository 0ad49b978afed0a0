// The contract section of the instructions is generated from the contracts: output paths under /wave/out, the JSON
// Schema itself, the interface source, the test command, the required headings. And the retry prompt's failures.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { describeContracts, describeFailures, runContracts } from '../../../src/contracts/index.js';
import { context, fixture, outFolder, removeOutFolders, resolvePath } from './_helpers.js';

after(removeOutFolders);

const outputs = [
  { name: 'report', path: 'report.json' },
  { name: 'summary', path: 'docs/summary.md' },
];

describe('describeContracts', () => {
  it('states every output path and exactly what each contract checks', async () => {
    const text = await describeContracts(
      [
        { type: 'json_schema', schema_path: 'schemas/report-07.schema.json' },
        {
          type: 'typescript_interface',
          schema_path: 'interfaces/single.ts',
          source: 'greeting.json',
          on_failure: 'warn',
        },
        { type: 'test_suite', command: 'node --test /wave/out/check.mjs', timeout: '30s' },
        {
          type: 'markdown_spec',
          source: 'docs/summary.md',
          headings: ['## Summary', { text: 'Findings', level: 2 }, 'Notes'],
          max_length: 4000,
        },
        { type: 'format', format: 'yaml', source: 'meta.yaml', on_failure: 'skip' },
        { type: 'non_empty_file', source: 'docs/summary.md', max_size: '10kb' },
      ],
      { outputs, resolvePath },
    );
    assert.match(text, /^## Output contract\n/);
    assert.ok(text.includes('- `report`: `/wave/out/report.json`'));
    assert.ok(text.includes('- `summary`: `/wave/out/docs/summary.md`'));
    // json_schema: the schema itself, pretty-printed, and the default source.
    assert.ok(text.includes('### Check 1: json_schema (required)'));
    assert.ok(
      text.includes('`/wave/out/report.json` must be a JSON document valid against this JSON Schema (draft-07)'),
    );
    assert.ok(text.includes(JSON.stringify(JSON.parse(await fixture('schemas/report-07.schema.json')), null, 2)));
    // typescript_interface: the interface source.
    assert.ok(
      text.includes('### Check 2: typescript_interface (advisory: a failure is reported but does not fail the step)'),
    );
    assert.ok(text.includes('the TypeScript type `Greeting`'));
    assert.ok(text.includes(await fixture('interfaces/single.ts').then((s) => s.trimEnd())));
    // test_suite: the command, its limits.
    assert.ok(text.includes('```sh\nnode --test /wave/out/check.mjs\n```'));
    assert.ok(text.includes('for at most 30s'));
    // markdown_spec: the headings in order.
    assert.ok(text.includes('1. `## Summary`\n2. `## Findings`\n3. `Notes` (any level)'));
    assert.ok(text.includes('at most 4000 characters'));
    assert.ok(text.includes('`/wave/out/meta.yaml` must be a valid YAML document.'));
    assert.ok(text.includes('### Check 5: format (optional: if it fails, the checks after it are not run)'));
    assert.ok(text.includes('`/wave/out/docs/summary.md` must exist and must not be empty, at most 10kb.'));
  });

  it('truncates a very large schema and says so', async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 800 }, (_, i) => [`field_${i}`, { type: 'string', description: 'x'.repeat(20) }]),
    );
    const text = await describeContracts([{ type: 'json_schema', schema: { type: 'object', properties } }], {
      outputs,
      resolvePath,
    });
    assert.ok(text.length < 14_000, String(text.length));
    assert.match(text, /The schema is longer than shown: \d+ more characters were cut/);
  });

  it('refuses an invalid contract with a pipeline_invalid error instead of describing it', async () => {
    await assert.rejects(describeContracts([{ type: 'llm_judge' }], { outputs, resolvePath }), {
      code: 'pipeline_invalid',
    });
    await assert.rejects(
      describeContracts([{ type: 'json_schema', schema_path: 'schemas/nope.json' }], { outputs, resolvePath }),
      {
        code: 'pipeline_invalid',
        message: /not found/,
      },
    );
  });

  it('says when there is nothing to check', async () => {
    assert.match(await describeContracts([], { outputs, resolvePath }), /No automatic checks run on your outputs/);
  });
});

describe('describeFailures', () => {
  it('lists each failed check with its errors; passing checks are left out', async () => {
    const out = await outFolder({ 'report.json': await fixture('outputs/report-invalid.json'), 'notes.md': '' });
    const { results } = await runContracts(
      [
        { type: 'json_schema', schema_path: 'schemas/report-07.schema.json' },
        { type: 'non_empty_file', source: 'report.json' },
        { type: 'non_empty_file', source: 'notes.md', on_failure: 'warn' },
      ],
      context(out, outputs),
    );
    const text = describeFailures(results);
    assert.match(text, /^Your previous attempt failed these checks:\n/);
    assert.ok(text.includes('- Check 1 (json_schema, `report.json`):'));
    assert.ok(
      text.includes('  - `/findings/1/severity`: must be equal to one of the allowed values (enum: low, medium, high)'),
    );
    assert.ok(!text.includes('Check 2'));
    assert.ok(text.includes('- Check 3 (non_empty_file, `notes.md`) (advisory):\n  - `notes.md`: is empty (0 bytes)'));
    assert.equal(describeFailures(results.filter((r) => r.ok)), '');
  });

  it('puts a multi-line message (a test tail) in a code block', () => {
    const text = describeFailures([
      {
        ok: false,
        hard: true,
        errors: [{ path: '', message: '`make test` exited with code 2; last output:\nFAIL a\nexpected 1' }],
        details: {},
        index: 0,
        type: 'test_suite',
        onFailure: 'fail',
        outcome: 'failed',
        durationMs: 1,
      },
    ]);
    assert.ok(
      text.includes('  - `make test` exited with code 2; last output:\n    ```\n    FAIL a\n    expected 1\n    ```'),
      text,
    );
  });
});
