// json_schema: nested errors name the JSON pointer and the rule, draft-07 and 2020-12 are both honoured, a parse
// error names line:column, recovery is opt-in and rewrites the file, schemas come from files (with the defaults
// fallback) or inline, and a broken schema fails hard whatever on_failure says.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkContractFiles, runContracts } from '../../../src/contracts/index.js';
import { context, fixture, outFolder, removeOutFolders, resolvePath } from './_helpers.js';

after(removeOutFolders);

const report07 = { type: 'json_schema', schema_path: 'schemas/report-07.schema.json', source: 'report.json' };

describe('json_schema', () => {
  it('passes a valid document (draft-07, with formats)', async () => {
    const out = await outFolder({ 'report.json': await fixture('outputs/report-valid.json') });
    const run = await runContracts([report07], context(out));
    assert.equal(run.passed, true, JSON.stringify(run.results));
    assert.equal(run.results[0]?.ok, true);
  });

  it('names the JSON pointer and the rule of every nested error', async () => {
    const out = await outFolder({ 'report.json': await fixture('outputs/report-invalid.json') });
    const { results, passed } = await runContracts([report07], context(out));
    assert.equal(passed, false);
    const r = results[0];
    assert.ok(r);
    assert.equal(r.ok, false);
    assert.equal(r.hard, true);
    const lines = r.errors.map((e) => `${e.path}: ${e.message}`);
    assert.ok(
      lines.includes('/findings/1/severity: must be equal to one of the allowed values (enum: low, medium, high)'),
      lines.join('\n'),
    );
    assert.ok(lines.includes("/findings/1/location: must have required property 'file' (required)"), lines.join('\n'));
    assert.ok(lines.includes('/findings/1/location/line: must be >= 1 (minimum)'), lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith('/findings/1/id: must match pattern')),
      lines.join('\n'),
    );
    assert.ok(lines.includes('/generated: must match format "date-time" (format)'), lines.join('\n'));
    assert.ok(
      lines.includes("/: must NOT have additional properties (additionalProperties: 'extra')"),
      lines.join('\n'),
    );
    assert.equal(r.details.errorCount, 6);
  });

  it('honours draft 2020-12 keywords (prefixItems, unevaluatedProperties, $defs)', async () => {
    const spec = { type: 'json_schema', schema_path: 'schemas/pair-2020.schema.json' };
    const outputs = [{ name: 'pair', path: 'pair.json' }];
    const good = await outFolder({ 'pair.json': '{"pair": ["a", 1], "meta": {"email": "a@b.dev"}}' });
    assert.equal((await runContracts([spec], context(good, outputs))).passed, true);
    const bad = await outFolder({ 'pair.json': '{"pair": ["a", "b", 3], "meta": {"email": "nope"}, "x": 1}' });
    const lines =
      (await runContracts([spec], context(bad, outputs))).results[0]?.errors.map((e) => `${e.path}: ${e.message}`) ??
      [];
    assert.ok(lines.includes('/pair/1: must be integer (type)'), lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith('/pair: must NOT have more than 2 items')),
      lines.join('\n'),
    );
    assert.ok(lines.includes('/meta/email: must match format "email" (format)'), lines.join('\n'));
    assert.ok(lines.includes("/: must NOT have unevaluated properties (unevaluatedProperties: 'x')"), lines.join('\n'));
  });

  it('uses an inline schema, defaulting to 2020-12 when $schema is absent', async () => {
    const spec = {
      type: 'json_schema',
      source: 'a.json',
      schema: { type: 'object', properties: { n: { type: 'array', prefixItems: [{ type: 'number' }] } } },
    };
    const out = await outFolder({ 'a.json': '{"n": ["x"]}' });
    const r = (await runContracts([spec], context(out))).results[0];
    assert.deepEqual(r?.errors, [{ path: '/n/0', message: 'must be number (type)' }]);
  });

  it('reports a JSON syntax error with line:column', async () => {
    const out = await outFolder({ 'report.json': await fixture('outputs/report-broken.json') });
    const r = (await runContracts([report07], context(out))).results[0];
    assert.equal(r?.ok, false);
    assert.equal(r?.errors.length, 1);
    assert.equal(r?.errors[0]?.path, 'report.json:4:19');
    assert.match(r?.errors[0]?.message ?? '', /^invalid JSON: expected ',' or '}' after a property value, found '"'/);
    assert.deepEqual(r?.details.parseError, { line: 4, column: 19 });
  });

  it('reports a truncated document at its end', async () => {
    const out = await outFolder({ 'report.json': '{\n  "title": "x",\n  "findings": [' });
    const r = (await runContracts([report07], context(out))).results[0];
    assert.equal(r?.errors[0]?.path, 'report.json:3:16');
    assert.match(r?.errors[0]?.message ?? '', /end of input/);
  });

  it('does not recover unless asked', async () => {
    const prose = await fixture('outputs/report-in-prose.md');
    const out = await outFolder({ 'report.json': prose });
    const r = (await runContracts([report07], context(out))).results[0];
    assert.equal(r?.ok, false);
    assert.match(r?.errors[0]?.path ?? '', /^report\.json:1:1$/);
    assert.equal(await readFile(path.join(out, 'report.json'), 'utf8'), prose, 'the file is untouched');
  });

  it('recover: extracts the fenced JSON, rewrites the file with it and says so', async () => {
    const out = await outFolder({ 'report.json': await fixture('outputs/report-in-prose.md') });
    const r = (await runContracts([{ ...report07, recover: true }], context(out))).results[0];
    assert.equal(r?.ok, true, JSON.stringify(r?.errors));
    assert.equal(r?.details.recovered, true);
    const rewritten = await readFile(path.join(out, 'report.json'), 'utf8');
    assert.equal(JSON.parse(rewritten).title, 'Audit');
    assert.ok(!rewritten.includes('Sure!'));
  });

  it('recover: takes the first top-level {...} span when there is no fence, then validates it', async () => {
    const out = await outFolder({ 'report.json': 'Result: {"title": "", "findings": []} -- done {"not": "this"}' });
    const r = (await runContracts([{ ...report07, recover: true }], context(out))).results[0];
    assert.equal(r?.details.recovered, true);
    assert.deepEqual(r?.errors, [{ path: '/title', message: 'must NOT have fewer than 1 characters (minLength)' }]);
    assert.equal(await readFile(path.join(out, 'report.json'), 'utf8'), '{"title": "", "findings": []}\n');
  });

  it('recover: says so when nothing could be extracted', async () => {
    const out = await outFolder({ 'report.json': 'I could not do it, sorry.' });
    const r = (await runContracts([{ ...report07, recover: true }], context(out))).results[0];
    assert.match(r?.errors[0]?.message ?? '', /recovery found no JSON object or array/);
  });

  it('falls back from .wave/contracts to the packaged defaults', async () => {
    const spec = {
      type: 'json_schema',
      schema_path: '.wave/contracts/hello-review.schema.json',
      source: 'review.json',
    };
    const out = await outFolder({ 'review.json': '{"verdict": "maybe"}' });
    const r = (await runContracts([spec], context(out))).results[0];
    assert.equal(r?.ok, false);
    assert.ok(
      r?.errors.some((e) => e.path === '/verdict'),
      JSON.stringify(r?.errors),
    );
  });

  it('a broken or missing schema fails hard even under on_failure: warn', async () => {
    const out = await outFolder({ 'report.json': '{}' });
    const run = await runContracts(
      [
        { type: 'json_schema', schema_path: 'schemas/broken.schema.json', source: 'report.json', on_failure: 'warn' },
        { type: 'json_schema', schema_path: 'schemas/nope.schema.json', source: 'report.json', on_failure: 'warn' },
        { type: 'json_schema', schema: { type: 'wat' }, source: 'report.json', on_failure: 'warn' },
      ],
      context(out),
    );
    assert.equal(run.passed, false);
    assert.deepEqual(
      run.results.map((r) => r.hard),
      [true, true, true],
    );
    assert.match(run.results[0]?.errors[0]?.message ?? '', /schemas\/broken\.schema\.json' is not JSON/);
    assert.match(run.results[1]?.errors[0]?.message ?? '', /schemas\/nope\.schema\.json' not found/);
    assert.match(run.results[2]?.errors[0]?.message ?? '', /not a valid 2020-12 JSON Schema/);
  });

  it('picks up an edited schema file (cache keyed by mtime) ', async () => {
    const { mkdtemp, writeFile, utimes } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(path.join(tmpdir(), 'wave-schema-'));
    const file = path.join(dir, 's.json');
    await writeFile(file, '{"type": "object", "required": ["a"]}');
    const spec = { type: 'json_schema', schema_path: file, source: 'x.json' };
    const out = await outFolder({ 'x.json': '{"b": 1}' });
    const ctx = { ...context(out), resolvePath: (p: string) => p };
    assert.equal((await runContracts([spec], ctx)).passed, false);
    await writeFile(file, '{"type": "object", "required": ["b"]}');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    assert.equal((await runContracts([spec], ctx)).passed, true);
  });

  it('checkContractFiles reports schema files that are missing or do not compile', async () => {
    assert.deepEqual(await checkContractFiles(report07, resolvePath), []);
    assert.deepEqual(
      await checkContractFiles(
        { type: 'json_schema', schema_path: '.wave/contracts/findings.schema.json' },
        resolvePath,
      ),
      [],
    );
    const [broken] = await checkContractFiles(
      { type: 'json_schema', schema_path: 'schemas/broken.schema.json' },
      resolvePath,
    );
    assert.match(broken ?? '', /is not JSON/);
    const [missing] = await checkContractFiles(
      { type: 'json_schema', schema_path: 'schemas/missing.json' },
      resolvePath,
    );
    assert.match(missing ?? '', /not found/);
    const [invalid] = await checkContractFiles(
      { type: 'json_schema', schema: { type: 'object', required: 'a' } },
      resolvePath,
    );
    assert.match(invalid ?? '', /not a valid 2020-12 JSON Schema/);
  });
});
